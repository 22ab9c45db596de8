package arabic

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences splits text into sentences of the original text, trimmed, with
// bullet markers removed. It splits after . ! ? ؟ ؛ … (a run of them counts
// once, and closing quotes or brackets stay with the sentence), at line
// breaks and at bullets (• ▪ ◦ ‣ ·, and - * – at the start of a line). It
// does not split a decimal or grouped number (5.25%, 1.000), after a Latin
// initial or abbreviation (J. K. Rowling, U.S., Dr.), after a one-letter
// Arabic abbreviation (د. أ.د. م.) unless it follows a year, or inside a
// quotation (« », “ ”, "…") that closes within the paragraph.
func Sentences(text string) []string {
	out, _ := SentenceParagraphs(text)
	return out
}

// SentenceParagraphs is Sentences that also returns, for each sentence, the
// number of the paragraph (logical line or bullet) it belongs to, from 0.
func SentenceParagraphs(text string) (sents []string, paras []int) {
	text = strings.TrimPrefix(text, "\uFEFF")
	p := 0
	for _, line := range logicalLines(text) {
		for _, part := range splitBullets(line) {
			n := len(sents)
			sents = splitLine(part, sents)
			if len(sents) > n {
				for range len(sents) - n {
					paras = append(paras, p)
				}
				p++
			}
		}
	}
	return sents, paras
}

// logicalLines splits text into lines, but joins a hard-wrapped line to the
// next: a line of four words or more that has no final punctuation and is
// followed, without a blank line, by a line that is not a bullet (as in
// EASC's plain texts). Headings stand before a blank line in scraped pages
// and so stay on their own.
func logicalLines(text string) []string {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n").Replace(text)
	raw := strings.Split(text, "\n")
	var out []string
	join := false
	for i, l := range raw {
		l = strings.TrimSpace(l)
		if l == "" {
			join = false
			continue
		}
		if join && !startsWithBullet(l) {
			out[len(out)-1] += " " + l
		} else {
			out = append(out, l)
		}
		last, _ := utf8.DecodeLastRuneInString(l)
		cur := out[len(out)-1]
		join = i+1 < len(raw) && !isTerminator(last) && !isCloser(last) && last != ':' &&
			len(strings.Fields(cur)) >= 4 && !startsWithBullet(cur)
	}
	return out
}

func startsWithBullet(l string) bool {
	r, _ := utf8.DecodeRuneInString(l)
	return isBullet(r) || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") || strings.HasPrefix(l, "– ")
}

// splitBullets cuts a line at bullet characters and drops a list marker at
// its start.
func splitBullets(line string) []string {
	var parts []string
	start := 0
	for i, r := range line {
		if isBullet(r) {
			parts = append(parts, line[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	parts = append(parts, line[start:])
	for i, p := range parts {
		p = strings.TrimSpace(p)
		// A dash or star list marker at the start of the line.
		for _, m := range []string{"- ", "* ", "– ", "— "} {
			if rest, ok := strings.CutPrefix(p, m); ok {
				p = strings.TrimSpace(rest)
				break
			}
		}
		parts[i] = p
	}
	return parts
}

func isBullet(r rune) bool {
	switch r {
	case '•', '▪', '◦', '‣', '·', '●', '■', '□', '○', '◆', '►', '❖', '⁃':
		return true
	}
	return false
}

func isTerminator(r rune) bool {
	switch r {
	case '.', '!', '?', '؟', '؛', '…', '۔', '\uFF01', '\uFF1F':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '»', '”', '’', ')', ']', '}', '›', '﴾', '﴿':
		return true
	}
	return false
}

// splitLine appends the sentences of one line (no line breaks) to out.
func splitLine(line string, out []string) []string {
	line = strings.TrimSpace(line)
	if line == "" {
		return out
	}
	rs := []rune(line)
	closes := quoteCloses(rs)
	start := 0
	inQuote := 0 // index of the rune that closes the open quotation, or 0
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if inQuote > 0 {
			if i == inQuote {
				inQuote = 0
			}
			continue
		}
		if c, ok := closes[i]; ok {
			inQuote = c
			continue
		}
		if !isTerminator(r) {
			continue
		}
		j := i + 1
		for j < len(rs) && (isTerminator(rs[j]) || isCloser(rs[j])) {
			j++
		}
		if r == '.' && j == i+1 && !periodEnds(rs, i) {
			continue
		}
		if j < len(rs) && !unicode.IsSpace(rs[j]) && r == '.' && !gluedArabic(rs, i, j) {
			// "5.25", "www.example.com", "U.S": no space after the dot.
			continue
		}
		out = addSentence(out, string(rs[start:j]))
		start = j
		i = j - 1
	}
	return addSentence(out, string(rs[start:]))
}

// addSentence appends s, trimmed, to out; punctuation without any word is
// joined to the previous sentence instead.
func addSentence(out []string, s string) []string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return out
	case hasWord(s) || len(out) == 0:
		return append(out, s)
	default:
		out[len(out)-1] += " " + s
		return out
	}
}

// quoteCloses maps the index of each opening quotation mark to the index of
// the mark that closes it, for quotations that close on the same line within
// 600 characters.
func quoteCloses(rs []rune) map[int]int {
	m := map[int]int{}
	for i := 0; i < len(rs); i++ {
		var closer rune
		switch rs[i] {
		case '«':
			closer = '»'
		case '“':
			closer = '”'
		case '"':
			closer = '"'
		default:
			continue
		}
		for j := i + 1; j < len(rs) && j-i <= 600; j++ {
			if rs[j] == closer {
				m[i] = j
				i = j
				break
			}
		}
	}
	return m
}

// periodEnds decides whether the '.' at rs[i] ends a sentence.
func periodEnds(rs []rune, i int) bool {
	// Word before the dot.
	k := i
	for k > 0 && isWordRune(rs[k-1]) {
		k--
	}
	word := string(rs[k:i])
	if word == "" {
		return true
	}
	wr := []rune(strings.ReplaceAll(word, "\u0640", ""))
	if len(wr) == 0 {
		return true // only tatweel before the dot
	}
	if isLatinLetter(wr[0]) {
		if len(wr) == 1 {
			return false // an initial: "J. K. Rowling", "U.S."
		}
		if latinAbbrev[strings.ToLower(word)] {
			return false
		}
		return true
	}
	if len(wr) == 1 && wr[0] >= 0x0600 && wr[0] <= 0x06FF {
		// One Arabic letter: د. (doctor), أ. (professor), م. (engineer) —
		// but "1770 م." or "1445 هـ." after a year ends the sentence.
		p := k - 1
		for p >= 1 && rs[p] == '.' && isWordRune(rs[p-1]) && (p < 2 || !isWordRune(rs[p-2])) {
			p -= 2 // a chain of one-letter abbreviations: ق.م.
		}
		for p >= 0 && rs[p] == ' ' {
			p--
		}
		if p >= 0 && (unicode.IsDigit(rs[p])) {
			return true
		}
		return i+1 >= len(rs)
	}
	return true
}

func isLatinLetter(r rune) bool { return r < 0x250 && unicode.IsLetter(r) }

var latinAbbrev = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true,
	"sr": true, "vs": true, "etc": true, "inc": true, "ltd": true, "co": true, "no": true,
	"eg": true, "ie": true, "gen": true, "col": true, "lt": true, "sgt": true, "capt": true,
	"gov": true, "sen": true, "rep": true, "jan": true, "feb": true, "mar": true, "apr": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "fig": true,
}

// hasWord reports whether s contains a letter or digit.
func hasWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// gluedArabic reports a sentence end typed without a space between two
// Arabic words ("التاسعة.فجاءت"), as opposed to an abbreviation (ق.م).
func gluedArabic(rs []rune, dot, next int) bool {
	if !isArabicLetter(rs[next]) || dot < 2 {
		return false
	}
	return isArabicLetter(rs[dot-1]) && isArabicLetter(rs[dot-2])
}

func isArabicLetter(r rune) bool { return r >= 0x0620 && r <= 0x064A || r >= 0x066E && r <= 0x06D3 }
