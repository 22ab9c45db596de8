package arabic

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestOrthonormalise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, l = 200, 12
	m := newDense(n, l)
	for _, row := range m {
		for j := range row {
			row[j] = r.NormFloat64() * float64(j+1) // columns of unequal length
		}
		row[5] = row[2] - 3*row[3] // a dependent column
	}
	orig := newDense(n, l)
	for i := range m {
		copy(orig[i], m[i])
	}
	orthonormalise(m)
	for a := 0; a < l; a++ {
		for b := 0; b < l; b++ {
			var d float64
			for _, row := range m {
				d += row[a] * row[b]
			}
			want := 0.0
			if a == b && a != 5 {
				want = 1
			}
			if math.Abs(d-want) > 1e-9 {
				t.Errorf("column %d · column %d = %g, want %g", a, b, d, want)
			}
		}
	}
	// The columns still span the original ones.
	for j := 0; j < l; j++ {
		var resid float64
		for i := range m {
			v := orig[i][j]
			for a := 0; a < l; a++ {
				var c float64
				for k := range m {
					c += m[k][a] * orig[k][j]
				}
				v -= c * m[i][a]
			}
			resid += v * v
		}
		if resid > 1e-12 {
			t.Errorf("column %d is not in the span of the result (residual %g)", j, resid)
		}
	}
}

// randomInput is a sparse archive of n articles over nterms terms drawn
// from five topics (so that its spectrum decays as a real archive's does),
// with unit rows.
func randomInput(n, nterms int) *topicInput {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	in := &topicInput{idf: make([]float64, nterms), row: make([]int32, nterms), nrows: nterms}
	for t := range nterms {
		in.idf[t], in.row[t] = 1, int32(t)
	}
	for range n {
		topic := r.IntN(5)
		tf := map[int32]float32{}
		for range 25 {
			t := int32(r.IntN(nterms))
			if r.IntN(3) > 0 {
				t = int32(topic*nterms/5 + r.IntN(nterms/10))
			}
			tf[t] += 1 + r.Float32()
		}
		var d topicDoc
		for t := range tf {
			d.terms = append(d.terms, t)
		}
		slices.Sort(d.terms)
		var s float64
		for _, t := range d.terms {
			d.ws = append(d.ws, tf[t])
			s += float64(tf[t]) * float64(tf[t])
		}
		d.scale = 1 / math.Sqrt(s)
		in.docs = append(in.docs, d)
	}
	return in
}

// exactSpectrum returns the singular values of in's matrix, largest
// first, from the eigenvalues of X Xᵀ.
func exactSpectrum(in *topicInput) []float64 {
	n := len(in.docs)
	x := newDense(n, in.nrows)
	for i, d := range in.docs {
		for k, t := range d.terms {
			x[i][t] = float64(d.ws[k]) * d.scale
		}
	}
	g := newDense(n, n)
	for i := range n {
		for j := range n {
			for t := range x[i] {
				g[i][j] += x[i][t] * x[j][t]
			}
		}
	}
	vals, _ := jacobiEigen(g)
	for i, v := range vals {
		vals[i] = math.Sqrt(max(v, 0))
	}
	return vals
}

// TestBuildTopicsMatchesExactSVD checks the randomized SVD against the
// exact one: the basis is orthonormal, and X times each basis vector has
// the length of the matching singular value.
func TestBuildTopicsMatchesExactSVD(t *testing.T) {
	for _, c := range []struct{ n, nterms, dims int }{
		{40, 120, 30},  // fewer articles than the sketch is wide: exact
		{300, 400, 30}, // a sketch narrower than the archive: randomized
	} {
		in := randomInput(c.n, c.nterms)
		basis, k := buildTopics(in, c.dims)
		if k != c.dims {
			t.Fatalf("%d articles: %d dimensions, want %d", c.n, k, c.dims)
		}
		want := exactSpectrum(in)
		for a := range k {
			for b := range k {
				var d float64
				for tm := range c.nterms {
					d += float64(basis[tm*k+a]) * float64(basis[tm*k+b])
				}
				if w := map[bool]float64{true: 1, false: 0}[a == b]; math.Abs(d-w) > 1e-4 {
					t.Errorf("%d articles: basis %d · basis %d = %g, want %g", c.n, a, b, d, w)
				}
			}
			var s float64
			for _, d := range in.docs {
				var p float64
				for i, tm := range d.terms {
					p += float64(d.ws[i]) * d.scale * float64(basis[int(tm)*k+a])
				}
				s += p * p
			}
			if got := math.Sqrt(s); math.Abs(got-want[a]) > 1e-3*want[0] {
				t.Errorf("%d articles: singular value %d = %.5f, exact %.5f", c.n, a, got, want[a])
			}
		}
	}
}

// TestTopicModelLifecycle checks when the model is built, that articles
// added in between are folded in, that it is rebuilt once the archive has
// changed by a tenth, and that the same archive gives the same model.
func TestTopicModelLifecycle(t *testing.T) {
	docs := syntheticArchive(130)
	o := DefaultIndexOptions
	o.TopicMinDocs = 90
	ix := NewIndexWith(o)
	for _, d := range docs[:89] {
		ix.Add(d)
	}
	ix.Related(docs[0].ID, 3)
	if ix.topics != nil {
		t.Fatal("a topic model was built under TopicMinDocs articles")
	}
	ix.Add(docs[89])
	ix.Related(docs[0].ID, 3)
	if ix.topics == nil || ix.topics.live != 90 {
		t.Fatalf("no model of 90 articles after the 90th: %+v", ix.topics)
	}
	for _, d := range docs[90:99] {
		ix.Add(d)
	}
	ix.Related(docs[0].ID, 3)
	if ix.topics.live != 90 {
		t.Errorf("rebuilt after 9 more articles (live %d), want the model of 90 kept", ix.topics.live)
	}
	for n, e := range ix.docs {
		if v := ix.topicOf(int32(n)); len(v.inv) == 0 || slices.Max(v.inv) == 0 {
			t.Errorf("%s has no topic coordinates", e.id)
		}
	}
	for _, d := range docs[99:111] {
		ix.Add(d)
	}
	ix.Related(docs[0].ID, 3)
	if ix.topics.live != 111 {
		t.Errorf("model of %d articles after 111 (a tenth more), want it rebuilt", ix.topics.live)
	}
	for _, d := range docs[:12] {
		ix.Remove(d.ID)
	}
	ix.Related(docs[20].ID, 3)
	if ix.topics.live != 99 {
		t.Errorf("model of %d articles after 12 of 111 removed, want it rebuilt on 99", ix.topics.live)
	}

	build := func() *Index {
		x := NewIndexWith(o)
		for _, d := range docs[12:111] {
			x.Add(d)
		}
		x.RebuildTopics()
		return x
	}
	one, other := build(), build()
	for _, d := range docs[12:111] {
		a, b := one.topicOf(one.byID[d.ID]), other.topicOf(other.byID[d.ID])
		if !slices.Equal(a.x, b.x) {
			t.Fatalf("%s: different coordinates from two builds of the same archive", d.ID)
		}
	}
}

// TestRelatedWithTopics checks a related list with the topic model on: the
// floor and the reported score stay the plain cosine of the index without
// the model, the list is in topic order, and a query by text finds what
// the same article finds by its ID.
func TestRelatedWithTopics(t *testing.T) {
	docs := syntheticArchive(400)
	o := DefaultIndexOptions
	o.MinScore = 0.05
	ix := NewIndexWith(o)
	plainOpt := o
	plainOpt.TopicWeight, plainOpt.MinScore = 0, 0
	plain := NewIndexWith(plainOpt)
	for _, d := range docs {
		ix.Add(d)
		plain.Add(d)
	}
	ix.RebuildTopics()
	links := 0
	for q := 0; q < len(docs); q += 10 {
		id := docs[q].ID
		got := ix.Related(id, 3)
		links += len(got)
		cos := map[string]float64{}
		for _, m := range plain.Related(id, 400) {
			cos[m.ID] = m.Score
		}
		self := ix.topicOf(ix.byID[id])
		prev := math.Inf(1)
		for _, m := range got {
			if m.Score < o.MinScore {
				t.Errorf("%s → %s: score %.3f under the floor %.2f", id, m.ID, m.Score, o.MinScore)
			}
			if c, ok := cos[m.ID]; !ok || math.Abs(c-m.Score) > 1e-6 {
				t.Errorf("%s → %s: score %.4f, the plain cosine is %.4f (%v)", id, m.ID, m.Score, c, ok)
			}
			ts := ix.topics.simVec(self, ix.topicOf(ix.byID[m.ID]))
			if ts > prev+1e-9 {
				t.Errorf("%s: %s (topic similarity %.4f) after a match with %.4f", id, m.ID, ts, prev)
			}
			prev = ts
		}
		d := docs[q]
		d.ID = "copy of " + d.ID
		if byText := ix.RelatedText(d, 3); !slices.Equal(ids(byText), ids(got)) {
			t.Errorf("%s: by text %v, by ID %v", id, ids(byText), ids(got))
		}
	}
	if links == 0 {
		t.Fatal("no links at all: the test checks nothing")
	}
}

// TestTopicVocabularyCap checks that a capped model keeps the terms found
// in the most articles, and only those.
func TestTopicVocabularyCap(t *testing.T) {
	o := DefaultIndexOptions
	o.TopicMaxTerms = 50
	ix := NewIndexWith(o)
	for _, d := range syntheticArchive(150) {
		ix.Add(d)
	}
	ix.RebuildTopics()
	var kept, dropped []int32
	for tm, r := range ix.topics.row {
		if r >= 0 {
			kept = append(kept, int32(tm))
		} else if ix.idf(int32(tm)) > 0 {
			dropped = append(dropped, int32(tm))
		}
	}
	if len(kept) != 50 || len(dropped) == 0 {
		t.Fatalf("%d terms kept, %d counted terms dropped; want 50 and some", len(kept), len(dropped))
	}
	least := slices.MinFunc(kept, func(a, b int32) int { return int(ix.df[a] - ix.df[b]) })
	for _, tm := range dropped {
		if ix.df[tm] > ix.df[least] {
			t.Fatalf("a term of %d articles dropped while one of %d is kept", ix.df[tm], ix.df[least])
		}
	}
	if got := len(ix.topics.basis); got != 50*ix.topics.dims {
		t.Errorf("basis of %d values, want 50 rows of %d", got, ix.topics.dims)
	}
}
