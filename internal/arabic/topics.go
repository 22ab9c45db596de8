package arabic

import (
	"math"
	"runtime"
	"sort"
	"sync"
)

// topicModel is a latent semantic (LSA) model of the archive: the first
// singular vectors of the articles' unit tf·idf matrix, found by a
// randomized SVD. It gives every article a short vector of topic
// coordinates, so that two articles on one subject score as similar even
// when they share few words. The index rebuilds it when the archive has
// changed by a tenth (Index.RebuildTopics); articles added in between are
// folded in by projecting their vectors on the same basis, so the model
// is never more than a tenth of the archive out of date.
type topicModel struct {
	row   []int32   // by term id: the term's row in basis, -1 for none
	basis []float32 // dims values per row: the right singular vectors
	dims  int
	ends  []int // the prefixes whose cosines are averaged: 10, 15, …, dims
	live  int   // articles in the archive when the model was built
}

// topicPrefixEnds returns the prefixes of dims dimensions whose cosines
// are averaged: 10, 15, …, dims (dims alone under 10).
func topicPrefixEnds(dims int) []int {
	var ends []int
	for d := 1; d <= dims; d++ {
		if d >= 2*topicStep && d%topicStep == 0 || d == dims {
			ends = append(ends, d)
		}
	}
	return ends
}

// topicStep is the step between the topic dimensions whose cosines are
// averaged: with TopicDims 30, the cosines of the first 10, 15, 20, 25 and
// 30 dimensions (no single dimension count is best on EASC; their average
// is steadier than any of them).
const topicStep = 5

// topicPower is the number of power iterations of the randomized SVD, and
// topicL the width of its sketch for dims dimensions. On EASC twelve
// iterations give the same model as the exact SVD; four do not (the
// spectrum of a small archive is flat, and the last dimensions count).
const topicPower = 12

func topicL(dims int) int { return 2*dims + 10 }

// topicVec is an article's topic coordinates with the inverse lengths of
// their prefixes of 10, 15, …, dims dimensions, so that a similarity costs
// one pass over the coordinates.
type topicVec struct {
	x   []float32
	inv []float32 // by prefix; 0 for a prefix of length 0
}

// topicInput is what a build needs of the archive: a snapshot that
// shares the indexed articles' term lists (immutable once indexed) and
// copies only what changes as articles arrive, so that it can be read
// without the index's lock. An article's unit tf·idf weight for its i-th
// term t is ws[i]·idf[t]·scale; the terms that count (idf > 0) are
// numbered densely by row, the build's per-term rows covering only them.
type topicInput struct {
	docs  []topicDoc
	idf   []float64 // by term id
	row   []int32   // by term id: its dense number, -1 for a term that counts for nothing
	nrows int
}

type topicDoc struct {
	n     int32 // doc number in the index
	terms []int32
	ws    []float32
	scale float64 // 1 / the article's tf·idf length
}

// buildTopics computes the model from the articles' unit vectors by a
// randomized SVD (Halko, Martinsson & Tropp 2011: a Gaussian sketch,
// topicPower steps of subspace iteration, then the exact eigen-decomposition of the
// small projected Gram matrix). The sketch is drawn from a hash of the
// term number, so the same archive gives the same model on every run.
// It returns the basis by dense term number, nterms rows of the model's
// dims values.
func buildTopics(in *topicInput, dims int) (basis []float32, k int) {
	n, nterms := len(in.docs), in.nrows
	l := min(topicL(dims), n)
	if n < 2 || l < 1 {
		return nil, 0
	}
	// Y = X Ω, n × l, with Ω drawn per term into z's rows.
	z := newDense(nterms, l)
	for t, row := range z {
		for j := range row {
			row[j] = gaussian(int32(t), j)
		}
	}
	y := newDense(n, l)
	in.xMul(z, y)
	orthonormalise(y)
	// Subspace iteration on X Xᵀ: Q ← orth(X Xᵀ Q).
	for range topicPower {
		in.xtMul(y, z)
		in.xMul(z, y)
		orthonormalise(y)
	}
	// Bᵀ = Xᵀ Q (nterms × l); B Bᵀ = W Λ Wᵀ, σ = √λ; V = Bᵀ W Σ⁻¹.
	in.xtMul(y, z)
	c := newDense(l, l)
	for _, row := range z {
		for a, va := range row {
			if va == 0 {
				continue
			}
			for b := range row {
				c[a][b] += va * row[b]
			}
		}
	}
	vals, vecs := jacobiEigen(c)
	k = min(dims, l)
	for k > 0 && vals[k-1] <= 1e-12 {
		k--
	}
	if k == 0 {
		return nil, 0
	}
	basis = make([]float32, nterms*k)
	for t, row := range z {
		v := basis[t*k : (t+1)*k]
		for a := range k {
			var s float64
			for b, w := range row {
				s += w * vecs[b][a]
			}
			v[a] = float32(s / math.Sqrt(vals[a]))
		}
	}
	return basis, k
}

// project returns the topic coordinates of an article with the given
// terms and weights (any scale: only their direction is used); terms the
// model does not know count for nothing.
func (m *topicModel) project(terms []int32, w func(i int) float64) topicVec {
	v := topicVec{x: make([]float32, m.dims), inv: make([]float32, len(m.ends))}
	m.projectInto(v, terms, w)
	return v
}

// projectInto is project writing into v, whose slices have the model's
// lengths and are zero.
func (m *topicModel) projectInto(v topicVec, terms []int32, w func(i int) float64) {
	x := v.x[:m.dims]
	for i, t := range terms {
		if int(t) < len(m.row) && m.row[t] >= 0 {
			off := int(m.row[t]) * m.dims
			wi := float32(w(i))
			for j, b := range m.basis[off : off+m.dims] {
				x[j] += wi * b
			}
		}
	}
	var n float64
	start := 0
	for p, end := range m.ends {
		for _, c := range x[start:end] {
			n += float64(c) * float64(c)
		}
		start = end
		if n > 0 {
			v.inv[p] = float32(1 / math.Sqrt(n))
		}
	}
}

// sim is the mean of the cosines of a and (x, inv) over the prefixes
// m.ends (0 when either is empty, never below 0). It is the inner loop of
// a scan of the whole archive.
func (m *topicModel) sim(a topicVec, x, inv []float32) float64 {
	n := len(m.ends)
	if len(a.x) != len(x) || len(a.inv) != n || len(inv) != n {
		return 0
	}
	ax := a.x[:len(x)]
	var dot, sum float32
	start := 0
	for p, end := range m.ends {
		for j, c := range x[start:end] {
			dot += ax[start+j] * c
		}
		sum += dot * a.inv[p] * inv[p]
		start = end
	}
	return max(float64(sum)/float64(n), 0)
}

// simVec is sim for two topic vectors.
func (m *topicModel) simVec(a, b topicVec) float64 { return m.sim(a, b.x, b.inv) }

func newDense(r, c int) [][]float64 {
	back := make([]float64, r*c)
	m := make([][]float64, r)
	for i := range m {
		m[i] = back[i*c : (i+1)*c : (i+1)*c]
	}
	return m
}

// xtMul sets z = Xᵀ y (z has a row per counted term). The work is split
// by term rows between the processors: each reads every article and adds
// only into its own rows.
func (in *topicInput) xtMul(y, z [][]float64) {
	parallel(len(z), func(lo, hi int) {
		for _, row := range z[lo:hi] {
			clear(row)
		}
		for i, d := range in.docs {
			for k, t := range d.terms {
				r := int(in.row[t])
				if r < lo || r >= hi {
					continue
				}
				w, row := float64(d.ws[k])*in.idf[t]*d.scale, z[r]
				for j, v := range y[i] {
					row[j] += w * v
				}
			}
		}
	})
}

// xMul sets y = X z, the articles split between the processors.
func (in *topicInput) xMul(z, y [][]float64) {
	parallel(len(y), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, row := in.docs[i], y[i]
			clear(row)
			for k, t := range d.terms {
				r := in.row[t]
				if r < 0 {
					continue
				}
				w := float64(d.ws[k]) * in.idf[t] * d.scale
				for j, v := range z[r] {
					row[j] += w * v
				}
			}
		}
	})
}

// parallel runs f over [0, n) cut into one range per processor.
func parallel(n int, f func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	var wg sync.WaitGroup
	for w := range p {
		wg.Go(func() { f(n*w/p, n*(w+1)/p) })
	}
	wg.Wait()
}

// orthonormalise makes the columns of m (n × l, row-major) orthonormal by
// Cholesky QR, done twice for stability (CholeskyQR2): G = mᵀm = RᵀR, then
// m ← m R⁻¹, row by row. A column that depends on the earlier ones is
// left zero.
func orthonormalise(m [][]float64) {
	if len(m) == 0 {
		return
	}
	l := len(m[0])
	g := newDense(l, l)
	for pass := 0; pass < 2; pass++ {
		for _, row := range g {
			clear(row)
		}
		for _, row := range m {
			for a, va := range row {
				if va == 0 {
					continue
				}
				ga := g[a]
				for b := a; b < l; b++ {
					ga[b] += va * row[b]
				}
			}
		}
		// Cholesky, upper: g ← R with Rᵀ R = G; a pivot that vanishes
		// (relative to the column's own length) marks a dependent column.
		r := g
		for j := 0; j < l; j++ {
			d := r[j][j]
			for p := 0; p < j; p++ {
				d -= r[p][j] * r[p][j]
			}
			if d <= 1e-12*g[j][j] || d <= 0 {
				for b := j; b < l; b++ {
					r[j][b] = 0
				}
				continue
			}
			d = math.Sqrt(d)
			r[j][j] = d
			for b := j + 1; b < l; b++ {
				v := r[j][b]
				for p := 0; p < j; p++ {
					v -= r[p][j] * r[p][b]
				}
				r[j][b] = v / d
			}
		}
		// m ← m R⁻¹: forward substitution on each row.
		for _, row := range m {
			for b := 0; b < l; b++ {
				if r[b][b] == 0 {
					row[b] = 0
					continue
				}
				v := row[b]
				for p := 0; p < b; p++ {
					v -= row[p] * r[p][b]
				}
				row[b] = v / r[b][b]
			}
		}
	}
}

// gaussian is a standard normal number drawn from a hash of (t, j).
func gaussian(t int32, j int) float64 {
	h := mix64(uint64(uint32(t))<<20 ^ uint64(j) ^ 0x9e3779b97f4a7c15)
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := (float64(mix64(h)>>11) + 0.5) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// jacobiEigen returns the eigenvalues (descending) and eigenvectors
// (columns of the second result) of the small symmetric matrix a, which it
// destroys.
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	v := newDense(n, n)
	for i := range v {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 60; sweep++ {
		var off float64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-22 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
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
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a[idx[i]][idx[i]] > a[idx[j]][idx[j]] })
	vals := make([]float64, n)
	vecs := newDense(n, n)
	for c, i := range idx {
		vals[c] = a[i][i]
		for k := 0; k < n; k++ {
			vecs[k][c] = v[k][i]
		}
	}
	return vals, vecs
}
