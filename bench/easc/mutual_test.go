package main

import (
	"fmt"
	"testing"

	"github.com/nashra/nashra/internal/arabic"
)

func TestMutual(t *testing.T) {
	arts, _ := load("/work/shared/data/easc")
	var odd, even []*article
	for _, a := range arts {
		if a.num%2 == 1 {
			odd = append(odd, a)
		} else {
			even = append(even, a)
		}
	}
	o := indexOpts
	o.MinScore = 0
	links := linkSets(arts, o)
	byID := byIDs(arts)
	in := func(id, x string) bool {
		for _, m := range links[id] {
			if m.ID == x {
				return true
			}
		}
		return false
	}
	eval := func(qs []*article, f1, f2 float64) (float64, float64) {
		var hit, n, cov int
		for _, a := range qs {
			got := 0
			for _, m := range links[a.id] {
				if m.Score >= f1 || m.Score >= f2 && in(m.ID, a.id) {
					got++
					if byID[m.ID].topic == a.topic {
						hit++
					}
				}
			}
			n += got
			if got > 0 {
				cov++
			}
		}
		return float64(hit) / float64(max(n, 1)), float64(cov) / float64(len(qs))
	}
	for _, f2 := range []float64{0, 0.04, 0.06, 0.08, 0.10} {
		for _, f1 := range []float64{0.10, 0.12, 0.14} {
			p1, c1 := eval(odd, f1, f2)
			p2, c2 := eval(even, f1, f2)
			fmt.Printf("f1 %.2f mutual f2 %.2f: odd %.3f / %.3f  even %.3f / %.3f\n", f1, f2, p1, c1, p2, c2)
		}
	}
	_ = arabic.DefaultMinScore
}
