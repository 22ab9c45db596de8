package main

import (
	"math"
	"sort"

	"github.com/nashra/nashra/internal/arabic"
)

// conceptChoose is a Gillick & Favre style chooser: the value of a summary
// is the summed weight of the distinct token bigrams it covers, a bigram
// weighing the sum of p^alpha over the sentences holding it (so repeated
// content counts once). Sentences are added greedily by gain per word while
// the summary is short of words, with the same overshoot rule as the
// model's greedy chooser.
func conceptChoose(sents []string, lens []int, p []float64, words int, alpha, over float64) []int {
	n := len(sents)
	bgs := make([][]string, n)
	w := map[string]float64{}
	for i, s := range sents {
		toks := arabic.Tokens(s)
		seen := map[string]bool{}
		for j := 0; j+1 < len(toks); j++ {
			g := toks[j] + " " + toks[j+1]
			if !seen[g] {
				seen[g] = true
				bgs[i] = append(bgs[i], g)
			}
		}
		for g := range seen {
			w[g] += math.Pow(p[i], alpha)
		}
	}
	covered := map[string]bool{}
	used := make([]bool, n)
	var idx []int
	total := 0
	for total < words {
		best, bestGain := -1, 0.0
		for i := range n {
			if used[i] || lens[i] == 0 {
				continue
			}
			if total > 0 && float64(total+lens[i]-words) > float64(words-total)*over {
				continue
			}
			var g float64
			for _, b := range bgs[i] {
				if !covered[b] {
					g += w[b]
				}
			}
			g /= float64(lens[i])
			if g > bestGain {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		idx = append(idx, best)
		total += lens[best]
		for _, b := range bgs[best] {
			covered[b] = true
		}
	}
	sort.Ints(idx)
	return idx
}
