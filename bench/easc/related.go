package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/nashra/nashra/internal/arabic"
)

// indexOpts are the options of the index measured: the defaults.
var indexOpts = arabic.DefaultIndexOptions

// related prints P@1 and P@3 of related articles: for every article of a
// half, the share of its top 1 / top 3 in the same topic. The archive is
// the whole corpus (all 153 articles); a second table uses each half alone.
func related(out io.Writer, all, odd, even []*article, seeds int) {
	fmt.Fprintf(out, "Related: P@1 / P@3 (same topic = same file-name prefix)\n")
	fmt.Fprintf(out, "%-34s %-14s %-14s %-14s\n", "method (archive)", "odd", "even *", "all")
	type method struct {
		name  string
		build func(pool []*article) func(a *article, k int) []string
		runs  int
	}
	methods := []method{
		{"nashra index", func(pool []*article) func(*article, int) []string {
			return ranking(pool, indexOpts.TopicWeight)
		}, 1},
		{"nashra, no topic model", func(pool []*article) func(*article, int) []string {
			return ranking(pool, 0)
		}, 1},
		{"TF-IDF cosine (tokens)", tfidfCosine, 1},
		{"Random", nil, seeds},
	}
	byID := map[string]*article{}
	for _, a := range all {
		byID[a.id] = a
	}
	for _, archive := range []string{"corpus", "half"} {
		for _, m := range methods {
			var cells []string
			for hi, half := range [][]*article{odd, even, all} {
				pool := all
				if archive == "half" && hi < 2 {
					pool = half
				}
				var p1, p3 float64
				for s := 0; s < m.runs; s++ {
					var f func(*article, int) []string
					if m.build != nil {
						f = m.build(pool)
					} else {
						f = randomRelated(pool, s)
					}
					a1, a3 := precision(half, byID, f)
					p1 += a1
					p3 += a3
				}
				cells = append(cells, fmt.Sprintf("%.3f / %.3f", p1/float64(m.runs), p3/float64(m.runs)))
			}
			fmt.Fprintf(out, "%-34s %-14s %-14s %-14s\n", m.name+" ("+archive+")", cells[0], cells[1], cells[2])
		}
	}
	lo, hi := bootstrapP3(even, byID, methods[0].build(all))
	fmt.Fprintf(out, "nashra index (corpus), held-out P@3: 95%% bootstrap interval over its %d queries [%.3f, %.3f]\n", len(even), lo, hi)
	fmt.Fprintf(out, "Section classifier trained on the odd half's labels (nearest tf-idf centroid of light stems), held-out accuracy: %.3f\n", centroidAccuracy(all, odd, even))
}

// bootstrapP3 returns the 95% percentile bootstrap interval of P@3 over
// the queries (10,000 resamples, fixed seed): how far a figure measured
// on this few queries can move by the draw of the articles alone.
func bootstrapP3(queries []*article, byID map[string]*article, f func(*article, int) []string) (lo, hi float64) {
	hits := make([]float64, len(queries))
	for i, a := range queries {
		for _, id := range f(a, 3) {
			if byID[id].topic == a.topic {
				hits[i] += 1.0 / 3
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	means := make([]float64, 10000)
	for j := range means {
		var s float64
		for range hits {
			s += hits[r.IntN(len(hits))]
		}
		means[j] = s / float64(len(hits))
	}
	sort.Float64s(means)
	return means[len(means)/40], means[len(means)-1-len(means)/40]
}

// ranking is the index's plain ranking (no floor) over pool, with the
// topic model blended in with weight w.
func ranking(pool []*article, w float64) func(*article, int) []string {
	o := indexOpts
	o.MinScore, o.TopicWeight = 0, w
	ix := arabic.NewIndexWith(o)
	for _, a := range pool {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
	}
	return func(a *article, k int) []string {
		var ids []string
		for _, m := range ix.Related(a.id, k) {
			ids = append(ids, m.ID)
		}
		return ids
	}
}

// topicCurve prints the plain ranking's P@1 / P@3 on both halves for
// topic-model weights from 0 (none) to 1 (order by the topic model alone),
// and returns the weight chosen on the odd half: the best P@3 there (the
// larger weight on a tie, the even column only printed).
func topicCurve(out io.Writer, all, odd, even []*article) float64 {
	byID := byIDs(all)
	fmt.Fprintf(out, "The topic model's weight (plain ranking, corpus archive): P@1 / P@3\n%-8s %-14s %-14s\n", "weight", "odd", "even *")
	type row struct {
		w      float64
		a1, a3 float64
		b1, b3 float64
	}
	var rows []row
	best := -1
	for _, w := range []float64{0, 0.25, 0.5, 0.75, 0.9, 1} {
		f := ranking(all, w)
		r := row{w: w}
		r.a1, r.a3 = precision(odd, byID, f)
		r.b1, r.b3 = precision(even, byID, f)
		rows = append(rows, r)
		if best < 0 || r.a3 >= rows[best].a3 {
			best = len(rows) - 1
		}
	}
	for i, r := range rows {
		mark := ""
		if i == best {
			mark = "  <- chosen (best odd P@3)"
		}
		fmt.Fprintf(out, "%-8.2f %.3f / %.3f  %.3f / %.3f%s\n", r.w, r.a1, r.a3, r.b1, r.b3, mark)
	}
	return rows[best].w
}

func precision(queries []*article, byID map[string]*article, f func(*article, int) []string) (p1, p3 float64) {
	for _, a := range queries {
		ids := f(a, 3)
		for i, id := range ids {
			if byID[id].topic == a.topic {
				if i == 0 {
					p1++
				}
				p3 += 1.0 / 3
			}
		}
	}
	n := float64(len(queries))
	return p1 / n, p3 / n
}

func randomRelated(pool []*article, seed int) func(*article, int) []string {
	return func(a *article, k int) []string {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(a.num)))
		var ids []string
		for _, i := range r.Perm(len(pool)) {
			if pool[i].id != a.id {
				ids = append(ids, pool[i].id)
			}
			if len(ids) == k {
				break
			}
		}
		return ids
	}
}

// tfidfCosine is the baseline of the design notes: cosine of (1+ln tf)·idf
// vectors of normalised tokens, no stemming, no stop words.
func tfidfCosine(pool []*article) func(*article, int) []string {
	vecs, norms := tfidf(pool, arabic.Tokens, func(n, df float64) float64 { return math.Log(n / df) })
	return func(a *article, k int) []string {
		type sc struct {
			id string
			s  float64
		}
		var all []sc
		q := vecs[a.id]
		for _, b := range pool {
			if b.id == a.id {
				continue
			}
			var dot float64
			for t, w := range q {
				dot += w * vecs[b.id][t]
			}
			all = append(all, sc{b.id, dot / (norms[a.id]*norms[b.id] + 1e-12)})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s || all[i].s == all[j].s && all[i].id < all[j].id })
		var ids []string
		for _, x := range all[:min(k, len(all))] {
			ids = append(ids, x.id)
		}
		return ids
	}
}

// tfidf returns each article's (1+ln tf)·idf(n, df) vector over the terms
// that terms gives, and the vectors' lengths.
func tfidf(pool []*article, terms func(string) []string, idf func(n, df float64) float64) (map[string]map[string]float64, map[string]float64) {
	df := map[string]float64{}
	vecs := map[string]map[string]float64{}
	for _, a := range pool {
		v := map[string]float64{}
		for _, t := range terms(a.text) {
			v[t]++
		}
		for t := range v {
			df[t]++
		}
		vecs[a.id] = v
	}
	n := float64(len(pool))
	norms := map[string]float64{}
	for id, v := range vecs {
		var s float64
		for t, f := range v {
			v[t] = (1 + math.Log(f)) * idf(n, df[t])
			s += v[t] * v[t]
		}
		norms[id] = math.Sqrt(s)
	}
	return vecs, norms
}

func byIDs(all []*article) map[string]*article {
	m := map[string]*article{}
	for _, a := range all {
		m[a.id] = a
	}
	return m
}

// linkSets returns, for every article, the index's related list (k 3, the
// whole corpus as archive) with the floor o.MinScore.
func linkSets(all []*article, o arabic.IndexOptions) map[string][]arabic.Match {
	ix := arabic.NewIndexWith(o)
	for _, a := range all {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
	}
	out := map[string][]arabic.Match{}
	for _, a := range all {
		out[a.id] = ix.Related(a.id, 3)
	}
	return out
}

// shown measures the links shown: the share of them that are same-topic,
// the share of queries that get at least one, and the mean number per
// query.
func shown(queries []*article, byID map[string]*article, links map[string][]arabic.Match) (prec, cover, mean float64) {
	var hit, n, covered int
	for _, a := range queries {
		got := 0
		for _, m := range links[a.id] {
			got++
			if byID[m.ID].topic == a.topic {
				hit++
			}
		}
		n += got
		if got > 0 {
			covered++
		}
	}
	if n > 0 {
		prec = float64(hit) / float64(n)
	}
	q := float64(len(queries))
	return prec, float64(covered) / q, float64(n) / q
}

// floorCurve prints the links shown with the default floor beside the
// baselines (which show their top 3 whatever the score), then, for floors
// from 0 up, the shown links' precision and the coverage on both halves,
// and returns the floor chosen on the odd half: the lowest at which at
// least 90% of the links shown are same-topic (the odd column only; the
// even one is printed, not used).
func floorCurve(out io.Writer, all, odd, even []*article) float64 {
	// The floor applies before the order (a list is the best three of the
	// matches above it), so every floor gets its own lists.
	byFloor := func(f float64) map[string][]arabic.Match {
		o := indexOpts
		o.MinScore = f
		return linkSets(all, o)
	}
	links := byFloor(indexOpts.MinScore)
	byID := byIDs(all)
	fmt.Fprintf(out, "Related links shown (k 3, corpus archive): same-topic share of the links shown / share of articles with a link / links per article\n")
	fmt.Fprintf(out, "%-34s %-22s %-22s\n", "method", "odd", "even *")
	p1, c1, m1 := shown(odd, byID, links)
	p2, c2, m2 := shown(even, byID, links)
	fmt.Fprintf(out, "%-34s %.3f / %.3f / %.2f    %.3f / %.3f / %.2f\n", fmt.Sprintf("nashra (floor %.2f)", indexOpts.MinScore), p1, c1, m1, p2, c2, m2)
	tf := tfidfCosine(all)
	_, t1 := precision(odd, byID, tf)
	_, t2 := precision(even, byID, tf)
	fmt.Fprintf(out, "%-34s %.3f / 1.000 / 3.00    %.3f / 1.000 / 3.00\n", "TF-IDF cosine (tokens), no floor", t1, t2)
	var r1, r2 float64
	for s := 0; s < 20; s++ {
		_, a := precision(odd, byID, randomRelated(all, s))
		_, b := precision(even, byID, randomRelated(all, s))
		r1, r2 = r1+a/20, r2+b/20
	}
	fmt.Fprintf(out, "%-34s %.3f / 1.000 / 3.00    %.3f / 1.000 / 3.00\n", "Random, no floor", r1, r2)
	fmt.Fprintf(out, "\nThe floor's curve (nashra index, as above):\n%-8s %-22s %-22s\n", "floor", "odd", "even *")
	chosen := -1.0
	for i := 0; i <= 20; i++ {
		f := float64(i) / 100
		links := byFloor(f)
		p1, c1, m1 := shown(odd, byID, links)
		p2, c2, m2 := shown(even, byID, links)
		mark := ""
		if chosen < 0 && p1 >= 0.9 {
			chosen, mark = f, "  <- chosen (odd ≥ 0.90)"
		}
		fmt.Fprintf(out, "%-8.2f %.3f / %.3f / %.2f    %.3f / %.3f / %.2f%s\n", f, p1, c1, m1, p2, c2, m2, mark)
	}
	return chosen
}

// centroidAccuracy is a check on how far the sections can be told apart
// by their words: a nearest-centroid classifier over damped tf-idf of
// light stems, trained on the odd half's section labels, and the share of
// the held-out articles whose section it names right. Related links need
// no labels; this one uses them, and still is no better than the first
// related link.
func centroidAccuracy(all, train, test []*article) float64 {
	vecs, norms := tfidf(all, arabic.Stems, func(n, df float64) float64 { return math.Sqrt(math.Log(n / df)) })
	for id, v := range vecs {
		for s := range v {
			v[s] /= norms[id]
		}
	}
	cent := map[string]map[string]float64{}
	for _, a := range train {
		if cent[a.topic] == nil {
			cent[a.topic] = map[string]float64{}
		}
		for s, w := range vecs[a.id] {
			cent[a.topic][s] += w
		}
	}
	topics := make([]string, 0, len(cent))
	for tp := range cent {
		topics = append(topics, tp)
	}
	sort.Strings(topics)
	right := 0
	for _, a := range test {
		best, bs := "", math.Inf(-1)
		for _, tp := range topics {
			var dot, cn float64
			for s, w := range cent[tp] {
				cn += w * w
				dot += w * vecs[a.id][s]
			}
			if d := dot / math.Sqrt(cn); d > bs {
				best, bs = tp, d
			}
		}
		if best == a.topic {
			right++
		}
	}
	return float64(right) / float64(len(test))
}
