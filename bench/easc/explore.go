package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/nashra/nashra/internal/arabic"
)

// explore scores variants of the related-article similarity by a full scan
// of the corpus (153 articles, so cheap), printing P@1 / P@3 for both
// halves. Choices are made on the odd column only; the even one is printed
// so that the held-out figure is visible, not to choose by.
//
//	go run ./bench/easc -explore
type variant struct {
	name                   string
	stem, surf, pref, bigr float64 // field weights (0 = field off)
	bm25k1, bm25b          float64 // > 0: BM25 tf saturation instead of 1+ln tf
	idfPow                 float64 // idf = ln((N+1)/df)^idfPow
	maxDF                  float64 // terms in more than this share of articles ignored (0 = off)
	normPow                float64 // document score divided by its norm^normPow
	fb                     int
	fbw                    float64
	sym                    bool         // score(a,b) + score(b,a)
	cng                    float64      // character n-gram field weight (0 = off)
	cn                     int          // its n
	cngBase                string       // "stem", "pref" or "word": what the n-grams are cut from
	latin                  float64      // extra weight of Latin / digit tokens (0 = none)
	rrM                    int          // > 0: re-rank the top rrM by second-order similarity
	rrL                    float64      // its weight: (1-rrL)·score + rrL·second-order
	lsaK                   int          // > 0: add LSA similarity with this many dimensions
	lsaL                   float64      // its weight
	qTop                   int          // > 0: keep only the heaviest qTop terms of the (expanded) query
	mat                    *[][]float64 // if set, filled with the score of every pair
	docExp                 int          // > 0: every article's vector expanded with its docExp nearest neighbours
	docExpW                float64      // their weight
}

type sparse map[string]float64

func explore(out io.Writer, all, odd, even []*article) {
	base := variant{name: "current", stem: 1, idfPow: 0.5, normPow: 1, fb: 5, fbw: 0.5}
	var vs []variant
	add := func(name string, f func(v *variant)) {
		v := base
		v.name = name
		f(&v)
		vs = append(vs, v)
	}
	add("current", func(v *variant) {})
	add("no feedback", func(v *variant) { v.fb = 0 })
	for _, n := range []int{2, 3, 8, 10} {
		add(fmt.Sprintf("fb %d", n), func(v *variant) { v.fb = n })
	}
	for _, w := range []float64{0.3, 0.8, 1, 1.5} {
		add(fmt.Sprintf("fbw %.1f", w), func(v *variant) { v.fbw = w })
	}
	for _, p := range []float64{0.25, 0.75, 1} {
		add(fmt.Sprintf("idf^%.2f", p), func(v *variant) { v.idfPow = p })
	}
	for _, m := range []float64{0.1, 0.2, 0.3, 0.5} {
		add(fmt.Sprintf("maxdf %.1f", m), func(v *variant) { v.maxDF = m })
	}
	for _, p := range []float64{0.5, 0.75, 0.9} {
		add(fmt.Sprintf("norm^%.2f", p), func(v *variant) { v.normPow = p })
	}
	for _, k := range []float64{0.9, 1.2, 2} {
		for _, b := range []float64{0.3, 0.75, 1} {
			add(fmt.Sprintf("bm25 k1 %.1f b %.2f", k, b), func(v *variant) { v.bm25k1, v.bm25b = k, b })
		}
	}
	add("surface only", func(v *variant) { v.stem, v.surf = 0, 1 })
	add("stem+surface", func(v *variant) { v.surf = 1 })
	add("stem+surface/2", func(v *variant) { v.surf = 0.5 })
	add("prefix-stripped only", func(v *variant) { v.stem, v.pref = 0, 1 })
	add("stem+prefix-stripped", func(v *variant) { v.pref = 1 })
	add("stem+prefix/2", func(v *variant) { v.pref = 0.5 })
	add("stem+bigrams", func(v *variant) { v.bigr = 1 })
	add("stem+bigrams/2", func(v *variant) { v.bigr = 0.5 })
	add("symmetric", func(v *variant) { v.sym = true })
	report := func(vs []variant) {
		fmt.Fprintf(out, "%-44s %-14s %-14s\n", "variant (full scan, corpus)", "odd", "even *")
		for _, v := range vs {
			f := v.build(all)
			o1, o3 := precision(odd, byIDs(all), f)
			e1, e3 := precision(even, byIDs(all), f)
			fmt.Fprintf(out, "%-44s %.3f / %.3f  %.3f / %.3f\n", v.name, o1, o3, e1, e3)
		}
	}
	report(vs)
	// Combinations of the single changes that helped on the odd half,
	// sorted by odd P@3 (then odd P@1).
	var combos []variant
	for _, fields := range []string{"stem", "stem+surf", "stem+pref", "stem+surf+pref"} {
		for _, mdf := range []float64{0, 0.2, 0.3} {
			for _, sym := range []bool{false, true} {
				for _, fb := range []int{0, 2, 5} {
					for _, fbw := range []float64{0.5, 1} {
						v := base
						v.surf = b2f(strings.Contains(fields, "surf"))
						v.pref = b2f(strings.Contains(fields, "pref"))
						v.maxDF, v.sym, v.fb, v.fbw = mdf, sym, fb, fbw
						if fb == 0 && fbw != 0.5 {
							continue
						}
						v.name = fmt.Sprintf("%s maxdf %.1f sym %v fb %d/%.1f", fields, mdf, sym, fb, fbw)
						combos = append(combos, v)
					}
				}
			}
		}
	}
	type res struct {
		v              variant
		o1, o3, e1, e3 float64
	}
	var rs []res
	for _, v := range combos {
		f := v.build(all)
		o1, o3 := precision(odd, byIDs(all), f)
		e1, e3 := precision(even, byIDs(all), f)
		rs = append(rs, res{v, o1, o3, e1, e3})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].o3 > rs[j].o3 || rs[i].o3 == rs[j].o3 && rs[i].o1 > rs[j].o1 })
	fmt.Fprintf(out, "\ncombinations, best odd P@3 first (%d tried)\n", len(rs))
	for _, r := range rs[:min(20, len(rs))] {
		fmt.Fprintf(out, "%-44s %.3f / %.3f  %.3f / %.3f\n", r.v.name, r.o1, r.o3, r.e1, r.e3)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func byIDs(all []*article) map[string]*article {
	m := map[string]*article{}
	for _, a := range all {
		m[a.id] = a
	}
	return m
}

// prefixStrip removes a conjunction and the article (with a fused
// preposition), keeping suffixes.
func prefixStrip(t string) string {
	r := []rune(t)
	if len(r) >= 4 && r[0] == 'و' {
		t = string(r[1:])
	}
	for _, p := range []string{"بال", "كال", "فال", "وال", "ال", "لل"} {
		if s, ok := strings.CutPrefix(t, p); ok && len([]rune(s)) >= 2 {
			return s
		}
	}
	return t
}

func (v variant) terms(text string) sparse {
	tf := sparse{}
	prev := ""
	for _, t := range arabic.Tokens(text) {
		st := arabic.Stem(t)
		if st == "" {
			prev = ""
			continue
		}
		if v.stem > 0 {
			tf["s:"+st] += v.stem
		}
		if v.surf > 0 {
			tf["w:"+t] += v.surf
		}
		if v.pref > 0 {
			tf["p:"+prefixStrip(t)] += v.pref
		}
		if v.cng > 0 {
			src := st
			switch v.cngBase {
			case "pref":
				src = prefixStrip(t)
			case "word":
				src = t
			}
			r := []rune("_" + src + "_")
			if len(r) <= v.cn {
				tf["c:"+string(r)] += v.cng
			}
			for i := 0; i+v.cn <= len(r); i++ {
				tf["c:"+string(r[i:i+v.cn])] += v.cng
			}
		}
		if v.latin > 0 && t[0] < 0x80 {
			tf["s:"+st] += v.latin
		}
		if v.bigr > 0 && prev != "" {
			tf["b:"+prev+" "+st] += v.bigr
		}
		prev = st
	}
	return tf
}

func (v variant) build(pool []*article) func(*article, int) []string {
	ids := map[string]int{}
	type tfv struct {
		t []int
		f []float64
	}
	raw := make([]tfv, len(pool))
	var df []float64
	dl := make([]float64, len(pool))
	var avgdl float64
	for i, a := range pool {
		for t, f := range v.terms(a.text) {
			id, ok := ids[t]
			if !ok {
				id = len(df)
				ids[t] = id
				df = append(df, 0)
			}
			df[id]++
			raw[i].t = append(raw[i].t, id)
			raw[i].f = append(raw[i].f, f)
			dl[i] += f
		}
		avgdl += dl[i]
	}
	n := float64(len(pool))
	avgdl /= n
	idf := func(t int) float64 {
		d := df[t]
		if d <= 1 || v.maxDF > 0 && d/n > v.maxDF {
			return 0
		}
		return math.Pow(math.Log((n+1)/d), v.idfPow)
	}
	vec := make([][]float64, len(pool)) // dense, by term id
	norm := make([]float64, len(pool))
	for i, r := range raw {
		x := make([]float64, len(df))
		var s float64
		for j, t := range r.t {
			f := r.f[j]
			w := 1 + math.Log(f)
			if f < 1 {
				w = f
			}
			if v.bm25k1 > 0 {
				w = f * (v.bm25k1 + 1) / (f + v.bm25k1*(1-v.bm25b+v.bm25b*dl[i]/avgdl))
			}
			w *= idf(t)
			x[t] = w
			s += w * w
		}
		vec[i] = x
		norm[i] = math.Sqrt(s)
	}
	score := func(q []float64, qt []int, b int) float64 {
		if norm[b] == 0 {
			return 0
		}
		var dot float64
		for _, t := range qt {
			dot += q[t] * vec[b][t]
		}
		return dot / math.Pow(norm[b], v.normPow)
	}
	support := func(q []float64) []int {
		var qt []int
		for t, w := range q {
			if w != 0 {
				qt = append(qt, t)
			}
		}
		return qt
	}
	unit := func(q []float64) {
		var s float64
		for _, w := range q {
			s += w * w
		}
		s = math.Sqrt(s)
		if s == 0 {
			return
		}
		for t := range q {
			q[t] /= s
		}
	}
	type sc struct {
		i int
		s float64
	}
	sortSc := func(all []sc) {
		sort.Slice(all, func(i, j int) bool {
			return all[i].s > all[j].s || all[i].s == all[j].s && pool[all[i].i].id < pool[all[j].i].id
		})
	}
	rank := func(q []float64, self int) []sc {
		qt := support(q)
		var all []sc
		for b := range pool {
			if b != self {
				all = append(all, sc{b, score(q, qt, b)})
			}
		}
		sortSc(all)
		return all
	}
	if v.docExp > 0 {
		// Document expansion (as it would be done when an article is
		// added): the unit vector plus docExpW times the mean of its
		// nearest neighbours' unit vectors.
		nv := make([][]float64, len(pool))
		for b := range pool {
			q := append([]float64(nil), vec[b]...)
			unit(q)
			x := append([]float64(nil), q...)
			for _, c := range rank(q, b)[:v.docExp] {
				for t, w := range vec[c.i] {
					if w != 0 && norm[c.i] > 0 {
						x[t] += v.docExpW * w / norm[c.i] / float64(v.docExp)
					}
				}
			}
			nv[b] = x
		}
		for b := range pool {
			vec[b] = nv[b]
			var s float64
			for _, w := range vec[b] {
				s += w * w
			}
			norm[b] = math.Sqrt(s)
		}
	}
	// Query: the article's unit vector, then Rocchio feedback.
	qs := make([][]float64, len(pool))
	qts := make([][]int, len(pool))
	pos := map[string]int{}
	for a := range pool {
		pos[pool[a].id] = a
		q := append([]float64(nil), vec[a]...)
		unit(q)
		if v.fb > 0 && v.fbw > 0 {
			best := rank(q, a)[:v.fb]
			beta := v.fbw / float64(len(best))
			for _, b := range best {
				for t, w := range vec[b.i] {
					q[t] += beta * w / norm[b.i]
				}
			}
			unit(q)
		}
		if v.qTop > 0 {
			ws := []float64{}
			for _, w := range q {
				if w > 0 {
					ws = append(ws, w)
				}
			}
			sort.Float64s(ws)
			if len(ws) > v.qTop {
				cut := ws[len(ws)-v.qTop]
				for t, w := range q {
					if w < cut {
						q[t] = 0
					}
				}
			}
		}
		qs[a], qts[a] = q, support(q)
	}
	if v.mat != nil {
		m := make([][]float64, len(pool))
		for x := range pool {
			m[x] = make([]float64, len(pool))
			for y := range pool {
				if x != y {
					m[x][y] = score(qs[x], qts[x], y)
				}
			}
		}
		*v.mat = m
	}
	var S [][]float64
	if v.rrM > 0 {
		S = make([][]float64, len(pool))
		for x := range pool {
			S[x] = make([]float64, len(pool))
			for y := range pool {
				if x == y {
					S[x][y] = 1
				} else {
					S[x][y] = score(qs[x], qts[x], y)
				}
			}
		}
	}
	var L [][]float64
	if v.lsaK > 0 {
		gram := make([][]float64, len(pool))
		for x := range pool {
			gram[x] = make([]float64, len(pool))
			for y := range pool {
				var d float64
				for t, w := range vec[x] {
					d += w * vec[y][t]
				}
				if norm[x] > 0 && norm[y] > 0 {
					gram[x][y] = d / norm[x] / norm[y]
				}
			}
		}
		L = lsaSim(gram, v.lsaK)
	}
	return func(x *article, k int) []string {
		a := pos[x.id]
		var all []sc
		for b := range pool {
			if b == a {
				continue
			}
			s := score(qs[a], qts[a], b)
			if v.sym {
				s += score(qs[b], qts[b], a)
			}
			if L != nil {
				s = (1-v.lsaL)*s + v.lsaL*L[a][b]
			}
			all = append(all, sc{b, s})
		}
		sortSc(all)
		if v.rrM > 0 {
			c := all[:min(v.rrM, len(all))]
			set := []int{a}
			for _, y := range c {
				set = append(set, y.i)
			}
			prof := func(z int) []float64 {
				p := make([]float64, len(set))
				var n float64
				for i, y := range set {
					p[i] = S[z][y]
					n += p[i] * p[i]
				}
				n = math.Sqrt(n)
				for i := range p {
					p[i] /= n
				}
				return p
			}
			pa := prof(a)
			top := c[0].s
			for i := range c {
				pb := prof(c[i].i)
				var dot float64
				for j := range pa {
					dot += pa[j] * pb[j]
				}
				c[i].s = (1-v.rrL)*c[i].s/top + v.rrL*dot
			}
			sortSc(c)
		}
		var out []string
		for _, x := range all[:k] {
			out = append(out, pool[x.i].id)
		}
		return out
	}
}

// exploreMore compares further variants against the current defaults
// (stems + surface + prefix-stripped, df ≤ 20%, feedback 2 × 0.5), by a
// full scan; choose on the odd column only.
func exploreMore(out io.Writer, all, odd, even []*article) {
	base := variant{name: "defaults", stem: 1, surf: 1, pref: 1, idfPow: 0.5, normPow: 1, maxDF: 0.2, fb: 2, fbw: 0.5}
	vs := []variant{base}
	add := func(name string, f func(v *variant)) {
		v := base
		v.name = name
		f(&v)
		vs = append(vs, v)
	}
	for _, n := range []int{3, 4, 5} {
		for _, b := range []string{"stem", "pref", "word"} {
			for _, w := range []float64{0.25, 0.5, 1} {
				add(fmt.Sprintf("char %d-grams of %s ×%.2f", n, b, w), func(v *variant) { v.cng, v.cn, v.cngBase = w, n, b })
			}
		}
	}
	for _, w := range []float64{1, 2} {
		add(fmt.Sprintf("latin/digit tokens +%.0f", w), func(v *variant) { v.latin = w })
	}
	for _, m := range []int{1, 2, 3, 5} {
		for _, w := range []float64{0.25, 0.5, 1} {
			add(fmt.Sprintf("document expansion %d × %.2f", m, w), func(v *variant) { v.docExp, v.docExpW = m, w })
		}
	}
	for _, n := range []int{10, 20, 40, 80, 160, 320} {
		add(fmt.Sprintf("query top %d terms", n), func(v *variant) { v.qTop = n })
	}
	for _, k := range []int{10, 20, 40, 80} {
		for _, l := range []float64{0.2, 0.4, 0.6, 1} {
			add(fmt.Sprintf("lsa %d dims ×%.1f", k, l), func(v *variant) { v.lsaK, v.lsaL = k, l })
		}
	}
	for _, m := range []int{10, 20, 40, 80} {
		for _, l := range []float64{0.3, 0.5, 0.7, 1} {
			add(fmt.Sprintf("second-order re-rank top %d ×%.1f", m, l), func(v *variant) { v.rrM, v.rrL = m, l })
		}
	}
	fmt.Fprintf(out, "%-44s %-14s %-14s\n", "variant (full scan, corpus)", "odd", "even *")
	for _, v := range vs {
		if *onlyRe != "" && !strings.Contains(v.name, *onlyRe) && v.name != "defaults" {
			continue
		}
		f := v.build(all)
		o1, o3 := precision(odd, byIDs(all), f)
		e1, e3 := precision(even, byIDs(all), f)
		fmt.Fprintf(out, "%-44s %.3f / %.3f  %.3f / %.3f\n", v.name, o1, o3, e1, e3)
	}
}

// exploreLTR learns, on the odd queries only, a logistic combination of
// per-field similarities (and their reverse direction) and prints P@1 / P@3
// of the learned score on both halves.
func exploreLTR(out io.Writer, all, odd, even []*article) {
	base := variant{stem: 1, idfPow: 0.5, normPow: 1, maxDF: 0.2}
	fields := []variant{}
	names := []string{}
	addF := func(name string, f func(v *variant)) {
		v := base
		f(&v)
		fields = append(fields, v)
		names = append(names, name)
	}
	addF("stem", func(v *variant) {})
	addF("surface", func(v *variant) { v.stem, v.surf = 0, 1 })
	addF("prefix", func(v *variant) { v.stem, v.pref = 0, 1 })
	addF("char5 pref", func(v *variant) { v.stem, v.cng, v.cn, v.cngBase = 0, 1, 5, "pref" })
	addF("bigrams", func(v *variant) { v.stem, v.bigr = 0, 1 })
	addF("defaults+fb", func(v *variant) { v.surf, v.pref, v.fb, v.fbw = 1, 1, 2, 0.5 })
	mats := make([][][]float64, len(fields))
	for i := range fields {
		fields[i].mat = &mats[i]
		fields[i].build(all)
	}
	n := len(all)
	feat := func(a, b int) []float64 {
		x := []float64{1}
		for _, m := range mats {
			x = append(x, m[a][b], m[b][a])
		}
		return x
	}
	isOdd := map[int]bool{}
	for i, a := range all {
		isOdd[i] = a.num%2 == 1
	}
	var xs [][]float64
	var ys []float64
	for a := range n {
		if !isOdd[a] {
			continue
		}
		for b := range n {
			if b != a {
				xs = append(xs, feat(a, b))
				ys = append(ys, b2f(all[a].topic == all[b].topic))
			}
		}
	}
	d := len(xs[0])
	for _, lambda := range []float64{0.001, 0.01, 0.1} {
		w := make([]float64, d)
		g := make([]float64, d)
		for it := 0; it < 6000; it++ {
			logisticStep(w, g, xs, ys, lambda, 2)
		}
		rank := func(x *article, k int) []string {
			a := -1
			for i := range all {
				if all[i].id == x.id {
					a = i
				}
			}
			type sc struct {
				i int
				s float64
			}
			var r []sc
			for b := range n {
				if b == a {
					continue
				}
				var s float64
				for j, v := range feat(a, b) {
					s += w[j] * v
				}
				r = append(r, sc{b, s})
			}
			sort.Slice(r, func(i, j int) bool { return r[i].s > r[j].s || r[i].s == r[j].s && all[r[i].i].id < all[r[j].i].id })
			var ids []string
			for _, y := range r[:k] {
				ids = append(ids, all[y.i].id)
			}
			return ids
		}
		o1, o3 := precision(odd, byIDs(all), rank)
		e1, e3 := precision(even, byIDs(all), rank)
		fmt.Fprintf(out, "LTR lambda %-6g odd %.3f / %.3f  even * %.3f / %.3f  weights", lambda, o1, o3, e1, e3)
		for j := range w {
			fmt.Fprintf(out, " %.2f", w[j])
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "features: bias, then per field (forward, reverse): %v\n", names)
}
