package main

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/nashra/nashra/internal/arabic"
)

// tuneSummary searches the summary weights at random around the defaults,
// scoring ROUGE-1 + ROUGE-2 F on the odd (tuning) topics only, and prints
// every improvement. The even topics are never looked at.
func tuneSummary(odd []*article, out io.Writer) error {
	sents := make([][]string, len(odd))
	for i, a := range odd {
		sents[i] = arabic.Sentences(a.text)
	}
	eval := func(o arabic.SummaryOptions) (float64, float64) {
		return rougeSet(odd, func(a *article) []string {
			for i := range odd {
				if odd[i] == a {
					return pick(a, arabic.SelectSentences("", sents[i], a.words, o))
				}
			}
			return nil
		})
	}
	best := arabic.DefaultSummaryOptions
	b1, b2 := eval(best)
	fmt.Fprintf(out, "start %.4f / %.4f %+v\n", b1, b2, best)
	r := rand.New(rand.NewPCG(1, 2))
	jit := func(x, scale float64) float64 { return max(0, x+(r.Float64()*2-1)*scale) }
	for it := 0; it < 300; it++ {
		o := best
		o.Position = jit(o.Position, 0.5)
		o.PositionDecay = jit(o.PositionDecay, 0.4)
		o.Centrality = jit(o.Centrality, 0.4)
		o.Lead = jit(o.Lead, 0.3)
		o.ShortPenalty = jit(o.ShortPenalty, 0.3)
		o.Redundancy = min(1, jit(o.Redundancy, 0.2))
		o.LengthBias = jit(o.LengthBias, 0.3)
		if r.IntN(3) == 0 {
			o.MinWords = max(1, o.MinWords+r.IntN(5)-2)
		}
		a1, a2 := eval(o)
		if a1+a2 > b1+b2 {
			best, b1, b2 = o, a1, a2
			fmt.Fprintf(out, "it %d: %.4f / %.4f %+v\n", it, b1, b2, best)
		}
	}
	return nil
}
