package arabic

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Doc is an article as the related-article index sees it. Published may be
// zero (unknown); when both articles of a pair have one, earlier coverage
// is preferred as background (see IndexOptions.EarlierBoost).
type Doc struct {
	ID, Title, Category, Text string
	Published                 time.Time
}

// Match is one related article and its score: the cosine (0-1) of the two
// articles' term vectors. The order of a related list also weighs the
// story's wider vocabulary (pseudo-relevance feedback) and the preference
// for earlier coverage, so scores need not decrease along it.
type Match struct {
	ID    string
	Score float64
}

// IndexOptions tune the related-article index. DefaultIndexOptions holds the
// values tuned on the odd-numbered EASC topics.
type IndexOptions struct {
	// TitleWeight counts each title stem this many times; CategoryWeight is
	// the term frequency of the category pseudo-term.
	TitleWeight, CategoryWeight float64
	// SurfaceWeight and PrefixWeight add two more fields beside the light
	// stems, with these weights: the normalised word as written, and the
	// word with only its prefixes (conjunction, article) stripped. 0 leaves
	// a field out.
	SurfaceWeight, PrefixWeight float64
	// MaxDF leaves out of the similarity the terms found in more than this
	// share of the articles (0 = keep all).
	MaxDF float64
	// QueryTerms is how many of the query article's stems (the heaviest by
	// tf·idf) are looked up in the inverted index; 0 means all.
	QueryTerms int
	// Candidates is how many articles found through those terms are
	// re-scored with the whole query.
	Candidates int
	// Feedback is the number of best matches folded back into the query
	// (pseudo-relevance feedback), with weight FeedbackWeight; 0 disables.
	Feedback       int
	FeedbackWeight float64
	// Duplicate is the shingle containment above which another article is
	// a near-duplicate (the same story re-imported or syndicated) and is
	// left out of the related list.
	Duplicate float64
	// Version is the lower containment above which an article with the
	// same title is another version of the story (an update rewritten in
	// part) and is left out too.
	Version float64
	// MinScore is the floor on Match.Score: weaker matches are not
	// returned, so an article with no strong match gets no related links at
	// all. 0 returns a plain ranking.
	MinScore float64
	// EarlierBoost prefers earlier coverage as background: when both
	// articles have a publication time, a match published no later than
	// the query ranks as if its score were (1+EarlierBoost) times higher.
	// The reported score and the floor use the plain score.
	EarlierBoost float64
	// TopicWeight blends the topic model into the order of a related
	// list: a match ranks by (1-TopicWeight)·its rank score +
	// TopicWeight·the topic similarity, the mean cosine of the two
	// articles' first 10, 15, …, TopicDims LSA coordinates; and the
	// articles nearest in topic are candidates beside those found through
	// the inverted index. The reported score and the floor stay the plain
	// cosine, so a link is shown only on shared words. The model is built
	// once the archive holds TopicMinDocs articles and rebuilt whenever it
	// has changed by a tenth since (see RebuildTopics). 0 disables it.
	TopicWeight  float64
	TopicDims    int
	TopicMinDocs int
	// TopicMaxTerms caps the topic model's vocabulary: above it, only the
	// terms found in the most articles are kept (EASC has far fewer; a
	// 100,000-article archive far more, most of them in two or three
	// articles), as the build's time and memory grow with it.
	TopicMaxTerms int
}

// DefaultMinScore is the related-link floor, chosen on the odd-numbered
// EASC topics (internal/arabic/README.md shows the curve).
const DefaultMinScore = 0.12

// DefaultIndexOptions are the options NewIndex uses.
var DefaultIndexOptions = IndexOptions{
	TitleWeight: 3, CategoryWeight: 2, SurfaceWeight: 1, PrefixWeight: 1, MaxDF: 0.2,
	QueryTerms: 24, Candidates: 300, Feedback: 2, FeedbackWeight: 0.5, Duplicate: 0.6,
	Version: 0.3, MinScore: DefaultMinScore, EarlierBoost: 0.1,
	TopicWeight: 1, TopicDims: 30, TopicMinDocs: 100, TopicMaxTerms: 1 << 16,
}

// Index is an inverted index of article stems for finding related articles.
// It is safe for concurrent use; Add and Remove may run while Related is
// being called.
type Index struct {
	opt IndexOptions

	mu       sync.RWMutex
	termID   map[string]int32
	df       []int32
	postings [][]posting // by term id
	docs     []*docEntry // by doc number; nil once removed
	byID     map[string]int32
	live     int
	dead     int // stale postings of removed docs
	// normLive is the number of articles when the vector norms were last
	// computed: idf drifts as articles arrive, so the norms are refreshed
	// whenever the archive has grown or shrunk by a tenth since.
	normLive int
	// topics is the topic model (nil until the archive is large enough);
	// buildMu lets one goroutine at a time rebuild it.
	topics  *topicModel
	buildMu sync.Mutex
	// tx and tinv hold the articles' topic coordinates and their prefix
	// lengths' inverses (see topicVec), by doc number, contiguous so that
	// a scan of every article reads memory in order; empty without a model.
	tx, tinv []float32

	pool sync.Pool // *scratch
}

type posting struct {
	doc int32
	w   float32 // 1 + ln tf
}

type docEntry struct {
	id    string
	terms []int32   // sorted term ids
	ws    []float32 // 1 + ln tf, by term
	norm  float32   // length of the tf·idf vector
	// full is the length with the terms of this article alone counted too
	// (see scoreIdf): the norm of the reported score.
	full  float32
	sig   *signature
	title string    // normalised title tokens, for recognising versions
	pub   time.Time // zero when unknown
}

// NewIndex returns an empty index with DefaultIndexOptions.
func NewIndex() *Index { return NewIndexWith(DefaultIndexOptions) }

// NewIndexWith returns an empty index with the given options.
func NewIndexWith(o IndexOptions) *Index {
	return &Index{opt: o, termID: map[string]int32{}, byID: map[string]int32{}}
}

// Len reports the number of articles in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// analyse returns the weighted stem frequencies of d and its near-duplicate
// signature.
func (ix *Index) analyse(d Doc) (map[string]float64, *signature) {
	toks := Tokens(d.Title + "\n" + d.Text)
	sig := newSignature(toks)
	titleLen := len(Tokens(d.Title))
	tf := map[string]float64{}
	for i, t := range toks {
		st, ok := stemToken(t)
		if !ok {
			continue
		}
		w := 1.0
		if i < titleLen {
			w = ix.opt.TitleWeight
		}
		tf[st] += w
		if ix.opt.SurfaceWeight > 0 {
			tf["\x01"+t] += w * ix.opt.SurfaceWeight
		}
		if ix.opt.PrefixWeight > 0 {
			tf["\x02"+prefixForm(t)] += w * ix.opt.PrefixWeight
		}
	}
	if d.Category != "" && ix.opt.CategoryWeight > 0 {
		tf["#"+Normalize(d.Category)] += ix.opt.CategoryWeight
	}
	return tf, sig
}

// Add indexes d, replacing any article with the same ID.
func (ix *Index) Add(d Doc) {
	tf, sig := ix.analyse(d)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(d.ID)
	e := &docEntry{id: d.ID, sig: sig, title: titleKey(d.Title), pub: d.Published}
	type pair struct {
		id int32
		tf float32
	}
	// New terms get their ids in sorted order, not map order: ids break
	// ties between equally weighted query terms, so the same archive must
	// give the same ids (and the same related lists) on every run.
	keys := make([]string, 0, len(tf))
	for s := range tf {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	pairs := make([]pair, 0, len(tf))
	for _, s := range keys {
		f := tf[s]
		id, ok := ix.termID[s]
		if !ok {
			id = int32(len(ix.df))
			ix.termID[s] = id
			ix.df = append(ix.df, 0)
			ix.postings = append(ix.postings, nil)
		}
		pairs = append(pairs, pair{id, float32(tfWeight(f))})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].id < pairs[j].id })
	e.terms = make([]int32, len(pairs))
	e.ws = make([]float32, len(pairs))
	n := int32(len(ix.docs))
	for i, p := range pairs {
		e.terms[i], e.ws[i] = p.id, p.tf
		ix.df[p.id]++
		ix.postings[p.id] = append(ix.postings[p.id], posting{doc: n, w: p.tf})
	}
	ix.docs = append(ix.docs, e)
	ix.byID[d.ID] = n
	ix.live++
	ix.refreshNorms(e)
	if m := ix.topics; m != nil {
		d, np := m.dims, len(m.ends)
		ix.tx = append(ix.tx, make([]float32, d)...)
		ix.tinv = append(ix.tinv, make([]float32, np)...)
		m.projectInto(ix.topicOf(n), e.terms, func(i int) float64 { return float64(e.ws[i]) * ix.idf(e.terms[i]) })
	}
}

// RebuildTopics builds the topic model from the articles indexed now and
// gives every article its coordinates. Related calls it by itself when the
// model is missing or the archive has grown or shrunk by a tenth since it
// was built; a process that has just loaded its archive may call it first
// so that no query waits for it. The build reads a snapshot of the archive
// and does not hold the index's lock meanwhile: Related and Add go on with
// the previous model, and articles added during the build get coordinates
// when the new model is installed.
func (ix *Index) RebuildTopics() {
	ix.buildMu.Lock()
	defer ix.buildMu.Unlock()
	ix.rebuildTopics()
}

// maybeRebuildTopics rebuilds the topic model when it is stale and no
// other goroutine is already rebuilding it.
func (ix *Index) maybeRebuildTopics() {
	ix.mu.RLock()
	stale := ix.opt.TopicWeight > 0 && ix.live >= max(ix.opt.TopicMinDocs, 2) &&
		(ix.topics == nil || 10*abs(ix.live-ix.topics.live) > ix.topics.live)
	ix.mu.RUnlock()
	if stale && ix.buildMu.TryLock() {
		defer ix.buildMu.Unlock()
		ix.rebuildTopics()
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (ix *Index) rebuildTopics() {
	if ix.opt.TopicWeight <= 0 || ix.opt.TopicDims <= 0 {
		return
	}
	ix.mu.RLock()
	live := ix.live
	in := &topicInput{idf: make([]float64, len(ix.df)), row: make([]int32, len(ix.df))}
	var kept []int32
	for t := range ix.df {
		in.row[t] = -1
		if in.idf[t] = ix.idf(int32(t)); in.idf[t] > 0 {
			kept = append(kept, int32(t))
		}
	}
	if limit := ix.opt.TopicMaxTerms; limit > 0 && len(kept) > limit {
		// The most widespread terms: a term of a few articles says little
		// about the archive's topics.
		sort.Slice(kept, func(i, j int) bool {
			a, b := kept[i], kept[j]
			return ix.df[a] > ix.df[b] || ix.df[a] == ix.df[b] && a < b
		})
		for _, t := range kept[limit:] {
			in.idf[t] = 0
		}
		kept = kept[:limit]
		slices.Sort(kept)
	}
	for _, t := range kept {
		in.row[t] = int32(in.nrows)
		in.nrows++
	}
	for n, e := range ix.docs {
		if e != nil && e.norm > 0 {
			in.docs = append(in.docs, topicDoc{int32(n), e.terms, e.ws, 1 / float64(e.norm)})
		}
	}
	ndocs := len(ix.docs)
	ix.mu.RUnlock()
	basis, k := buildTopics(in, ix.opt.TopicDims)
	if k == 0 {
		return
	}
	m := &topicModel{row: in.row, basis: basis, dims: k, ends: topicPrefixEnds(k), live: live}
	// The snapshot's articles are projected without the lock (their
	// entries are immutable; the weights are the snapshot's), the articles
	// added meanwhile under it.
	np := len(m.ends)
	tx, tinv := make([]float32, ndocs*k), make([]float32, ndocs*np)
	for _, d := range in.docs {
		v := topicVec{x: tx[int(d.n)*k : int(d.n+1)*k], inv: tinv[int(d.n)*np : int(d.n+1)*np]}
		m.projectInto(v, d.terms, func(i int) float64 { return float64(d.ws[i]) * in.idf[d.terms[i]] })
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.topics = m
	ix.tx = append(tx, make([]float32, (len(ix.docs)-ndocs)*k)...)
	ix.tinv = append(tinv, make([]float32, (len(ix.docs)-ndocs)*np)...)
	for n := ndocs; n < len(ix.docs); n++ {
		if e := ix.docs[n]; e != nil {
			m.projectInto(ix.topicOf(int32(n)), e.terms, func(i int) float64 { return float64(e.ws[i]) * ix.idf(e.terms[i]) })
		}
	}
}

// topicOf returns the topic coordinates of article n (a view of the
// index's arrays; empty without a model). The caller holds ix.mu.
func (ix *Index) topicOf(n int32) topicVec {
	m := ix.topics
	if m == nil || n < 0 {
		return topicVec{}
	}
	d, np := m.dims, len(m.ends)
	if int(n+1)*d > len(ix.tx) {
		return topicVec{}
	}
	return topicVec{x: ix.tx[int(n)*d : int(n+1)*d], inv: ix.tinv[int(n)*np : int(n+1)*np]}
}

// titleKey is the matching form of a title ("" for none).
func titleKey(title string) string {
	t := Tokens(title)
	for i := range t {
		t[i] = prefixForm(t[i])
	}
	return strings.Join(t, " ")
}

// refreshNorms computes the norm of e, or of every article when the archive
// size has drifted by more than a tenth since the norms were computed.
func (ix *Index) refreshNorms(e *docEntry) {
	if d := ix.live - ix.normLive; d*10 > ix.normLive || -d*10 > ix.normLive {
		ix.normLive = ix.live
		for _, x := range ix.docs {
			if x != nil {
				x.norm, x.full = ix.norm(x)
			}
		}
		return
	}
	if e != nil {
		e.norm, e.full = ix.norm(e)
	}
}

func (ix *Index) norm(e *docEntry) (norm, full float32) {
	var s, f float64
	for i, t := range e.terms {
		w := float64(e.ws[i]) * ix.idf(t)
		s += w * w
		w = float64(e.ws[i]) * ix.scoreIdf(ix.df[t])
		f += w * w
	}
	return float32(math.Sqrt(s)), float32(math.Sqrt(f))
}

// tfWeight is 1 + ln f, or f itself below 1 (a field weighted under 1).
func tfWeight(f float64) float64 {
	if f < 1 {
		return f
	}
	return 1 + math.Log(f)
}

// Remove drops the article with the given ID, if present.
func (ix *Index) Remove(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(id)
}

func (ix *Index) removeLocked(id string) {
	n, ok := ix.byID[id]
	if !ok {
		return
	}
	e := ix.docs[n]
	for _, t := range e.terms {
		ix.df[t]--
	}
	ix.dead += len(e.terms)
	ix.docs[n] = nil
	delete(ix.byID, id)
	ix.live--
	ix.refreshNorms(nil)
	if ix.dead > 1024 && ix.dead > ix.liveTerms() {
		ix.compact()
	}
}

func (ix *Index) liveTerms() int {
	n := 0
	for _, p := range ix.postings {
		n += len(p)
	}
	return n - ix.dead
}

// compact drops the postings of removed articles.
func (ix *Index) compact() {
	for t, ps := range ix.postings {
		out := ps[:0]
		for _, p := range ps {
			if ix.docs[p.doc] != nil {
				out = append(out, p)
			}
		}
		ix.postings[t] = out
	}
	ix.dead = 0
}
