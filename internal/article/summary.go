package article

import (
	"strings"
	"unicode/utf8"

	"github.com/nashra/nashra/internal/arabic"
)

// DefaultSummary is the summary of an article without an explicit one when
// Options.Summarize is nil: the lead of its body (arabic.Summarize) at
// arabic.DefaultSummaryWords words.
func DefaultSummary(title, text string) string {
	return arabic.Summarize(title, text, arabic.DefaultSummaryWords)
}

// endsSentence reports a line ending in sentence-final punctuation (closing
// quotes and brackets aside).
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \"'»”)]")
	r, _ := utf8.DecodeLastRuneInString(s)
	switch r {
	case '.', '!', '?', '؟', '…', '۔':
		return true
	}
	return false
}
