package arabic

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// SummaryModel scores sentences with a logistic regression over the
// features of SentenceFeatures (the probability that a human summariser
// keeps the sentence) and chooses the sentences whose expected ROUGE F
// against a summary of the asked length is highest.
type SummaryModel struct {
	// Weights has one weight per entry of SummaryFeatureNames.
	Weights []float64
	// Background is the share of a sentence's words expected to match a
	// reference even when the reference does not contain the sentence
	// (common words): it decides how much over- or undershooting the
	// length costs.
	Background float64
	// MaxOvershoot bounds the summary length, as a multiple of the asked
	// length (whole sentences may overshoot it).
	MaxOvershoot float64
	// Greedy takes sentences by decreasing probability while they fit
	// instead of the knapsack; a sentence that would overshoot is taken
	// only when it overshoots by at most MaxOvershoot times the gap it
	// fills (1: when it fills more than it overshoots).
	Greedy bool
}

// SummaryFeatureNames names the sentence features, in order.
var SummaryFeatureNames = []string{
	"bias", "first", "inv_pos", "rel_pos", "para_first", "inv_para", "rel_para",
	"log_words", "short", "centrality", "sim_first", "title", "digits", "quote",
	"question", "rel_words_before", "rel_in_para", "log_sents",
	"cue_start", "bigram_concepts", "doc_tf", "stop_share", "rel_len",
}

// continuation cues: a sentence opening with one of these leans on the
// one before it.
var cueStarts = map[string]bool{
	"كما": true, "لكن": true, "ولكن": true, "الا": true, "ثم": true, "حيث": true,
	"وذلك": true, "اما": true, "بينما": true, "لذلك": true, "لذا": true, "وهو": true,
	"وهي": true, "هو": true, "هي": true, "فقد": true, "وقد": true, "ومن": true,
	"وفي": true, "كذلك": true, "ايضا": true, "بالرغم": true, "رغم": true,
}

// DefaultSummaryModel is the model Summarize uses; its weights are learned
// on the odd-numbered EASC topics by `go run ./bench/easc -train` (see
// summary_weights.go). EASC has no titles, so the title weight is set by
// hand there.
var DefaultSummaryModel = SummaryModel{Weights: withTitleWeight(summaryWeights[:]), Background: summaryBackground, MaxOvershoot: summaryOvershoot, Greedy: summaryGreedy}

// titleWeight is the hand-set weight of the title-overlap feature (EASC
// has no titles to learn it from): a sentence holding the whole title gets
// the logit of a first sentence's lead over an average one.
const titleWeight = 1.0

func withTitleWeight(w []float64) []float64 {
	out := make([]float64, len(SummaryFeatureNames))
	copy(out, w)
	out[11] = titleWeight
	return out
}

// SentenceFeatures returns the feature vector (see SummaryFeatureNames) of
// every sentence; paras holds each sentence's paragraph number (as from
// SentenceParagraphs) and may be nil.
func SentenceFeatures(title string, sents []string, paras []int) [][]float64 {
	n := len(sents)
	if paras == nil || len(paras) != n {
		paras = make([]int, n)
		for i := range paras {
			paras[i] = i
		}
	}
	info := make([]sentInfo, n)
	df := map[string]int{}
	total := 0
	for i, s := range sents {
		info[i].words = len(strings.Fields(s))
		total += info[i].words
		info[i].stems = map[string]float64{}
		for _, st := range Stems(s) {
			info[i].stems[st]++
		}
		for st := range info[i].stems {
			df[st]++
		}
	}
	centroid := map[string]float64{}
	for i := range info {
		for st, tf := range info[i].stems {
			w := (1 + math.Log(tf)) * math.Log(1+float64(n)/float64(df[st]))
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
	// Concepts (Gillick & Favre): stem bigrams weighted by the number of
	// sentences holding them; stems weighted by their document frequency.
	bigramSents := map[string]int{}
	sentBigrams := make([]map[string]bool, n)
	docTF := map[string]float64{}
	stopShare := make([]float64, n)
	for i, s := range sents {
		toks := Tokens(s)
		sentBigrams[i] = map[string]bool{}
		prev := ""
		stops := 0
		for _, t := range toks {
			st, ok := stemToken(t)
			if !ok {
				stops++
				continue
			}
			docTF[st]++
			if prev != "" {
				sentBigrams[i][prev+" "+st] = true
			}
			prev = st
		}
		for g := range sentBigrams[i] {
			bigramSents[g]++
		}
		if len(toks) > 0 {
			stopShare[i] = float64(stops) / float64(len(toks))
		}
	}
	meanWords := float64(total) / float64(max(1, n))
	titleStems := stemSet(Stems(title))
	nPara := paras[n-1] + 1
	paraLen := map[int]int{}
	for _, p := range paras {
		paraLen[p]++
	}
	out := make([][]float64, n)
	before, inPara := 0, 0
	for i, s := range sents {
		if i > 0 && paras[i] != paras[i-1] {
			inPara = 0
		}
		f := make([]float64, len(SummaryFeatureNames))
		f[0] = 1
		f[1] = b2f(i == 0)
		f[2] = 1 / float64(1+i)
		f[3] = float64(i) / float64(max(1, n-1))
		f[4] = b2f(inPara == 0)
		f[5] = 1 / float64(1+paras[i])
		f[6] = float64(paras[i]) / float64(max(1, nPara-1))
		f[7] = math.Log(1 + float64(info[i].words))
		f[8] = b2f(info[i].words < 6)
		f[9] = cosineMap(info[i].stems, info[i].norm, centroid, cnorm)
		if i == 0 {
			f[10] = 1
		} else {
			f[10] = cosineMap(info[i].stems, info[i].norm, info[0].stems, info[0].norm)
		}
		if len(titleStems) > 0 {
			hit := 0
			for st := range titleStems {
				if _, ok := info[i].stems[st]; ok {
					hit++
				}
			}
			f[11] = float64(hit) / float64(len(titleStems))
		}
		f[12] = b2f(strings.IndexFunc(s, unicode.IsDigit) >= 0)
		f[13] = b2f(strings.ContainsAny(s, "«»\"“”:"))
		f[14] = b2f(strings.ContainsAny(s, "?؟!"))
		f[15] = float64(before) / float64(max(1, total))
		f[16] = float64(inPara) / float64(max(1, paraLen[paras[i]]-1))
		f[17] = math.Log(float64(n))
		if fs := strings.Fields(s); len(fs) > 0 {
			f[18] = b2f(cueStarts[Normalize(strings.Trim(fs[0], "،,.:؛"))])
		}
		for g := range sentBigrams[i] {
			f[19] += float64(bigramSents[g] - 1)
		}
		f[19] = math.Log(1 + f[19])
		var dtf float64
		for st := range info[i].stems {
			dtf += docTF[st] - 1
		}
		f[20] = dtf / float64(max(1, len(info[i].stems)))
		f[21] = stopShare[i]
		f[22] = float64(info[i].words) / max(1, meanWords)
		out[i] = f
		before += info[i].words
		inPara++
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Probabilities returns, for every sentence, the model's probability that a
// human summary keeps it.
func (m SummaryModel) Probabilities(feats [][]float64) []float64 {
	p := make([]float64, len(feats))
	for i, f := range feats {
		var z float64
		for j, x := range f {
			if j < len(m.Weights) {
				z += m.Weights[j] * x
			}
		}
		p[i] = 1 / (1 + math.Exp(-z))
	}
	return p
}

// Choose returns, in increasing order, the indexes of the sentences that
// maximise the expected ROUGE F against a reference of words words:
// Σ len·(b + (1-b)·p) / (Σ len + words) over the chosen sentences, where p
// is each sentence's probability and b the background match rate. Sentences
// with skip set are never chosen. It is an exact 0/1 knapsack over the
// summary length.
func (m SummaryModel) Choose(lens []int, p []float64, skip []bool, words int) []int {
	if m.Greedy {
		return m.greedy(lens, p, skip, words)
	}
	maxT := int(math.Ceil(float64(words) * max(1, m.MaxOvershoot)))
	const none = -1.0
	n := len(lens)
	// best[t] = highest value of a subset of the sentences seen so far with
	// exactly t words; take[i][t] records whether sentence i is in it.
	best := make([]float64, maxT+1)
	for t := 1; t <= maxT; t++ {
		best[t] = none
	}
	take := make([][]bool, n)
	for i := 0; i < n; i++ {
		take[i] = make([]bool, maxT+1)
		l := lens[i]
		if (skip != nil && skip[i]) || l <= 0 || l > maxT {
			continue
		}
		v := float64(l) * (m.Background + (1-m.Background)*p[i])
		for t := maxT; t >= l; t-- {
			if best[t-l] != none && best[t-l]+v > best[t] {
				best[t] = best[t-l] + v
				take[i][t] = true
			}
		}
	}
	bt, bf := 0, 0.0
	for t := 1; t <= maxT; t++ {
		if best[t] == none {
			continue
		}
		if f := best[t] / float64(t+words); f > bf {
			bt, bf = t, f
		}
	}
	var idx []int
	for i, t := n-1, bt; i >= 0 && t > 0; i-- {
		if take[i][t] {
			idx = append(idx, i)
			t -= lens[i]
		}
	}
	for a, b := 0, len(idx)-1; a < b; a, b = a+1, b-1 {
		idx[a], idx[b] = idx[b], idx[a]
	}
	return idx
}

// Select returns, in increasing order, the indexes of the sentences an
// extractive summary of about words words keeps: never the title repeated
// in the body, never a heading.
func (m SummaryModel) Select(title string, sents []string, paras []int, words int) []int {
	if words <= 0 {
		words = DefaultSummaryWords
	}
	if len(sents) == 0 {
		return nil
	}
	titleNorm := strings.Join(Tokens(title), " ")
	lens := make([]int, len(sents))
	skip := make([]bool, len(sents))
	for i, s := range sents {
		toks := Tokens(s)
		lens[i] = len(toks)
		skip[i] = len(toks) == 0 || isHeading(s, len(strings.Fields(s))) ||
			titleNorm != "" && strings.Join(toks, " ") == titleNorm
	}
	return m.Choose(lens, m.Probabilities(SentenceFeatures(title, sents, paras)), skip, words)
}

func (m SummaryModel) greedy(lens []int, p []float64, skip []bool, words int) []int {
	order := make([]int, 0, len(lens))
	for i := range lens {
		if (skip == nil || !skip[i]) && lens[i] > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	var idx []int
	total := 0
	for _, i := range order {
		if total >= words {
			break
		}
		if total > 0 && float64(total+lens[i]-words) > float64(words-total)*m.MaxOvershoot {
			continue
		}
		idx = append(idx, i)
		total += lens[i]
	}
	sort.Ints(idx)
	return idx
}
