package arabic

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// DefaultSummaryWords is the summary length used when words <= 0.
const DefaultSummaryWords = 60

// Summarize returns the lead of text as a summary of about words words:
// the article's first sentences, whole, in order, joined by spaces, taken
// while each brings the length closer to words. It leaves out the title
// repeated in the body, headings and list items (unless the text has
// nothing else), a dateline before the first sentence ("الرياض - "), and
// opening sentences that lean on an earlier one (DependsOnPrevious). The
// summary never runs past 1.5×words words: a first sentence that long is
// cut at a comma or a word and ends with " …".
//
// On EASC this lead is as good as anything tried, a learned sentence
// scorer included (internal/arabic/README.md).
func Summarize(title, text string, words int) string {
	if words <= 0 {
		words = DefaultSummaryWords
	}
	if first, rest, ok := strings.Cut(strings.TrimLeft(text, "\ufeff \t\r\n"), "\n"); ok && title != "" &&
		strings.Join(Tokens(first), " ") == strings.Join(Tokens(title), " ") {
		text = rest // the title repeated as the body's first line
	}
	units := leadUnits(title, text)
	start := 0
	for start < len(units) && DependsOnPrevious(units[start]) {
		start++
	}
	if start == len(units) {
		start = 0
	}
	limit := words * 3 / 2
	var parts []string
	total := 0
	for i, u := range units[start:] {
		if i == 0 {
			u = stripDateline(u)
		}
		n := len(Tokens(u))
		if total+n > limit {
			if total < words/2 {
				// Far too short without it, far too long with it whole.
				parts = append(parts, cutWords(u, words-total))
			}
			break
		}
		if i > 0 && total+n-words > words-total {
			break
		}
		parts = append(parts, u)
		total += n
		if total >= words {
			break
		}
	}
	for i := 0; i < len(parts)-1; i++ {
		if r, _ := utf8.DecodeLastRuneInString(parts[i]); !isTerminator(r) && !isCloser(r) {
			parts[i] += "." // a sentence without a full stop, joined to the next
		}
	}
	return strings.Join(parts, " ")
}

// leadUnits returns the sentences a lead may quote, in order: neither
// headings, nor the title, nor list items when the text has other
// sentences.
func leadUnits(title, text string) []string {
	titleNorm := strings.Join(Tokens(title), " ")
	var prose, all []string
	for _, line := range logicalLines(strings.TrimPrefix(text, "\uFEFF")) {
		bullet := startsWithBullet(line)
		for j, part := range splitBullets(line) {
			sents := splitLine(part, nil)
			for _, s := range sents {
				toks := Tokens(s)
				if len(toks) == 0 || titleNorm != "" && strings.Join(toks, " ") == titleNorm {
					continue
				}
				if len(sents) == 1 && isHeading(s, len(strings.Fields(s))) {
					continue
				}
				all = append(all, s)
				if !bullet && j == 0 {
					prose = append(prose, s)
				}
			}
		}
	}
	if len(prose) > 0 {
		return prose
	}
	return all
}

// isHeading reports a short line without final punctuation: a title,
// subtitle or section heading of a scraped page, not a sentence to quote.
func isHeading(s string, words int) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return words < 12 && !isTerminator(r) && !isCloser(r)
}

// datelines match a place (and agency) before a dash at the start of a
// news story: "الرياض - ", "القاهرة (رويترز) – ", "عمان - الرأي - ",
// "الدوحة - (اف ب) - ".
var (
	datelineAgency = regexp.MustCompile(`^[^\s.!?؟؛:\-–—()]+(?:\s+[^\s.!?؟؛:\-–—()]+){0,2}\s+[-–—]\s+(?:\([^()]{1,30}\)|[^\s.!?؟؛:\-–—()]+)\s+[-–—]\s+`)
	datelinePlace  = regexp.MustCompile(`^[^\s.!?؟؛:\-–—()]+(?:[\s،,]+[^\s.!?؟؛:\-–—()]+){0,3}\s*(?:\([^()]{1,30}\))?\s+[-–—]\s+`)
	dashNear       = regexp.MustCompile(`^(?:\S+\s+){0,4}[-–—]\s`)
)

// stripDateline drops a dateline from the start of s; a dash that a second
// one closes a few words later is an aside, not a dateline.
func stripDateline(s string) string {
	if loc := datelineAgency.FindStringIndex(s); loc != nil && loc[1] < len(s) {
		return s[loc[1]:]
	}
	if loc := datelinePlace.FindStringIndex(s); loc != nil && loc[1] < len(s) && !dashNear.MatchString(s[loc[1]:]) {
		return s[loc[1]:]
	}
	return s
}

// cutWords shortens s to about words words (as Tokens counts them), at
// the last comma in the second half when there is one, and marks the cut
// with " …".
func cutWords(s string, words int) string {
	f := strings.Fields(s)
	end, n := 0, 0
	for end < len(f) && n+len(Tokens(f[end])) <= words {
		n += len(Tokens(f[end]))
		end++
	}
	for i := end - 1; i >= end/2 && i > 0; i-- {
		if strings.HasSuffix(f[i], "،") || strings.HasSuffix(f[i], ",") || strings.HasSuffix(f[i], "؛") {
			end = i + 1
			break
		}
	}
	return strings.TrimRight(strings.Join(f[:max(end, 1)], " "), " ،,؛") + " …"
}

// DependsOnPrevious reports whether sentence s leans on an earlier one and
// so cannot open a summary: a reported-speech continuation («وأضاف»,
// «وتابع»), a demonstrative pointing back («هذا», «ذلك»), a contrast or
// consequence («لكن», «لذلك», «غير أن»), or the other side of an exchange
// («من جهته», «في المقابل»).
func DependsOnPrevious(s string) bool {
	toks := Tokens(s)
	if len(toks) == 0 {
		return false
	}
	if dependentFirst[toks[0]] {
		return true
	}
	return len(toks) > 1 && dependentPairs[toks[0]+" "+toks[1]]
}

// dependentFirst and dependentPairs are the openings of DependsOnPrevious,
// in normalised form (Normalize).
var dependentFirst = set(
	"اضاف", "واضاف", "اضافت", "واضافت", "تابع", "وتابع", "تابعت", "وتابعت",
	"اردف", "واردف", "اردفت", "واردفت", "استطرد", "واستطرد", "استدرك", "واستدرك",
	"وختم", "وختمت", "ومضي", "ومضت",
	"هذا", "وهذا", "هذه", "وهذه", "ذلك", "وذلك", "تلك", "وتلك", "هؤلاء", "وهؤلاء",
	"لكن", "ولكن", "لكنه", "ولكنه", "لكنها", "ولكنها", "لذلك", "ولذلك", "لذا", "ولذا",
	"وعليه", "كما", "وكما", "ايضا", "بدوره", "وبدوره", "بدورها", "وبدورها",
	"وهو", "وهي", "هو", "هي", "ثم", "الا", "بالمقابل", "وبالمقابل",
)

var dependentPairs = set(
	"من جهته", "ومن جهته", "من جهتها", "ومن جهتها", "من جانبه", "ومن جانبه",
	"من جانبها", "ومن جانبها", "في المقابل", "وفي المقابل", "غير ان", "بيد ان",
	"الي ذلك", "والي ذلك", "علاوه علي", "اضافه الي", "وبالاضافه الي", "بالاضافه الي",
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
