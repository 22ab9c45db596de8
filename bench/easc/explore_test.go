package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/nashra/nashra/internal/arabic"
)

// exploration harness (not kept): similarity matrices over the corpus.

type mat [][]float64

func loadAll(t *testing.T) (all, odd, even []*article) {
	root, _ := moduleRoot()
	dir := filepath.Join(root, "..", "shared", "data", "easc")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no ../shared/data/easc")
	}
	arts, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if a.num%2 == 1 {
			odd = append(odd, a)
		} else {
			even = append(even, a)
		}
	}
	return arts, odd, even
}

type wopt struct {
	k1, b   float64 // k1 > 0: BM25 tf; else 1+ln tf
	idfPow  float64
	maxDF   float64
	bm25idf bool
}

func vectors(docs []map[string]float64, o wopt) []map[string]float64 {
	df := map[string]float64{}
	var avg float64
	lens := make([]float64, len(docs))
	for i, d := range docs {
		for t, f := range d {
			df[t]++
			lens[i] += f
		}
		avg += lens[i]
	}
	n := float64(len(docs))
	avg /= n
	out := make([]map[string]float64, len(docs))
	for i, d := range docs {
		v := map[string]float64{}
		var s float64
		for t, f := range d {
			dd := df[t]
			if dd <= 1 || o.maxDF > 0 && dd/n > o.maxDF && dd > 10 {
				continue
			}
			var w float64
			if o.k1 > 0 {
				w = f * (o.k1 + 1) / (f + o.k1*(1-o.b+o.b*lens[i]/avg))
			} else if f < 1 {
				w = f
			} else {
				w = 1 + math.Log(f)
			}
			idf := math.Log((n + 1) / dd)
			if o.bm25idf {
				idf = math.Log(1 + (n-dd+0.5)/(dd+0.5))
			}
			w *= math.Pow(idf, o.idfPow)
			v[t] = w
			s += w * w
		}
		s = math.Sqrt(s)
		for t := range v {
			v[t] /= s
		}
		out[i] = v
	}
	return out
}

func cosMat(vs []map[string]float64) mat {
	n := len(vs)
	m := make(mat, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s float64
			a, b := vs[i], vs[j]
			if len(a) > len(b) {
				a, b = b, a
			}
			for t, w := range a {
				s += w * b[t]
			}
			m[i][j], m[j][i] = s, s
		}
	}
	return m
}

func fieldDocs(all []*article, stem, surf, bigr float64) []map[string]float64 {
	out := make([]map[string]float64, len(all))
	for i, a := range all {
		d := map[string]float64{}
		toks := arabic.Tokens(a.text)
		var prev string
		for _, t := range toks {
			st := arabic.Stem(t)
			if st == "" {
				prev = ""
				continue
			}
			if stem > 0 {
				d[st] += stem
			}
			if surf > 0 {
				d["\x01"+t] += surf
			}
			if bigr > 0 && prev != "" {
				d["\x02"+prev+" "+st] += bigr
			}
			prev = st
		}
		out[i] = d
	}
	return out
}

type evalRes struct{ o1, o3, e1, e3 float64 }

func evalMat(all []*article, m mat) evalRes {
	var r evalRes
	var no, ne float64
	for i, a := range all {
		idx := topK(m[i], i, 3)
		var p1, p3 float64
		for j, x := range idx {
			if all[x].topic == a.topic {
				if j == 0 {
					p1++
				}
				p3 += 1.0 / 3
			}
		}
		if a.num%2 == 1 {
			r.o1 += p1
			r.o3 += p3
			no++
		} else {
			r.e1 += p1
			r.e3 += p3
			ne++
		}
	}
	r.o1 /= no
	r.o3 /= no
	r.e1 /= ne
	r.e3 /= ne
	return r
}

func topK(row []float64, self, k int) []int {
	idx := make([]int, 0, len(row))
	for j := range row {
		if j != self {
			idx = append(idx, j)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	return idx[:k]
}

func (r evalRes) String() string {
	return fmt.Sprintf("odd %.3f / %.3f  even %.3f / %.3f", r.o1, r.o3, r.e1, r.e3)
}

func indexMat(all []*article, o arabic.IndexOptions) mat {
	o.MinScore = 0
	ix := arabic.NewIndexWith(o)
	pos := map[string]int{}
	for i, a := range all {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
		pos[a.id] = i
	}
	m := make(mat, len(all))
	for i, a := range all {
		m[i] = make([]float64, len(all))
		for r, x := range ix.Related(a.id, len(all)) {
			m[i][pos[x.ID]] = float64(len(all) - r)
		}
	}
	return m
}

func TestExploreBasic(t *testing.T) {
	all, _, _ := loadAll(t)
	t.Logf("index default: %v", evalMat(all, indexMat(all, arabic.DefaultIndexOptions)))
	for _, f := range [][3]float64{{1, 0, 0}, {1, 1, 0}, {1, 0, 0.5}, {1, 1, 0.5}} {
		docs := fieldDocs(all, f[0], f[1], f[2])
		for _, o := range []wopt{
			{idfPow: 1}, {idfPow: 0.5}, {idfPow: 0.5, maxDF: 0.2},
			{k1: 1.2, b: 0.75, idfPow: 1, bm25idf: true},
			{k1: 1.2, b: 0.75, idfPow: 0.5},
			{k1: 1.2, b: 0.75, idfPow: 0.5, maxDF: 0.2},
			{k1: 0.8, b: 0.3, idfPow: 0.5, maxDF: 0.2},
			{k1: 2, b: 0.75, idfPow: 0.5, maxDF: 0.2},
		} {
			t.Logf("fields %v %+v: %v", f, o, evalMat(all, cosMat(vectors(docs, o))))
		}
	}
}

func knnGraph(m mat, k int, pow float64) mat {
	n := len(m)
	w := make(mat, n)
	for i := range w {
		w[i] = make([]float64, n)
	}
	for i := range m {
		for _, j := range topK(m[i], i, k) {
			v := math.Pow(math.Max(m[i][j], 0), pow)
			w[i][j] = v
			w[j][i] = v
		}
	}
	return w
}

// manifold ranking: F = (I - αS)^-1, S = D^-1/2 W D^-1/2.
func manifold(m mat, k int, alpha, pow float64) mat {
	n := len(m)
	w := knnGraph(m, k, pow)
	d := make([]float64, n)
	for i := range w {
		for _, v := range w[i] {
			d[i] += v
		}
		d[i] = 1 / math.Sqrt(math.Max(d[i], 1e-12))
	}
	for i := range w {
		for j := range w[i] {
			w[i][j] *= d[i] * d[j]
		}
	}
	f := make(mat, n)
	for i := range f {
		f[i] = make([]float64, n)
		f[i][i] = 1
	}
	for it := 0; it < 60; it++ {
		g := make(mat, n)
		for i := range g {
			g[i] = make([]float64, n)
			for l, v := range w[i] {
				if v == 0 {
					continue
				}
				for j := range f[l] {
					g[i][j] += alpha * v * f[l][j]
				}
			}
			g[i][i] += 1
		}
		f = g
	}
	return f
}

func blend(a, b mat, l float64) mat {
	out := make(mat, len(a))
	for i := range a {
		out[i] = make([]float64, len(a))
		for j := range a[i] {
			out[i][j] = (1-l)*a[i][j] + l*b[i][j]
		}
	}
	return out
}

// rowNorm scales each row so its off-diagonal max is 1.
func rowNorm(m mat) mat {
	out := make(mat, len(m))
	for i := range m {
		var mx float64
		for j, v := range m[i] {
			if j != i && v > mx {
				mx = v
			}
		}
		out[i] = make([]float64, len(m))
		for j, v := range m[i] {
			if mx > 0 {
				out[i][j] = v / mx
			}
		}
	}
	return out
}

func TestExploreManifold(t *testing.T) {
	all, _, _ := loadAll(t)
	base := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	t.Logf("base %v", evalMat(all, base))
	for _, k := range []int{3, 5, 10, 20} {
		for _, a := range []float64{0.5, 0.8, 0.9, 0.99} {
			for _, p := range []float64{1, 2} {
				f := manifold(base, k, a, p)
				t.Logf("manifold k %d α %.2f pow %.0f: %v | blend .5 %v", k, a, p, evalMat(all, f), evalMat(all, blend(rowNorm(base), rowNorm(f), 0.5)))
			}
		}
	}
}

func TestExploreConfusion(t *testing.T) {
	all, _, _ := loadAll(t)
	m := indexMat(all, arabic.DefaultIndexOptions)
	conf := map[string]map[string]int{}
	for i, a := range all {
		if conf[a.topic] == nil {
			conf[a.topic] = map[string]int{}
		}
		for _, j := range topK(m[i], i, 3) {
			conf[a.topic][all[j].topic]++
		}
	}
	for tp, row := range conf {
		t.Logf("%-25s %v", tp, row)
	}
}

func jacobiEigenX(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	v := make([][]float64, n)
	for i := range v {
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 60; sweep++ {
		var off float64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-18 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-15 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p] = c*akp - s*akq
					a[k][q] = s*akp + c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = c*apk - s*aqk
					a[q][k] = s*apk + c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - s*vkq
					v[k][q] = s*vkp + c*vkq
				}
			}
		}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return a[idx[i]][idx[i]] > a[idx[j]][idx[j]] })
	vals := make([]float64, n)
	vecs := make([][]float64, n)
	for i := range vecs {
		vecs[i] = make([]float64, n)
	}
	for c, i := range idx {
		vals[c] = a[i][i]
		for k := 0; k < n; k++ {
			vecs[k][c] = v[k][i]
		}
	}
	return vals, vecs
}

func lsaMat(base mat, k int, scale float64) mat {
	n := len(base)
	a := make([][]float64, n)
	for i := range a {
		a[i] = append([]float64(nil), base[i]...)
	}
	vals, vecs := jacobiEigenX(a)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, k)
		var s float64
		for c := 0; c < k; c++ {
			d[i][c] = vecs[i][c] * math.Pow(math.Max(vals[c], 0), scale)
			s += d[i][c] * d[i][c]
		}
		s = math.Sqrt(s)
		for c := range d[i] {
			d[i][c] /= s
		}
	}
	out := make(mat, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out {
			for c := 0; c < k; c++ {
				out[i][j] += d[i][c] * d[j][c]
			}
		}
	}
	return out
}

func TestExploreLSA(t *testing.T) {
	all, _, _ := loadAll(t)
	base := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	t.Logf("base %v", evalMat(all, base))
	for _, k := range []int{10, 20, 30, 50, 80} {
		for _, sc := range []float64{0.5, 0.25} {
			l := lsaMat(base, k, sc)
			t.Logf("lsa k %d sc %.2f: %v | .2 %v | .4 %v", k, sc, evalMat(all, l), evalMat(all, blend(base, l, 0.2)), evalMat(all, blend(base, l, 0.4)))
		}
	}
}

// rrf: reciprocal rank fusion of the matrices' rankings.
func rrf(k float64, ms ...mat) mat {
	n := len(ms[0])
	out := make(mat, n)
	for i := range out {
		out[i] = make([]float64, n)
	}
	for _, m := range ms {
		for i := range m {
			for r, j := range topK(m[i], i, n-1) {
				out[i][j] += 1 / (k + float64(r+1))
			}
		}
	}
	return out
}

func TestExploreFusion(t *testing.T) {
	all, _, _ := loadAll(t)
	ix := indexMat(all, arabic.DefaultIndexOptions)
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	b2 := cosMat(vectors(fieldDocs(all, 1, 0, 0), wopt{idfPow: 0.5}))
	b3 := cosMat(vectors(fieldDocs(all, 1, 0, 0.5), wopt{idfPow: 0.5, maxDF: 0.2}))
	l20 := lsaMat(b1, 20, 0.5)
	l30 := lsaMat(b1, 30, 0.5)
	mf := manifold(b1, 3, 0.9, 1)
	for _, k := range []float64{5, 20, 60} {
		t.Logf("k %.0f ix+l20: %v", k, evalMat(all, rrf(k, ix, l20)))
		t.Logf("k %.0f ix+l20+l30: %v", k, evalMat(all, rrf(k, ix, l20, l30)))
		t.Logf("k %.0f ix+l20+l30+mf: %v", k, evalMat(all, rrf(k, ix, l20, l30, mf)))
		t.Logf("k %.0f ix+b1+b2+b3: %v", k, evalMat(all, rrf(k, ix, b1, b2, b3)))
		t.Logf("k %.0f all: %v", k, evalMat(all, rrf(k, ix, b1, b2, b3, l20, l30, mf)))
	}
}

// restrict keeps m's entries only on the top c of r's rows (others -inf).
func restrict(m, r mat, c int) mat {
	out := make(mat, len(m))
	for i := range m {
		out[i] = make([]float64, len(m))
		for j := range out[i] {
			out[i][j] = math.Inf(-1)
		}
		for _, j := range topK(r[i], i, c) {
			out[i][j] = m[i][j]
		}
	}
	return out
}

func TestExploreFusion2(t *testing.T) {
	all, _, _ := loadAll(t)
	ix := indexMat(all, arabic.DefaultIndexOptions)
	ix0 := func() mat { o := arabic.DefaultIndexOptions; o.Feedback = 0; return indexMat(all, o) }()
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	bi := cosMat(vectors(fieldDocs(all, 1, 0, 0), wopt{idfPow: 1}))
	for _, base := range []struct {
		n string
		m mat
	}{{"b1", b1}, {"idf1", bi}} {
		for _, k := range []int{15, 20, 25, 30, 40} {
			for _, sc := range []float64{0.5, 0.25} {
				l := lsaMat(base.m, k, sc)
				t.Logf("%s lsa %d sc %.2f: ix+l %v | ix0+l %v | c50 %v | c20 %v", base.n, k, sc, evalMat(all, rrf(20, ix, l)), evalMat(all, rrf(20, ix0, l)),
					evalMat(all, rrf(20, ix, restrict(l, ix, 50))), evalMat(all, rrf(20, ix, restrict(l, ix, 20))))
			}
		}
	}
}

func avgMat(ms ...mat) mat {
	n := len(ms[0])
	out := make(mat, n)
	for i := range out {
		out[i] = make([]float64, n)
		for _, m := range ms {
			for j := range m[i] {
				out[i][j] += m[i][j] / float64(len(ms))
			}
		}
	}
	return out
}

func TestExploreMultiK(t *testing.T) {
	all, _, _ := loadAll(t)
	ix := indexMat(all, arabic.DefaultIndexOptions)
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	bi := cosMat(vectors(fieldDocs(all, 1, 0, 0), wopt{idfPow: 1}))
	for _, base := range []struct {
		n string
		m mat
	}{{"b1", b1}, {"idf1", bi}} {
		for _, ks := range [][]int{{10, 20, 30, 40}, {10, 15, 20, 25, 30}, {15, 20, 25}, {20, 30, 40, 60}} {
			var ls []mat
			for _, k := range ks {
				ls = append(ls, lsaMat(base.m, k, 0.5))
			}
			l := avgMat(ls...)
			t.Logf("%s ks %v: l %v | ix+l %v | c50 %v", base.n, ks, evalMat(all, l), evalMat(all, rrf(20, ix, l)), evalMat(all, rrf(20, ix, restrict(l, ix, 50))))
		}
	}
}

func scoreMat(all []*article, o arabic.IndexOptions) mat {
	o.MinScore = 0
	ix := arabic.NewIndexWith(o)
	pos := map[string]int{}
	for i, a := range all {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
		pos[a.id] = i
	}
	m := make(mat, len(all))
	for i, a := range all {
		m[i] = make([]float64, len(all))
		for _, x := range ix.Related(a.id, len(all)) {
			m[i][pos[x.ID]] = x.Score
		}
	}
	return m
}

// curve: links = top 3 with m ≥ f; returns per half precision / coverage.
func shownAt(all []*article, m mat, f float64, rel float64) (po, co, pe, ce float64) {
	var ho, no, cvo, he, ne, cve, nqo, nqe float64
	for i, a := range all {
		idx := topK(m[i], i, 3)
		top := m[i][idx[0]]
		got := 0.0
		hit := 0.0
		for _, j := range idx {
			if m[i][j] < f || m[i][j] < rel*top {
				break
			}
			got++
			if all[j].topic == a.topic {
				hit++
			}
		}
		if a.num%2 == 1 {
			ho, no, nqo = ho+hit, no+got, nqo+1
			if got > 0 {
				cvo++
			}
		} else {
			he, ne, nqe = he+hit, ne+got, nqe+1
			if got > 0 {
				cve++
			}
		}
	}
	return ho / math.Max(no, 1), cvo / nqo, he / math.Max(ne, 1), cve / nqe
}

func floorReport(t *testing.T, name string, all []*article, m mat, rel float64) {
	var vals []float64
	for i := range m {
		for _, j := range topK(m[i], i, 3) {
			vals = append(vals, m[i][j])
		}
	}
	sort.Float64s(vals)
	chosen := false
	var at90 string
	for q := 0; q < len(vals); q += 3 {
		f := vals[q]
		po, co, pe, ce := shownAt(all, m, f, rel)
		if co >= 0.9 {
			at90 = fmt.Sprintf("floor %.3f: odd %.3f/%.3f even %.3f/%.3f", f, po, co, pe, ce)
		}
		if !chosen && po >= 0.9 {
			chosen = true
			t.Logf("%s rel %.2f: at odd cover≥.9 %s || chosen floor %.3f: odd %.3f/%.3f even %.3f/%.3f", name, rel, at90, f, po, co, pe, ce)
		}
	}
}

func multiLSA(base mat, ks []int) mat {
	var ls []mat
	for _, k := range ks {
		ls = append(ls, lsaMat(base, k, 0.5))
	}
	return avgMat(ls...)
}

func TestExploreFloor(t *testing.T) {
	all, _, _ := loadAll(t)
	sm := scoreMat(all, arabic.DefaultIndexOptions)
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	l := multiLSA(b1, []int{10, 15, 20, 25, 30})
	for _, lam := range []float64{0, 0.25, 0.5, 0.75, 1} {
		m := blend(sm, l, lam)
		t.Logf("λ %.2f: %v", lam, evalMat(all, m))
		for _, rel := range []float64{0, 0.8, 0.9} {
			floorReport(t, fmt.Sprintf("λ %.2f", lam), all, m, rel)
		}
	}
}

func TestExploreRestricted(t *testing.T) {
	all, _, _ := loadAll(t)
	sm := scoreMat(all, arabic.DefaultIndexOptions)
	ix := indexMat(all, arabic.DefaultIndexOptions)
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	for _, ks := range [][]int{{10, 15, 20, 25, 30}, {10, 20, 30}, {20}, {30}} {
		l := multiLSA(b1, ks)
		for _, lam := range []float64{0.25, 0.5, 0.75} {
			m := blend(sm, l, lam)
			t.Logf("ks %v λ %.2f: all %v | c10 %v | c20 %v | c50 %v", ks, lam, evalMat(all, m), evalMat(all, restrict(m, ix, 10)), evalMat(all, restrict(m, ix, 20)), evalMat(all, restrict(m, ix, 50)))
		}
	}
}

func lsaMatRaw(base mat, k int) mat {
	n := len(base)
	a := make([][]float64, n)
	for i := range a {
		a[i] = append([]float64(nil), base[i]...)
	}
	vals, vecs := jacobiEigenX(a)
	out := make(mat, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out {
			for c := 0; c < k; c++ {
				out[i][j] += vecs[i][c] * vecs[j][c] * math.Max(vals[c], 0)
			}
		}
	}
	return out
}

func TestExploreRaw(t *testing.T) {
	all, _, _ := loadAll(t)
	sm := scoreMat(all, arabic.DefaultIndexOptions)
	b1 := cosMat(vectors(fieldDocs(all, 1, 1, 0), wopt{idfPow: 0.5, maxDF: 0.2}))
	var ls []mat
	for _, k := range []int{10, 15, 20, 25, 30} {
		ls = append(ls, lsaMatRaw(b1, k))
	}
	l := avgMat(ls...)
	t.Logf("raw multi: %v", evalMat(all, l))
	for _, lam := range []float64{0.25, 0.5, 0.75} {
		t.Logf("raw λ %.2f %v", lam, evalMat(all, blend(sm, l, lam)))
	}
}

func TestExploreImpl(t *testing.T) {
	all, _, _ := loadAll(t)
	for _, lam := range []float64{0, 0.25, 0.5, 0.75, 1} {
		for _, fb := range []int{0, 2} {
			o := arabic.DefaultIndexOptions
			o.TopicWeight, o.Feedback = lam, fb
			t.Logf("λ %.2f fb %d: %v", lam, fb, evalMat(all, indexMat(all, o)))
		}
	}
}

func TestExploreImplFloor(t *testing.T) {
	all, odd, even := loadAll(t)
	byID := byIDs(all)
	for _, svd := range []struct {
		n string
		l func(int) int
		p int
	}{{"exact", func(int) int { return 1 << 20 }, 2}, {"rand l=2k+10 p=4", func(d int) int { return 2*d + 10 }, 4}} {
		arabic.SetTopicBuild(svd.l, svd.p)
		for _, lam := range []float64{0, 0.25, 0.5, 0.75, 1} {
			o := arabic.DefaultIndexOptions
			o.TopicWeight, o.MinScore = lam, 0
			links := linkSets(all, o)
			_, p3o := precision(odd, byID, func(a *article, k int) []string { return idsOf(links[a.id]) })
			_, p3e := precision(even, byID, func(a *article, k int) []string { return idsOf(links[a.id]) })
			chosen, at90 := "", ""
			for f := 0.0; f <= 1; f += 0.005 {
				po, co, _ := shown(odd, byID, links, f)
				pe, ce, _ := shown(even, byID, links, f)
				if co >= 0.9 {
					at90 = fmt.Sprintf("%.3f: odd %.3f/%.3f even %.3f/%.3f", f, po, co, pe, ce)
				}
				if chosen == "" && po >= 0.9 {
					chosen = fmt.Sprintf("%.3f: odd %.3f/%.3f even %.3f/%.3f", f, po, co, pe, ce)
				}
			}
			t.Logf("%s λ %.2f: P@3 odd %.3f even %.3f | odd-90%%-precision floor %s | odd-90%%-coverage floor %s", svd.n, lam, p3o, p3e, chosen, at90)
		}
	}
}

func idsOf(ms []arabic.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}
