package article

import (
	"strings"
	"unicode/utf8"
)

// LeadWords is the length LeadSummary aims at, in words.
const LeadWords = 60

// LeadSummary is the default summary of an article without an explicit one:
// its lead sentences, whole, up to about LeadWords words. Headings and list
// items are skipped when the text has ordinary paragraphs. The first sentence
// is always taken; if it alone runs past 1.5×LeadWords it is cut at LeadWords
// words and "…" is added. The title is not used.
func LeadSummary(_ string, text string) string {
	var out []string
	words := 0
	for _, s := range Sentences(leadText(text)) {
		n := wordCount(s)
		if len(out) == 0 {
			if n > LeadWords*3/2 {
				return strings.Join(strings.Fields(s)[:LeadWords], " ") + " …"
			}
		} else if words+n > LeadWords {
			break
		}
		out = append(out, s)
		words += n
	}
	return strings.Join(out, " ")
}

// leadText keeps the paragraphs of a body text (blocks separated by blank
// lines), leaving out bullets and short lines without final punctuation
// (headings); when nothing is left it keeps everything.
func leadText(text string) string {
	var paras, all []string
	for _, block := range strings.Split(SanitizeText(text), "\n\n") {
		for _, line := range strings.Split(block, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			all = append(all, strings.TrimPrefix(line, "• "))
			if strings.HasPrefix(line, "• ") || isHeadingLike(line) {
				continue
			}
			paras = append(paras, line)
		}
	}
	if len(paras) == 0 {
		paras = all
	}
	return strings.Join(paras, "\n")
}

// isHeadingLike: short and without sentence-final punctuation.
func isHeadingLike(line string) bool {
	return wordCount(line) <= 12 && !endsSentence(line)
}

func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \"'»”)]")
	r, _ := utf8.DecodeLastRuneInString(s)
	switch r {
	case '.', '!', '?', '؟', '…', '۔':
		return true
	}
	return false
}

// Sentences splits text into sentences at . ! ? ؟ … ۔ followed by white
// space (or the end), and at line ends. A full stop between digits (3.5) or
// after a single Latin letter (U.S.) does not end a sentence.
func Sentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		rs := []rune(line)
		start := 0
		for i := 0; i < len(rs); i++ {
			switch rs[i] {
			case '.', '!', '?', '؟', '…', '۔':
			default:
				continue
			}
			j := i + 1
			for j < len(rs) && strings.ContainsRune(".!?؟…\"'»”)", rs[j]) {
				j++
			}
			if j < len(rs) && rs[j] != ' ' && rs[j] != '\t' && rs[j] != '\u00a0' {
				continue
			}
			if rs[i] == '.' && i >= 1 && isASCIILetter(rs[i-1]) && (i < 2 || !isASCIILetter(rs[i-2])) {
				continue
			}
			if s := strings.TrimSpace(string(rs[start:j])); s != "" {
				out = append(out, s)
			}
			start = j
			i = j - 1
		}
		if s := strings.TrimSpace(string(rs[start:])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isASCIILetter(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }
