package arabic

import (
	"strings"
	"unicode/utf8"
)

//go:generate go run ../../bench/easc -train -out summary_weights.go

// DefaultSummaryWords is the summary length used when words <= 0.
const DefaultSummaryWords = 60

// Summarize returns an extractive summary of text of about words words:
// whole sentences of the original text, in the article's order, joined by
// spaces, chosen by DefaultSummaryModel. Sentences repeating the title and
// headings are never chosen.
func Summarize(title, text string, words int) string {
	return SummarizeWith(title, text, words, DefaultSummaryModel)
}

// SummarizeWith is Summarize with an explicit model.
func SummarizeWith(title, text string, words int, m SummaryModel) string {
	if first, rest, ok := strings.Cut(strings.TrimLeft(text, "\ufeff \t\r\n"), "\n"); ok && title != "" &&
		strings.Join(Tokens(first), " ") == strings.Join(Tokens(title), " ") {
		text = rest // the title repeated as the body's first line
	}
	sents, paras := SentenceParagraphs(text)
	idx := m.Select(title, sents, paras, words)
	parts := make([]string, len(idx))
	for i, k := range idx {
		parts[i] = sents[k]
		if r, _ := utf8.DecodeLastRuneInString(parts[i]); !isTerminator(r) && !isCloser(r) && i < len(idx)-1 {
			parts[i] += "." // a bullet without a full stop, joined to the next
		}
	}
	return strings.Join(parts, " ")
}

type sentInfo struct {
	words int
	stems map[string]float64
	norm  float64
}

// isHeading reports a short line without final punctuation: a title,
// subtitle or section heading of a scraped page, not a sentence to quote.
func isHeading(s string, words int) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return words < 12 && !isTerminator(r) && !isCloser(r)
}

func stemSet(stems []string) map[string]bool {
	m := make(map[string]bool, len(stems))
	for _, s := range stems {
		m[s] = true
	}
	return m
}

func cosineMap(a map[string]float64, an float64, b map[string]float64, bn float64) float64 {
	if an == 0 || bn == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot float64
	for k, v := range a {
		dot += v * b[k]
	}
	return dot / (an * bn)
}
