package arabic

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// SummaryOptions weighs the evidence the extractive summariser combines.
// DefaultSummaryOptions holds the values tuned on the odd-numbered EASC
// topics (see README.md); the zero value is not useful.
type SummaryOptions struct {
	// Position: weight of 1/(1+index)^PositionDecay (index of the sentence).
	Position, PositionDecay float64
	// Centrality: cosine of the sentence with the article's stem centroid.
	Centrality float64
	// Lead: similarity to the opening sentence (the lede states the story).
	Lead float64
	// Title: share of the title's stems the sentence contains.
	Title float64
	// ShortPenalty is subtracted from sentences under MinWords words
	// (headings, captions, datelines).
	ShortPenalty float64
	MinWords     int
	// LengthBias chooses, when the last sentence would overshoot the
	// length, between leaving it out (0) and taking it whenever it at
	// least half fills the gap (1); 0.5 takes it when it fills more than
	// it overshoots.
	LengthBias float64
	// Redundancy: a sentence whose stem overlap with a chosen one exceeds
	// this is skipped.
	Redundancy float64
}

// DefaultSummaryOptions are the weights Summarize uses, found by
// `go run ./bench/easc -tune` on the odd-numbered EASC topics only. The
// title weight cannot be tuned there (EASC has no titles) and was set by
// hand.
var DefaultSummaryOptions = SummaryOptions{
	Position: 0.92, PositionDecay: 0.63, Centrality: 0.13, Lead: 1.04, Title: 0.5,
	ShortPenalty: 0.24, MinWords: 3, LengthBias: 1, Redundancy: 0.45,
}

// DefaultSummaryWords is the summary length used when words <= 0.
const DefaultSummaryWords = 60

// Summarize returns an extractive summary of text of about words words:
// whole sentences of the original text, in the article's order, joined by
// spaces. Sentences repeating the title are never chosen.
func Summarize(title, text string, words int) string {
	return SummarizeWith(title, text, words, DefaultSummaryOptions)
}

// SummarizeWith is Summarize with explicit weights.
func SummarizeWith(title, text string, words int, o SummaryOptions) string {
	if first, rest, ok := strings.Cut(strings.TrimLeft(text, "\ufeff \t\r\n"), "\n"); ok && title != "" &&
		strings.Join(Tokens(first), " ") == strings.Join(Tokens(title), " ") {
		text = rest // the title repeated as the body's first line
	}
	sents := Sentences(text)
	idx := SelectSentences(title, sents, words, o)
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

// SelectSentences returns the indexes, in increasing order, of the sentences
// an extractive summary of about words words keeps.
func SelectSentences(title string, sents []string, words int, o SummaryOptions) []int {
	if words <= 0 {
		words = DefaultSummaryWords
	}
	if len(sents) == 0 {
		return nil
	}
	titleStems := stemSet(Stems(title))
	titleNorm := strings.Join(Tokens(title), " ")
	info := make([]sentInfo, len(sents))
	df := map[string]int{}
	for i, s := range sents {
		info[i].words = len(strings.Fields(s))
		info[i].stems = map[string]float64{}
		for _, st := range Stems(s) {
			info[i].stems[st]++
		}
		for st := range info[i].stems {
			df[st]++
		}
	}
	// Centroid of the article: stem weights tf·isf over sentences.
	n := float64(len(sents))
	centroid := map[string]float64{}
	for i := range info {
		for st, tf := range info[i].stems {
			w := (1 + math.Log(tf)) * math.Log(1+n/float64(df[st]))
			info[i].stems[st] = w
			info[i].norm += w * w
			centroid[st] += w
		}
		info[i].norm = math.Sqrt(info[i].norm)
	}
	var cnorm float64
	for _, w := range centroid {
		cnorm += w * w
	}
	cnorm = math.Sqrt(cnorm)

	type cand struct {
		i     int
		score float64
	}
	var cands []cand
	first := -1
	for i := range info {
		if titleNorm != "" && strings.Join(Tokens(sents[i]), " ") == titleNorm {
			continue // the title repeated in the body
		}
		if len(info[i].stems) == 0 || isHeading(sents[i], info[i].words) {
			continue
		}
		if first < 0 {
			first = i
		}
		sc := o.Position / math.Pow(1+float64(i), o.PositionDecay)
		sc += o.Centrality * cosineMap(info[i].stems, info[i].norm, centroid, cnorm)
		if first >= 0 && first != i {
			sc += o.Lead * cosineMap(info[i].stems, info[i].norm, info[first].stems, info[first].norm)
		} else if first == i {
			sc += o.Lead
		}
		if len(titleStems) > 0 {
			hit := 0
			for st := range titleStems {
				if _, ok := info[i].stems[st]; ok {
					hit++
				}
			}
			sc += o.Title * float64(hit) / float64(len(titleStems))
		}
		if info[i].words < o.MinWords {
			sc -= o.ShortPenalty
		}
		cands = append(cands, cand{i, sc})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })

	var chosen []int
	total := 0
	for _, c := range cands {
		if total >= words {
			break
		}
		w := info[c.i].words
		if total > 0 && float64(total+w-words)*(1-o.LengthBias) > float64(words-total)*o.LengthBias {
			continue // overshoots more than it fills: try a shorter one
		}
		redundant := false
		for _, k := range chosen {
			if overlap(info[c.i].stems, info[k].stems) > o.Redundancy {
				redundant = true
				break
			}
		}
		if redundant {
			continue
		}
		chosen = append(chosen, c.i)
		total += w
	}
	sort.Ints(chosen)
	return chosen
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

// overlap is the share of the smaller stem set found in the other.
func overlap(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) == 0 {
		return 0
	}
	hit := 0
	for k := range a {
		if _, ok := b[k]; ok {
			hit++
		}
	}
	return float64(hit) / float64(len(a))
}
