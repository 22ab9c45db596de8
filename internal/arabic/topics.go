package arabic

import (
	"math"
	"sort"
)

// topicModel is a latent semantic (LSA) model of the archive: the first
// singular vectors of the articles' unit tf·idf matrix, found by a
// randomized SVD. It gives every article a short vector of topic
// coordinates, so that two articles on one subject score as similar even
// when they share few words. It is rebuilt when the archive has changed by
// a tenth (see Index.RebuildTopics); articles added in between are folded
// in by projecting their vectors on the same basis.
type topicModel struct {
	basis map[int32][]float32 // term id → its row of the right singular vectors
	dims  int
	live  int // articles in the archive when the model was built
}

// topicStep is the step between the topic dimensions whose cosines are
// averaged: with TopicDims 30, the cosines of the first 10, 15, 20, 25 and
// 30 dimensions (no single dimension count is best on EASC; their average
// is steadier than any of them).
const topicStep = 5

// topicInput is what a build needs of one article: its kept terms and
// their unit tf·idf weights. Entries are immutable once indexed, so a
// snapshot of them can be read without the index's lock.
type topicInput struct {
	terms []int32
	ws    []float64
}

// buildTopics computes the model from the articles' unit vectors by a
// randomized SVD (Halko, Martinsson & Tropp 2011: a Gaussian sketch, two
// power iterations, then the exact SVD of the small projected matrix). The
// sketch is drawn from a hash of the term id, so the same archive gives
// the same model on every run.
func buildTopics(docs []topicInput, nterms, dims, live int) *topicModel {
	n := len(docs)
	l := min(topicL(dims), n)
	if n < 2 || l < 1 {
		return nil
	}
	// Y = X Ω, n × l.
	y := newDense(n, l)
	for i, d := range docs {
		row := y[i]
		for k, t := range d.terms {
			w := d.ws[k]
			for j := range row {
				row[j] += w * gaussian(t, j)
			}
		}
	}
	orthonormalise(y)
	z := newDense(nterms, l)
	for it := 0; it < topicPower; it++ {
		xtMul(docs, y, z)
		orthonormalise(z)
		xMul(docs, z, y)
		orthonormalise(y)
	}
	// Bᵀ = Xᵀ Q (nterms × l); B Bᵀ = W Λ Wᵀ, σ = √λ; V = Bᵀ W Σ⁻¹.
	xtMul(docs, y, z)
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
	k := min(dims, l)
	m := &topicModel{basis: map[int32][]float32{}, dims: k, live: live}
	for t, row := range z {
		var v []float32
		for a := 0; a < k; a++ {
			if vals[a] <= 1e-12 {
				break
			}
			var s float64
			for b, w := range row {
				s += w * vecs[b][a]
			}
			if v == nil {
				v = make([]float32, k)
			}
			v[a] = float32(s / math.Sqrt(vals[a]))
		}
		if v != nil {
			m.basis[int32(t)] = v
		}
	}
	return m
}

// project returns the topic coordinates of an article with the given
// terms and weights (any scale: only their direction is used).
func (m *topicModel) project(terms []int32, ws []float64) []float32 {
	out := make([]float32, m.dims)
	for i, t := range terms {
		if v := m.basis[t]; v != nil {
			w := float32(ws[i])
			for j, x := range v {
				out[j] += w * x
			}
		}
	}
	return out
}

// topicSim is the mean of the cosines of a and b over their first 10, 15,
// …, len dimensions (0 when either is empty).
func topicSim(a, b []float32) float64 {
	var dot, na, nb, sum float64
	cnt := 0
	for j := range a {
		dot += float64(a[j]) * float64(b[j])
		na += float64(a[j]) * float64(a[j])
		nb += float64(b[j]) * float64(b[j])
		if d := j + 1; d >= 2*topicStep && d%topicStep == 0 || d == len(a) {
			if na > 0 && nb > 0 {
				sum += dot / math.Sqrt(na*nb)
			}
			cnt++
		}
	}
	if cnt == 0 {
		return 0
	}
	return max(sum/float64(cnt), 0)
}

func newDense(r, c int) [][]float64 {
	back := make([]float64, r*c)
	m := make([][]float64, r)
	for i := range m {
		m[i] = back[i*c : (i+1)*c : (i+1)*c]
	}
	return m
}

// xtMul sets z = Xᵀ y (z has a row per term).
func xtMul(docs []topicInput, y, z [][]float64) {
	for _, row := range z {
		clear(row)
	}
	for i, d := range docs {
		for k, t := range d.terms {
			w, row := d.ws[k], z[t]
			for j, v := range y[i] {
				row[j] += w * v
			}
		}
	}
}

// xMul sets y = X z.
func xMul(docs []topicInput, z, y [][]float64) {
	for i, d := range docs {
		row := y[i]
		clear(row)
		for k, t := range d.terms {
			w := d.ws[k]
			for j, v := range z[t] {
				row[j] += w * v
			}
		}
	}
}

// orthonormalise makes the columns of m orthonormal (modified Gram-Schmidt,
// twice for stability); a column that vanishes is left zero.
func orthonormalise(m [][]float64) {
	if len(m) == 0 {
		return
	}
	cols := len(m[0])
	for pass := 0; pass < 2; pass++ {
		for j := 0; j < cols; j++ {
			for p := 0; p < j; p++ {
				var d float64
				for _, row := range m {
					d += row[j] * row[p]
				}
				for _, row := range m {
					row[j] -= d * row[p]
				}
			}
			var s float64
			for _, row := range m {
				s += row[j] * row[j]
			}
			s = math.Sqrt(s)
			for _, row := range m {
				if s > 1e-12 {
					row[j] /= s
				} else {
					row[j] = 0
				}
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

var topicPower = 8

var topicL = func(dims int) int { return 2*dims + 10 }

// SetTopicBuild is for the exploration only.
func SetTopicBuild(l func(int) int, power int) { topicL, topicPower = l, power }
