package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/nashra/nashra/internal/arabic"
)

// exploreSNN re-ranks the index's best N candidates of a query a by
// shared and reciprocal neighbours: score(a,b) + λ·|NN_K(a) ∩ NN_K(b)|/K
// (shared nearest neighbours) + μ·(1 if a is in NN_K(b)) (mutual kNN), where
// NN_K(x) is the index's own top K for x (lists an index could keep and
// refresh as articles arrive). Corpus archive; choose on the odd column.
//
//	go run ./bench/easc -explore-snn
func exploreSNN(out io.Writer, all, odd, even []*article) {
	byID := byIDs(all)
	lists := corpusLists(all, 40)
	fmt.Fprintf(out, "%-48s %-14s %-14s\n", "SNN / mutual-kNN re-rank (corpus)", "odd", "even *")
	for _, K := range []int{3, 5, 10, 20} {
		for _, N := range []int{10, 20} {
			for _, lm := range [][2]float64{{0, 0}, {0.1, 0}, {0.2, 0}, {0.4, 0}, {0, 0.05}, {0, 0.1}, {0, 0.2}, {0.2, 0.1}} {
				f := func(a *article, k int) []string {
					nn := map[string]bool{}
					for _, m := range lists[a.id][:min(K, len(lists[a.id]))] {
						nn[m.ID] = true
					}
					var c []sc
					for _, m := range lists[a.id][:min(N, len(lists[a.id]))] {
						shared, mutual := 0, 0.0
						for _, x := range lists[m.ID][:min(K, len(lists[m.ID]))] {
							if nn[x.ID] {
								shared++
							}
							if x.ID == a.id {
								mutual = 1
							}
						}
						c = append(c, sc{m.ID, m.Score + lm[0]*float64(shared)/float64(K) + lm[1]*mutual})
					}
					return topIDs(c, k)
				}
				o1, o3 := precision(odd, byID, f)
				e1, e3 := precision(even, byID, f)
				fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n", fmt.Sprintf("K %d top %d λ %.2f μ %.2f", K, N, lm[0], lm[1]), o1, o3, e1, e3)
			}
		}
	}
}

// exploreFields sweeps the index's field weights (surface form and
// prefix-stripped form beside the stems) and the feedback weight through
// the index itself (corpus archive). Choose on the odd column.
//
//	go run ./bench/easc -explore-fields
func exploreFields(out io.Writer, all, odd, even []*article) {
	byID := byIDs(all)
	fmt.Fprintf(out, "%-48s %-14s %-14s\n", "field weights (index, corpus)", "odd", "even *")
	type res struct {
		name           string
		o1, o3, e1, e3 float64
	}
	var rs []res
	for _, sw := range []float64{0, 0.5, 1, 1.5, 2} {
		for _, pw := range []float64{0, 0.5, 1, 1.5, 2} {
			for _, fbw := range []float64{0.25, 0.5, 1} {
				o := indexOpts
				o.SurfaceWeight, o.PrefixWeight, o.FeedbackWeight = sw, pw, fbw
				ix := arabic.NewIndexWith(o)
				for _, a := range all {
					ix.Add(arabic.Doc{ID: a.id, Text: a.text})
				}
				f := func(a *article, k int) []string {
					var ids []string
					for _, m := range ix.Related(a.id, k) {
						ids = append(ids, m.ID)
					}
					return ids
				}
				o1, o3 := precision(odd, byID, f)
				e1, e3 := precision(even, byID, f)
				rs = append(rs, res{fmt.Sprintf("surface %.1f prefix %.1f fbw %.2f", sw, pw, fbw), o1, o3, e1, e3})
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].o3 > rs[j].o3 || rs[i].o3 == rs[j].o3 && rs[i].o1 > rs[j].o1 })
	for _, r := range rs {
		fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n", r.name, r.o1, r.o3, r.e1, r.e3)
	}
}

// exploreHubness re-ranks the index's best N candidates b of a query a by
// CSLS-style hubness reduction: score(a,b) − β·r_b, where r_b is the mean
// score of b's own K best matches (an article close to everything is
// penalised; r_b is a per-article number an index can cache and refresh).
//
//	go run ./bench/easc -explore-hub
func exploreHubness(out io.Writer, all, odd, even []*article) {
	byID := byIDs(all)
	lists := corpusLists(all, 40)
	fmt.Fprintf(out, "%-48s %-14s %-14s\n", "hubness re-rank (corpus)", "odd", "even *")
	for _, K := range []int{3, 10, 20} {
		r := map[string]float64{}
		for id, l := range lists {
			for _, m := range l[:min(K, len(l))] {
				r[id] += m.Score / float64(K)
			}
		}
		for _, beta := range []float64{0, 0.25, 0.5, 1} {
			f := func(a *article, k int) []string {
				var c []sc
				for _, m := range lists[a.id][:min(20, len(lists[a.id]))] {
					c = append(c, sc{m.ID, m.Score - beta*r[m.ID]})
				}
				return topIDs(c, k)
			}
			o1, o3 := precision(odd, byID, f)
			e1, e3 := precision(even, byID, f)
			fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n", fmt.Sprintf("K %d β %.2f (top 20)", K, beta), o1, o3, e1, e3)
		}
	}
}

// corpusLists indexes every article and returns each one's n best matches.
func corpusLists(all []*article, n int) map[string][]arabic.Match {
	ix := arabic.NewIndexWith(indexOpts)
	for _, a := range all {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
	}
	lists := map[string][]arabic.Match{}
	for _, a := range all {
		lists[a.id] = ix.Related(a.id, n)
	}
	return lists
}

// sc is a re-ranked candidate.
type sc struct {
	id string
	s  float64
}

// topIDs returns the IDs of the k best candidates (stable for ties).
func topIDs(c []sc, k int) []string {
	sort.SliceStable(c, func(i, j int) bool { return c[i].s > c[j].s })
	var ids []string
	for _, x := range c[:min(k, len(c))] {
		ids = append(ids, x.id)
	}
	return ids
}
