package main

import (
	"math"
	"sort"
)

// jacobiEigen returns the eigenvalues (descending) and eigenvectors
// (columns of v) of the symmetric matrix a (destroyed).
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
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

// lsaSim returns the cosine of the documents' k-dimensional LSA vectors,
// from the Gram matrix of their unit tf-idf vectors.
func lsaSim(gram [][]float64, k int) [][]float64 {
	n := len(gram)
	a := make([][]float64, n)
	for i := range a {
		a[i] = append([]float64(nil), gram[i]...)
	}
	vals, vecs := jacobiEigen(a)
	k = min(k, n)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, k)
		var s float64
		for c := 0; c < k; c++ {
			d[i][c] = vecs[i][c] * math.Sqrt(math.Max(vals[c], 0))
			s += d[i][c] * d[i][c]
		}
		s = math.Sqrt(s)
		for c := range d[i] {
			d[i][c] /= s
		}
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out {
			var s float64
			for c := 0; c < k; c++ {
				s += d[i][c] * d[j][c]
			}
			out[i][j] = s
		}
	}
	return out
}
