package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/nashra/nashra/internal/arabic"
)

// unitVectors returns the articles' unit tf·idf vectors (dense, by term id)
// with the fields and idf of variant v.
func unitVectors(v variant, pool []*article) [][]float64 {
	ids := map[string]int{}
	type tfv struct {
		t []int
		f []float64
	}
	raw := make([]tfv, len(pool))
	var df []float64
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
		}
	}
	n := float64(len(pool))
	out := make([][]float64, len(pool))
	for i, r := range raw {
		x := make([]float64, len(df))
		var s float64
		for j, t := range r.t {
			d := df[t]
			if d <= 1 || v.maxDF > 0 && d/n > v.maxDF {
				continue
			}
			f := r.f[j]
			w := 1 + math.Log(f)
			if f < 1 {
				w = f
			}
			w *= math.Pow(math.Log((n+1)/d), v.idfPow)
			x[t] = w
			s += w * w
		}
		if s > 0 {
			s = math.Sqrt(s)
			for t := range x {
				x[t] /= s
			}
		}
		out[i] = x
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func unitize(x []float64) []float64 {
	s := math.Sqrt(dot(x, x))
	if s > 0 {
		for i := range x {
			x[i] /= s
		}
	}
	return x
}

// lsaFold returns every article's k-dimensional LSA vector (unit), the
// basis computed from the articles in basis only and the others folded in
// (U_kᵀx = Σ_k⁻¹V_kᵀAᵀx), as an index whose basis is rebuilt from time to
// time would hold them.
func lsaFold(vec [][]float64, basis []int, k int) [][]float64 {
	m := len(basis)
	g := make([][]float64, m)
	for i := range g {
		g[i] = make([]float64, m)
		for j := range g[i] {
			g[i][j] = dot(vec[basis[i]], vec[basis[j]])
		}
	}
	vals, vecs := jacobiEigen(g)
	k = min(k, m)
	out := make([][]float64, len(vec))
	for x := range vec {
		gx := make([]float64, m)
		for i, b := range basis {
			gx[i] = dot(vec[x], vec[b])
		}
		c := make([]float64, k)
		for j := 0; j < k; j++ {
			if vals[j] <= 1e-12 {
				continue
			}
			var s float64
			for i := range gx {
				s += vecs[i][j] * gx[i]
			}
			c[j] = s / math.Sqrt(vals[j])
		}
		out[x] = unitize(c)
	}
	return out
}

// conceptVectors: spherical k-means (k clusters, fixed seed) over the unit
// vectors; an article's concept vector is its cosines with the centroids
// (Karypis & Han's concept indexing), unit length.
func conceptVectors(vec [][]float64, k int, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	n := len(vec)
	cent := make([][]float64, k)
	for i, p := range r.Perm(n)[:k] {
		cent[i] = append([]float64(nil), vec[p]...)
	}
	assign := make([]int, n)
	for it := 0; it < 20; it++ {
		for x := range vec {
			best, bs := 0, -1.0
			for c := range cent {
				if s := dot(vec[x], cent[c]); s > bs {
					best, bs = c, s
				}
			}
			assign[x] = best
		}
		for c := range cent {
			for t := range cent[c] {
				cent[c][t] = 0
			}
		}
		for x, c := range assign {
			for t, w := range vec[x] {
				cent[c][t] += w
			}
		}
		for c := range cent {
			unitize(cent[c])
		}
	}
	out := make([][]float64, n)
	for x := range vec {
		c := make([]float64, k)
		for j := range cent {
			c[j] = dot(vec[x], cent[j])
		}
		out[x] = unitize(c)
	}
	return out
}

// riVectors returns random-indexing document vectors (Kanerva, Sahlgren):
// every article d has a random ±1 vector r_d of D dimensions, every term a
// context vector c_t = Σ_d x_dt·r_d (x = unit tf·idf vectors), and an
// article's vector is Σ_t x_at·c_t = Σ_d G_ad·r_d (G = the Gram matrix), a
// random projection of its row of similarities: fully incremental (Add
// adds r_d to its terms' context vectors, Remove subtracts it). loo leaves
// the article's own r_a out (the d = a term, which otherwise dominates and
// makes the vector a noisy copy of the first-order similarity).
func riVectors(vec [][]float64, dims int, seed uint64, loo bool) [][]float64 {
	n := len(vec)
	r := rand.New(rand.NewPCG(seed, 11))
	rv := make([][]float64, n)
	for d := range rv {
		rv[d] = make([]float64, dims)
		for j := range rv[d] {
			rv[d][j] = float64(2*r.IntN(2) - 1)
		}
	}
	out := make([][]float64, n)
	for a := range vec {
		x := make([]float64, dims)
		for d := range vec {
			if loo && d == a {
				continue
			}
			g := dot(vec[a], vec[d])
			for j := range x {
				x[j] += g * rv[d][j]
			}
		}
		out[a] = unitize(x)
	}
	return out
}

// exploreLSARerank re-ranks the index's best candidates by
// score + λ·cos of a dense second representation (LSA with the basis from
// all or from a random 90% of the archive, or concept indexing), the whole
// corpus as archive. Choose on the odd column only.
//
//	go run ./bench/easc -explore-lsa
func exploreLSARerank(out io.Writer, all, odd, even []*article) {
	byID := byIDs(all)
	pos := map[string]int{}
	for i, a := range all {
		pos[a.id] = i
	}
	ix := arabic.NewIndexWith(indexOpts)
	for _, a := range all {
		ix.Add(arabic.Doc{ID: a.id, Text: a.text})
	}
	base := variant{stem: 1, surf: 1, pref: 1, idfPow: 0.5, maxDF: 0.2, normPow: 1}
	vecs := map[string][][]float64{}
	for _, fields := range []string{"stem", "all"} {
		v := base
		if fields == "stem" {
			v.surf, v.pref = 0, 0
		}
		vecs[fields] = unitVectors(v, all)
	}
	evalDense := func(d [][]float64, n int, l float64) (o1, o3, e1, e3 float64) {
		f := func(a *article, k int) []string {
			ms := ix.Related(a.id, n)
			var c []sc
			for _, m := range ms {
				s := m.Score
				if d != nil {
					s += l * dot(d[pos[a.id]], d[pos[m.ID]])
				}
				c = append(c, sc{m.ID, s})
			}
			return topIDs(c, k)
		}
		o1, o3 = precision(odd, byID, f)
		e1, e3 = precision(even, byID, f)
		return
	}
	fmt.Fprintf(out, "%-48s %-14s %-14s\n", "re-rank of the index's top N (corpus)", "odd", "even *")
	o1, o3, e1, e3 := evalDense(nil, 3, 0)
	fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n", "default", o1, o3, e1, e3)
	allIdx := make([]int, len(all))
	for i := range allIdx {
		allIdx[i] = i
	}
	r := rand.New(rand.NewPCG(1, 2))
	sub := r.Perm(len(all))[:len(all)*9/10]
	sort.Ints(sub)
	for _, fields := range []string{"stem", "all"} {
		for _, k := range []int{10, 20, 40} {
			for _, bs := range []struct {
				name string
				b    []int
			}{{"basis all", allIdx}, {"basis 90%", sub}} {
				d := lsaFold(vecs[fields], bs.b, k)
				for _, n := range []int{10, 20} {
					for _, l := range []float64{0.1, 0.2, 0.4} {
						o1, o3, e1, e3 := evalDense(d, n, l)
						fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n",
							fmt.Sprintf("LSA %s k %d %s top %d × %.1f", fields, k, bs.name, n, l), o1, o3, e1, e3)
					}
				}
			}
		}
		for _, dims := range []int{128, 512} {
			for _, loo := range []bool{false, true} {
				for _, l := range []float64{0.1, 0.2, 0.4} {
					var s [4]float64
					for seed := uint64(1); seed <= 3; seed++ {
						d := riVectors(vecs[fields], dims, seed, loo)
						a, b, c, e := evalDense(d, 20, l)
						s[0], s[1], s[2], s[3] = s[0]+a, s[1]+b, s[2]+c, s[3]+e
					}
					fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n",
						fmt.Sprintf("RI %s %d dims loo %v top 20 × %.1f (3 seeds)", fields, dims, loo, l), s[0]/3, s[1]/3, s[2]/3, s[3]/3)
				}
			}
		}
		for _, k := range []int{10, 20, 40} {
			for _, n := range []int{10, 20} {
				for _, l := range []float64{0.1, 0.2, 0.4} {
					var s [4]float64
					for seed := uint64(1); seed <= 3; seed++ {
						d := conceptVectors(vecs[fields], k, seed)
						a, b, c, e := evalDense(d, n, l)
						s[0], s[1], s[2], s[3] = s[0]+a, s[1]+b, s[2]+c, s[3]+e
					}
					fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n",
						fmt.Sprintf("concepts %s k %d top %d × %.1f (3 seeds)", fields, k, n, l), s[0]/3, s[1]/3, s[2]/3, s[3]/3)
				}
			}
		}
	}
}
