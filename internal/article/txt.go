package article

import (
	"html"
	"regexp"
	"strings"
	"time"
)

// Marker lines of the scraped-page text format.
const (
	summaryMarker = "الخلاصة"
	relatedMarker = "مقالات ذات صلة"
)

// chromeLines are page furniture that scrapers leave at the end of an
// article: back-to-top buttons, share and follow prompts. They are dropped
// from the end of the body and of the summary.
var chromeLines = map[string]bool{
	"زر الذهاب إلى الأعلى": true, "الذهاب إلى الأعلى": true, "العودة إلى الأعلى": true,
	"إلى الأعلى": true, "للأعلى": true, "اقرأ أيضا": true, "اقرأ أيضاً": true,
	"إقرأ أيضا": true, "إقرأ أيضاً": true, "شارك": true, "شارك المقال": true,
	"شارك هذا المقال": true, "مشاركة": true, "تابعنا": true, "تابعونا": true,
	"تابعنا على": true, "إغلاق": true, "بحث": true, "الرئيسية": true,
	"أضف تعليقا": true, "أضف تعليقاً": true, "اترك تعليقا": true, "اترك تعليقاً": true,
	"التعليقات": true, "طباعة": true, "فيسبوك": true, "تويتر": true, "واتساب": true,
	"تيليجرام": true, "لينكدإن": true, "Facebook": true, "Twitter": true,
	"WhatsApp": true, "Telegram": true, "Back to top button": true,
}

var (
	bulletRE   = regexp.MustCompile(`^[•\-*·▪◦‣●]\s+`)
	numberedRE = regexp.MustCompile(`^[0-9٠-٩]{1,3}\s*[.)\-–]\s+`)
)

// markerLine strips trailing colons and punctuation so that "الخلاصة:" and
// "مقالات ذات صلة:" are recognised.
func markerLine(l string) string {
	return strings.TrimRight(l, " :：-–—.")
}

type txtBlock struct {
	kind  string // "p", "h", "ul", "ol"
	text  string
	items []string
}

// parseTxt reads the scraped-page format: first line the category, then the
// title, an optional subtitle (a short line without final punctuation that
// is followed by more text), an optional date line, then the body; "الخلاصة" starts the explicit
// summary and "مقالات ذات صلة" the related links, which are dropped with
// everything after them; trailing page chrome is dropped.
func parseTxt(name string, data []byte, o Options) (Article, error) {
	s, err := decodeText(data, "")
	if err != nil {
		return Article{}, &FileError{Path: name, Err: err}
	}
	type numbered struct {
		n    int
		text string
	}
	var lines []numbered
	for i, l := range strings.Split(normalizeNewlines(s), "\n") {
		if looksLikeMarkup.MatchString(l) {
			l = HTMLToText(l) // stray markup in scraped text: keep its text only
		}
		l = SanitizeLine(strings.ReplaceAll(l, "\u00a0", " "))
		if l != "" {
			lines = append(lines, numbered{i + 1, l})
		}
	}
	if len(lines) == 0 {
		return Article{}, &FileError{Path: name, Err: ErrNoContent}
	}
	if len(lines) < 2 {
		return Article{}, &FileError{Path: name, Line: lines[0].n, Field: "title", Err: ErrNoTitle}
	}
	a := Article{Category: lines[0].text, Title: lines[1].text}
	rest := lines[2:]

	var body, summary []string
	inSummary := false
	for _, l := range rest {
		m := markerLine(l.text)
		if m == relatedMarker {
			break
		}
		if m == summaryMarker && !inSummary {
			inSummary = true
			continue
		}
		if inSummary {
			summary = append(summary, l.text)
		} else {
			body = append(body, l.text)
		}
	}
	body = dropChrome(body)
	summary = dropChrome(summary)

	// An optional date line ("2026-11-21T10:00:00+03:00", "2026-11-21
	// 10:00", "الخميس 27 نوفمبر 2026"…) under the title or subtitle is the
	// publication time, not a subtitle.
	for k := 0; k < 2 && k < len(body); k++ {
		if t, ok := txtDate(body[k], o); ok {
			a.Published = t
			body = append(body[:k:k], body[k+1:]...)
			break
		}
	}
	if len(body) > 1 && isSubtitle(body[0]) && !bulletRE.MatchString(body[1]) && !numberedRE.MatchString(body[1]) {
		a.Subtitle = body[0]
		body = body[1:]
	}
	if len(body) == 0 && len(summary) == 0 {
		return Article{}, &FileError{Path: name, Line: lines[1].n, Err: ErrNoContent}
	}
	blocks := txtBlocks(body)
	if len(summary) > 0 {
		a.Summary = strings.Join(summary, " ")
		a.SummaryExplicit = true
		// The summary stays part of the article, as on the page.
		blocks = append(blocks, txtBlock{kind: "h", text: summaryMarker})
		blocks = append(blocks, txtBlocks(summary)...)
	}
	a.BodyHTML, a.BodyText = renderBlocks(blocks)
	a.BodyHTML = SanitizeHTML(a.BodyHTML)
	a.BodyText = SanitizeText(a.BodyText)
	return a, nil
}

// txtDate reads a date line: numeric forms, then o.DateLine's.
func txtDate(line string, o Options) (time.Time, bool) {
	t, err := o.parseDate(line)
	return t, err == nil
}

func dropChrome(ls []string) []string {
	for len(ls) > 0 && chromeLines[markerLine(ls[len(ls)-1])] {
		ls = ls[:len(ls)-1]
	}
	return ls
}

func isSubtitle(l string) bool {
	return wordCount(l) <= 25 && !endsSentence(l) && !bulletRE.MatchString(l)
}

// isHeading: a short line without final punctuation.
func isHeading(l string) bool {
	if wordCount(l) > 12 || endsSentence(l) {
		return false
	}
	switch {
	case strings.HasSuffix(l, "،"), strings.HasSuffix(l, ","), strings.HasSuffix(l, "؛"), strings.HasSuffix(l, ";"):
		return false
	}
	return true
}

// addItem adds item to the list of kind ("ul" or "ol") that ends out, or
// starts one.
func addItem(out []txtBlock, kind, item string) []txtBlock {
	if n := len(out); n > 0 && out[n-1].kind == kind {
		out[n-1].items = append(out[n-1].items, item)
		return out
	}
	return append(out, txtBlock{kind: kind, items: []string{item}})
}

// txtBlocks groups body lines: bullets into lists, short unpunctuated lines
// followed by more text into headings, the rest into paragraphs.
func txtBlocks(ls []string) []txtBlock {
	var out []txtBlock
	for i, l := range ls {
		switch {
		case bulletRE.MatchString(l):
			out = addItem(out, "ul", bulletRE.ReplaceAllString(l, ""))
		case numberedRE.MatchString(l):
			out = addItem(out, "ol", numberedRE.ReplaceAllString(l, ""))
		case i < len(ls)-1 && isHeading(l):
			out = append(out, txtBlock{kind: "h", text: l})
		default:
			out = append(out, txtBlock{kind: "p", text: l})
		}
	}
	return out
}

// renderBlocks makes the HTML and the plain text of the blocks. A heading
// right after another heading, or one ending in a colon, is an h3; other
// headings are h2.
func renderBlocks(blocks []txtBlock) (string, string) {
	var h, t strings.Builder
	var texts []string
	for i, b := range blocks {
		switch b.kind {
		case "p":
			h.WriteString("<p>" + html.EscapeString(b.text) + "</p>\n")
			texts = append(texts, b.text)
		case "h":
			tag := "h2"
			if (i > 0 && blocks[i-1].kind == "h") || strings.HasSuffix(b.text, ":") {
				tag = "h3"
			}
			h.WriteString("<" + tag + ">" + html.EscapeString(b.text) + "</" + tag + ">\n")
			texts = append(texts, b.text)
		case "ul", "ol":
			h.WriteString("<" + b.kind + ">\n")
			var items []string
			for _, it := range b.items {
				h.WriteString("<li>" + html.EscapeString(it) + "</li>\n")
				items = append(items, "• "+it)
			}
			h.WriteString("</" + b.kind + ">\n")
			texts = append(texts, strings.Join(items, "\n"))
		}
	}
	t.WriteString(strings.Join(texts, "\n\n"))
	return h.String(), t.String()
}
