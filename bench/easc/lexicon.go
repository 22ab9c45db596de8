package main

import (
	"fmt"
	"io"

	"github.com/nashra/nashra/internal/arabic"
)

// lexicon is a learned word-level prior: for every stem, the smoothed mean
// label of the training sentences holding it, minus the mean label of all
// training sentences. A sentence's lexical feature is the mean of its
// stems' values (stems seen in fewer than minCount training articles
// count 0).
type lexicon struct {
	sum, cnt map[string]float64 // over sentences
	arts     map[string]int     // articles holding the stem
	total    float64
	n        float64
}

func newLexicon(ss []sample) *lexicon {
	l := &lexicon{sum: map[string]float64{}, cnt: map[string]float64{}, arts: map[string]int{}}
	for _, s := range ss {
		l.add(s, 1)
	}
	return l
}

func (l *lexicon) add(s sample, sign float64) {
	seenArt := map[string]bool{}
	for i, st := range s.sents {
		seen := map[string]bool{}
		for _, x := range arabic.Stems(st) {
			if seen[x] {
				continue
			}
			seen[x] = true
			l.sum[x] += sign * s.labels[i]
			l.cnt[x] += sign
			if !seenArt[x] {
				seenArt[x] = true
				l.arts[x] += int(sign)
			}
		}
		l.total += sign * s.labels[i]
		l.n += sign
	}
}

func (l *lexicon) feature(sents []string, alpha float64, minCount int) []float64 {
	prior := l.total / l.n
	out := make([]float64, len(sents))
	for i, st := range sents {
		seen := map[string]bool{}
		var v float64
		k := 0
		for _, x := range arabic.Stems(st) {
			if seen[x] {
				continue
			}
			seen[x] = true
			k++
			if l.arts[x] < minCount {
				continue
			}
			v += (l.sum[x]+alpha*prior)/(l.cnt[x]+alpha) - prior
		}
		if k > 0 {
			out[i] = v / float64(k)
		}
	}
	return out
}

// withLex returns copies of ss with the lexical feature appended; each
// training article's own sentences are left out of the lexicon its feature
// is computed from (leave one article out), so the training feature is not
// better than a test one.
func withLex(ss []sample, l *lexicon, loo bool, alpha float64, minCount int) []sample {
	out := make([]sample, len(ss))
	for k, s := range ss {
		if loo {
			l.add(s, -1)
		}
		f := l.feature(s.sents, alpha, minCount)
		if loo {
			l.add(s, 1)
		}
		c := s
		c.feats = make([][]float64, len(s.feats))
		for i := range s.feats {
			c.feats[i] = append(append([]float64(nil), s.feats[i]...), f[i])
		}
		out[k] = c
	}
	return out
}

// exploreLexicon cross-validates (5 folds inside the odd half, the folds
// of -train) the summary model with and without the lexical feature:
// greedy chooser, overshoot 0.5. The held-out column (even half, a model
// fitted on the whole odd half) is printed, not used to choose.
//
//	go run ./bench/easc -explore-lex
func exploreLexicon(out io.Writer, odd, even []*article) {
	ss := samples(odd)
	ev := samples(even)
	folds := make([][]sample, 5)
	for i, s := range ss {
		folds[i%5] = append(folds[i%5], s)
	}
	extra = 0
	for _, lambda := range []float64{0.3, 1, 2} {
		for _, cfg := range []struct {
			alpha float64
			min   int
		}{{-1, 0}, {5, 2}, {20, 2}, {50, 2}, {20, 5}, {100, 5}} {
			var r1, r2, ratio float64
			for fold := range 5 {
				var tr []sample
				for f, part := range folds {
					if f != fold {
						tr = append(tr, part...)
					}
				}
				te := folds[fold]
				if cfg.alpha >= 0 {
					l := newLexicon(tr)
					tr = withLex(tr, l, true, cfg.alpha, cfg.min)
					te = withLex(te, l, false, cfg.alpha, cfg.min)
					extra = 1
				} else {
					extra = 0
				}
				w := fitFn(tr, lambda)
				m := arabic.SummaryModel{Weights: w, Greedy: true, MaxOvershoot: 0.5}
				a1, a2, lr := evalModel(te, m)
				n := float64(len(te)) / float64(len(ss))
				r1, r2, ratio = r1+a1*n, r2+a2*n, ratio+lr*n
			}
			// Held out: the model and lexicon fitted on the whole odd half
			// (printed, not used to choose).
			tr, te := ss, ev
			extra = 0
			name := "no lexicon"
			if cfg.alpha >= 0 {
				name = fmt.Sprintf("lexicon alpha %g min %d articles", cfg.alpha, cfg.min)
				l := newLexicon(tr)
				tr = withLex(tr, l, true, cfg.alpha, cfg.min)
				te = withLex(te, l, false, cfg.alpha, cfg.min)
				extra = 1
			}
			m := arabic.SummaryModel{Weights: fitFn(tr, lambda), Greedy: true, MaxOvershoot: 0.5}
			h1, h2, hr := evalModel(te, m)
			fmt.Fprintf(out, "cv lambda=%-4g %-36s R1 %.4f  R2 %.4f  length x%.2f   held out %.4f / %.4f x%.2f\n", lambda, name, r1, r2, ratio, h1, h2, hr)
		}
	}
	extra = 0
}
