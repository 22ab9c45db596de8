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
			r1, r2, ratio := evalScores(ss, m, func(s sample) []float64 { return s.labels })
			fmt.Fprintf(out, "%-6s true labels, greedy, overshoot %.1f: R1 / R2 %.3f / %.3f ×%.2f\n", names[hi], over, r1, r2, ratio)
		}
	}
}
