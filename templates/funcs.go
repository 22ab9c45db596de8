package templates

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"unicode"

	"golang.org/x/text/unicode/bidi"

	"github.com/nashra/nashra/internal/digest"
)

// TextWidth is the column at which the plain-text part is wrapped.
const TextWidth = 76

// RLM is U+200F RIGHT-TO-LEFT MARK.
const RLM = "\u200f"

var common = map[string]any{
	// news is the Arabic counted phrase for n stories: "خبر واحد", "7 أخبار"…
	"news": func(n int) string { return digest.Plural(n, digest.News, false) },
	// oneline collapses runs of white space, newlines included.
	"oneline": func(s string) string { return strings.Join(strings.Fields(s), " ") },
	// preheader is the hidden first line mail clients show in the inbox.
	"preheader": preheader,
}

var htmlFuncs = htmltemplate.FuncMap{"bidi": IsolateLatin}

var textFuncs = texttemplate.FuncMap{
	// url keeps http(s) links only: the text part has no escaper to
	// neutralise a javascript: link the way html/template does.
	"url": func(u string) string { return digest.SafeURL(u, "") },
}

func init() {
	for k, v := range common {
		htmlFuncs[k] = v
		textFuncs[k] = v
	}
}

func preheader(e *digest.Edition) string {
	var parts []string
	for _, h := range e.Highlights {
		parts = append(parts, strings.Join(strings.Fields(h.Title), " "))
	}
	return strings.Join(parts, " • ")
}

func class(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func isRTL(c bidi.Class) bool { return c == bidi.R || c == bidi.AL }

// IsolateLatin escapes s for HTML and wraps each left-to-right run in it
// (Latin names, model numbers, URLs: from a Latin letter through the last
// Latin letter or digit before the next Arabic letter, with balanced
// closing brackets) in <span dir="auto">, so the run is bidi-isolated and
// cannot reorder the Arabic text and punctuation around it.
func IsolateLatin(s string) htmltemplate.HTML {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if class(rs[i]) != bidi.L {
			b.WriteString(htmltemplate.HTMLEscapeString(string(rs[i])))
			i++
			continue
		}
		end := i + 1
		for j := i + 1; j < len(rs); j++ {
			c := class(rs[j])
			if isRTL(c) {
				break
			}
			if c == bidi.L || c == bidi.EN || c == bidi.AN {
				end = j + 1
			}
		}
		for end < len(rs) && strings.ContainsRune(")]}", rs[end]) &&
			countAny(rs[i:end], "([{") > countAny(rs[i:end], ")]}") {
			end++
		}
		b.WriteString(`<span dir="auto">`)
		b.WriteString(htmltemplate.HTMLEscapeString(string(rs[i:end])))
		b.WriteString(`</span>`)
		i = end
	}
	return htmltemplate.HTML(b.String())
}

func countAny(rs []rune, set string) int {
	n := 0
	for _, r := range rs {
		if strings.ContainsRune(set, r) {
			n++
		}
	}
	return n
}

// FormatText makes rendered plain text read well in any client: line
// endings normalised, trailing spaces and repeated blank lines removed,
// lines wrapped at width columns on word boundaries (a word longer than
// the width, such as a URL, is never broken; bullets get a hanging
// indent), and U+200F RLM put before every line that would otherwise be
// laid out left-to-right: one whose first strong character is Latin or
// that starts with a digit.
func FormatText(s string, width int) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	fs := make([]formattedLine, len(lines))
	for i, line := range lines {
		fs[i] = formatLine(line, width)
	}
	return joinLines(fs)
}

// formattedLine is one source line of FormatText: blank, or the lines it
// wraps into (RLM-marked).
type formattedLine struct {
	blank bool
	out   []string
}

// formatLine trims, wraps and marks one source line (no newline in it).
func formatLine(line string, width int) formattedLine {
	line = strings.TrimRight(line, " \t")
	if line == "" {
		return formattedLine{blank: true}
	}
	w := wrap(line, width)
	for i, l := range w {
		w[i] = markRTL(l)
	}
	return formattedLine{out: w}
}

// joinLines joins formatted source lines: leading blank lines dropped,
// runs of blank lines kept as one, trailing blank lines dropped, a final
// newline.
func joinLines(fs []formattedLine) string {
	// Two passes over the lines, sizing then writing, so that the part is
	// built in one allocation (it is rendered for every reader).
	each := func(line func(string)) {
		blank, pending := true, false // drop leading blank lines
		for _, f := range fs {
			if f.blank {
				pending = pending || !blank
				blank = true
				continue
			}
			if pending {
				line("") // runs of blank lines as one; trailing ones dropped
				pending = false
			}
			blank = false
			for _, l := range f.out {
				line(l)
			}
		}
	}
	n := 0
	each(func(l string) { n += len(l) + 1 })
	if n == 0 {
		return "\n"
	}
	var b strings.Builder
	b.Grow(n)
	each(func(l string) {
		b.WriteString(l)
		b.WriteByte('\n')
	})
	return b.String()
}

// markRTL prefixes RLM to a line that a client would lay out LTR.
func markRTL(l string) string {
	for _, r := range l {
		if unicode.IsSpace(r) {
			continue
		}
		if r >= '0' && r <= '9' {
			return RLM + l
		}
		switch c := class(r); {
		case c == bidi.L:
			return RLM + l
		case isRTL(c):
			return l
		}
	}
	return l
}

// width counts columns: combining marks (Arabic harakat) and format
// characters take none.
func width(s string) int {
	n := 0
	for _, r := range s {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			continue
		}
		n++
	}
	return n
}

func wrap(line string, max int) []string {
	if width(line) <= max {
		return []string{line}
	}
	rest := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(rest)]
	hang := indent
	for _, bullet := range []string{"• ", "- ", "* ", "· "} {
		if strings.HasPrefix(rest, bullet) {
			hang += strings.Repeat(" ", width(bullet))
			break
		}
	}
	var out []string
	cur, curW, words := indent, width(indent), 0
	for _, w := range strings.Fields(rest) {
		ww := width(w)
		if words > 0 && curW+1+ww > max {
			out = append(out, cur)
			cur, curW, words = hang, width(hang), 0
		}
		if words > 0 {
			cur += " "
			curW++
		}
		cur += w
		curW += ww
		words++
	}
	return append(out, cur)
}
