package arabic

import (
	"container/heap"
	"math"
	"sort"
)

type qterm struct {
	id int32
	w  float64 // query weight: (1+ln tf)·idf
}

type scratch struct {
	acc     []float32
	touched []int32
	dense   []float32 // query weights by term id (full scan)
}

// Related returns up to k articles most related to the indexed article id,
// best first, scoring at least MinScore, leaving out the article itself,
// its near-duplicates and other versions of it (and keeping only one of
// several copies of another story). It returns nil when id is not in the
// index or nothing scores above the floor.
func (ix *Index) Related(id string, k int) []Match {
	return ix.related(id, Doc{}, k, false)
}

// RelatedText is Related for an article that is not (or not yet) in the
// index; an indexed article with the same ID is left out of the result.
func (ix *Index) RelatedText(d Doc, k int) []Match {
	return ix.related("", d, k, false)
}

// RelatedScan is Related computed by scoring every article with the full
// query, without the inverted index. It is the reference Related is
// measured against; use Related.
func (ix *Index) RelatedScan(id string, k int) []Match {
	return ix.related(id, Doc{}, k, true)
}

func (ix *Index) related(id string, d Doc, k int, scan bool) []Match {
	if k <= 0 {
		return nil
	}
	ix.maybeRebuildTopics()
	var tf map[string]float64
	query := &docEntry{title: titleKey(d.Title), pub: d.Published}
	if id == "" {
		tf, query.sig = ix.analyse(d)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	self := int32(-1)
	var q []qterm
	if id != "" {
		n, ok := ix.byID[id]
		if !ok {
			return nil
		}
		self = n
		e := ix.docs[n]
		query = e
		q = make([]qterm, len(e.terms))
		for i, t := range e.terms {
			q[i] = qterm{t, float64(e.ws[i]) * ix.idf(t)}
		}
	} else {
		if n, ok := ix.byID[d.ID]; ok && d.ID != "" {
			self = n
		}
		for s, f := range tf {
			if t, ok := ix.termID[s]; ok && ix.df[t] > 0 {
				q = append(q, qterm{t, tfWeight(f) * ix.idf(t)})
			}
		}
	}
	if len(q) == 0 || ix.live == 0 {
		return nil
	}
	plain := ix.scoreQuery(id, tf)
	var qt topicVec
	if id == "" && ix.topics != nil {
		terms := make([]int32, len(q))
		for i, t := range q {
			terms[i] = t.id
		}
		qt = ix.topics.project(terms, func(i int) float64 { return q[i].w })
	} else if id != "" {
		qt = ix.topicOf(self)
	}
	normalise(q)
	top := ix.score(q, self, 4*k+16, scan)
	if m := ix.opt.Feedback; m > 0 && ix.opt.FeedbackWeight > 0 && top.Len() > 0 {
		// Pseudo-relevance feedback: move the query towards its m best
		// matches (Rocchio), which brings in the story's topic vocabulary.
		best := sortedDesc(top)
		if len(best) > m {
			best = best[:m]
		}
		qv := make(map[int32]float64, len(q))
		for _, t := range q {
			qv[t.id] = t.w
		}
		beta := ix.opt.FeedbackWeight / float64(len(best))
		for _, c := range best {
			e := ix.docs[c.doc]
			for i, t := range e.terms {
				qv[t] += beta * float64(e.ws[i]) * ix.idf(t) / float64(e.norm)
			}
		}
		q = q[:0]
		for t, w := range qv {
			q = append(q, qterm{t, w})
		}
		normalise(q)
		top = ix.score(q, self, 4*k+16, scan)
	}
	return ix.pick(query, qt, plain, ix.withTopicNeighbours(qt, self, sortedDesc(top), 4*k+16), k)
}

// withTopicNeighbours adds to cands the want articles nearest to the query
// in the topic model (a scan of every article's coordinates, a few dozen
// multiplications each), marked with a negative score: they rank on the
// plain cosine and their topic similarity (see pick).
func (ix *Index) withTopicNeighbours(qt topicVec, self int32, cands []scored, want int) []scored {
	if ix.topics == nil || ix.opt.TopicWeight <= 0 || len(qt.inv) == 0 {
		return cands
	}
	have := make(map[int32]bool, len(cands))
	for _, c := range cands {
		have[c.doc] = true
	}
	h := &matchHeap{}
	m := ix.topics
	d, np := m.dims, len(m.ends)
	for n := 0; n < len(ix.tx)/d; n++ {
		s := float32(m.sim(qt, ix.tx[n*d:(n+1)*d], ix.tinv[n*np:(n+1)*np]))
		if h.Len() == want && s <= (*h)[0].score {
			continue
		}
		if ix.docs[n] == nil || int32(n) == self || have[int32(n)] {
			continue
		}
		pushTop(h, scored{int32(n), s}, want)
	}
	for _, c := range sortedDesc(h) {
		cands = append(cands, scored{c.doc, -1})
	}
	return cands
}

// scoreQuery returns the query's vector for the reported score, each weight
// already multiplied by scoreIdf once more and divided by the vector's
// length, so that its dot product with an article's (1+ln tf) weights,
// divided by that article's full norm, is their cosine. Only terms that
// other articles hold are returned; the others count in the length alone.
func (ix *Index) scoreQuery(id string, tf map[string]float64) []qterm {
	var q []qterm
	var n float64
	add := func(t int32, ok bool, w float64) {
		df := int32(0)
		if ok {
			df = ix.df[t]
		}
		w *= ix.scoreIdf(max(df, 1))
		n += w * w
		if ok && w > 0 {
			q = append(q, qterm{t, w * ix.scoreIdf(df)})
		}
	}
	if id != "" {
		e := ix.docs[ix.byID[id]]
		for i, t := range e.terms {
			add(t, true, float64(e.ws[i]))
		}
	} else {
		for s, f := range tf {
			t, ok := ix.termID[s]
			add(t, ok && ix.df[t] > 0, tfWeight(f))
		}
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	for i := range q {
		q[i].w /= n
	}
	return q
}

// pick turns the scored candidates into the related list: the floor on
// the plain cosine, the near-duplicate and version filters, the order
// (the rank score blended with the topic model, the preference for
// earlier coverage), and one article per story. A candidate with a
// negative rank score came from the topic model alone and ranks on its
// plain cosine instead.
func (ix *Index) pick(query *docEntry, qt topicVec, plain []qterm, cands []scored, k int) []Match {
	s := ix.getScratch()
	defer ix.pool.Put(s)
	if len(s.dense) < len(ix.df) {
		s.dense = make([]float32, len(ix.df))
	}
	for _, t := range plain {
		s.dense[t.id] = float32(t.w)
	}
	defer func() {
		for _, t := range plain {
			s.dense[t.id] = 0
		}
	}()
	type ranked struct {
		e     *docEntry
		score float64
		rank  float64
	}
	var rs []ranked
	for _, c := range cands {
		e := ix.docs[c.doc]
		if e.full == 0 {
			continue
		}
		var sc float32
		for i, t := range e.terms {
			sc += s.dense[t] * e.ws[i]
		}
		score, rank := float64(sc/e.full), float64(c.score)
		if c.score < 0 {
			rank = score
		}
		if score < ix.opt.MinScore || ix.sameStory(query, e) {
			continue
		}
		if l := ix.opt.TopicWeight; l > 0 && len(qt.inv) > 0 {
			rank = (1-l)*rank + l*ix.topics.simVec(qt, ix.topicOf(c.doc))
		}
		r := ranked{e, score, rank}
		if !query.pub.IsZero() && !e.pub.IsZero() && !e.pub.After(query.pub) {
			r.rank *= 1 + ix.opt.EarlierBoost
		}
		rs = append(rs, r)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].rank > rs[j].rank })
	var out []Match
	var kept []*docEntry
	for _, r := range rs {
		dup := false
		for _, o := range kept {
			if ix.sameStory(o, r.e) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		out = append(out, Match{ID: r.e.id, Score: r.score})
		kept = append(kept, r.e)
		if len(out) == k {
			break
		}
	}
	return out
}

// sameStory reports whether b is a near-duplicate of a, or another version
// of it (the same title and a large part of the text).
func (ix *Index) sameStory(a, b *docEntry) bool {
	c := a.sig.containment(b.sig)
	if ix.opt.Duplicate > 0 && c >= ix.opt.Duplicate {
		return true
	}
	return ix.opt.Version > 0 && a.title != "" && a.title == b.title && c >= ix.opt.Version
}

// normalise scales q to unit length and sorts it by weight, heaviest first.
func normalise(q []qterm) {
	var n float64
	for _, t := range q {
		n += t.w * t.w
	}
	n = math.Sqrt(n)
	if n == 0 {
		return
	}
	for i := range q {
		q[i].w /= n
	}
	sort.Slice(q, func(i, j int) bool { return q[i].w > q[j].w || q[i].w == q[j].w && q[i].id < q[j].id })
}

// score returns the best want candidates for the unit query q. The full
// scan scores every article. The index gathers Candidates articles from the
// postings of the QueryTerms heaviest query terms, then re-scores those
// with the whole query, so its ranking agrees with the scan whenever the
// scan's best articles are among the candidates.
func (ix *Index) score(q []qterm, self int32, want int, scan bool) *matchHeap {
	// Candidate weights are (1+ln tf)·idf too: fold the second idf in.
	qi := make([]qterm, 0, len(q))
	for _, t := range q {
		if w := t.w * ix.idf(t.id); w > 0 {
			qi = append(qi, qterm{t.id, w})
		}
	}
	s := ix.getScratch()
	defer ix.pool.Put(s)
	if scan {
		return ix.scoreScan(s, qi, self, want)
	}
	short := qi
	if n := ix.opt.QueryTerms; n > 0 && len(short) > n {
		short = short[:n]
	}
	cands := ix.scoreIndex(s, short, self, max(want, ix.opt.Candidates))
	if len(short) == len(qi) {
		return cands
	}
	if len(s.dense) < len(ix.df) {
		s.dense = make([]float32, len(ix.df))
	}
	for _, t := range qi {
		s.dense[t.id] = float32(t.w)
	}
	h := &matchHeap{}
	for _, c := range *cands {
		e := ix.docs[c.doc]
		var sc float32
		for i, t := range e.terms {
			sc += s.dense[t] * e.ws[i]
		}
		pushTop(h, scored{c.doc, sc / e.norm}, want)
	}
	for _, t := range qi {
		s.dense[t.id] = 0
	}
	return h
}

// sortedDesc empties h into a slice, best first.
func sortedDesc(h *matchHeap) []scored {
	out := make([]scored, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(scored)
	}
	return out
}

// idf is the damped inverse document frequency of term t: the square root
// of ln((N+1)/df), which on EASC finds articles on the same topic better
// than plain idf (rare names dominate less). A term found in one article
// only links nothing and counts for nothing, not even in the norm, so long
// articles full of names are not penalised; nor does a term found in more
// than MaxDF of the articles (and in more than minMaxDF: in a small archive
// a share says little).
const minMaxDF = 10

func (ix *Index) idf(t int32) float64 {
	if ix.df[t] <= 1 {
		return 0
	}
	return ix.scoreIdf(ix.df[t])
}

// scoreIdf is the damped idf of a term held by df articles, counting terms
// of one article too: the weight of the reported score, whose cosine is
// therefore not inflated in a small archive where most terms are unique to
// one article. Terms above MaxDF count for nothing here either.
func (ix *Index) scoreIdf(df int32) float64 {
	if ix.opt.MaxDF > 0 && float64(df) > max(ix.opt.MaxDF*float64(ix.live), minMaxDF) {
		return 0
	}
	return math.Sqrt(math.Log(float64(ix.live+1) / float64(df)))
}

func (ix *Index) getScratch() *scratch {
	s, _ := ix.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.acc) < len(ix.docs) {
		s.acc = make([]float32, len(ix.docs))
	}
	return s
}

// scoreIndex accumulates cosine scores over the postings of the query terms.
func (ix *Index) scoreIndex(s *scratch, q []qterm, self int32, want int) *matchHeap {
	for _, t := range q {
		w := float32(t.w)
		for _, p := range ix.postings[t.id] {
			if s.acc[p.doc] == 0 {
				s.touched = append(s.touched, p.doc)
			}
			s.acc[p.doc] += w * p.w
		}
	}
	h := &matchHeap{}
	for _, d := range s.touched {
		if e := ix.docs[d]; e != nil && d != self && e.norm > 0 {
			pushTop(h, scored{d, s.acc[d] / e.norm}, want)
		}
		s.acc[d] = 0
	}
	s.touched = s.touched[:0]
	return h
}

// scoreScan scores every live article against the whole query.
func (ix *Index) scoreScan(s *scratch, q []qterm, self int32, want int) *matchHeap {
	if len(s.dense) < len(ix.df) {
		s.dense = make([]float32, len(ix.df))
	}
	for _, t := range q {
		s.dense[t.id] = float32(t.w)
	}
	h := &matchHeap{}
	for n, e := range ix.docs {
		if e == nil || int32(n) == self || e.norm == 0 {
			continue
		}
		var sc float32
		for i, t := range e.terms {
			sc += s.dense[t] * e.ws[i]
		}
		if sc > 0 {
			pushTop(h, scored{int32(n), sc / e.norm}, want)
		}
	}
	for _, t := range q {
		s.dense[t.id] = 0
	}
	return h
}

type scored struct {
	doc   int32
	score float32
}

// matchHeap is a min-heap of the best candidates so far (ties: lower doc
// number wins, so results are deterministic).
type matchHeap []scored

func (h matchHeap) Len() int { return len(h) }
func (h matchHeap) Less(i, j int) bool {
	return h[i].score < h[j].score || h[i].score == h[j].score && h[i].doc > h[j].doc
}
func (h matchHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *matchHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *matchHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func pushTop(h *matchHeap, s scored, want int) {
	if h.Len() < want {
		heap.Push(h, s)
		return
	}
	if (*h)[0].score < s.score || (*h)[0].score == s.score && (*h)[0].doc > s.doc {
		(*h)[0] = s
		heap.Fix(h, 0)
	}
}
