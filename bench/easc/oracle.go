package main

import (
	"fmt"
	"io"

	"github.com/nashra/nashra/internal/arabic"
)

// oracle prints upper bounds for sentence extraction: the model's chooser
// fed with the true labels (the share of each sentence's bigrams in the
// references) instead of predicted probabilities.
func oracle(out io.Writer, odd, even []*article) {
	names := []string{"odd", "even *"}
	for hi, half := range [][]*article{odd, even} {
		ss := samples(half)
		for _, over := range []float64{0.5, 1} {
			m := arabic.SummaryModel{Greedy: true, MaxOvershoot: over}
			var r1, r2, ratio float64
			for _, s := range ss {
				idx := m.Choose(s.lens, s.labels, nil, s.a.words)
				var toks []string
				for _, i := range idx {
					toks = append(toks, arabic.Tokens(s.sents[i])...)
				}
				ratio += float64(len(toks)) / float64(s.a.words)
				var f1, f2 float64
				for _, ref := range s.a.refs {
					f1 += rougeF(toks, ref, 1)
					f2 += rougeF(toks, ref, 2)
				}
				r1 += f1 / float64(len(s.a.refs))
				r2 += f2 / float64(len(s.a.refs))
			}
			n := float64(len(ss))
			fmt.Fprintf(out, "%-6s true labels, greedy, overshoot %.1f: R1 / R2 %.3f / %.3f ×%.2f\n", names[hi], over, r1/n, r2/n, ratio/n)
		}
	}
}
