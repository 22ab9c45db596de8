package arabic

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syntheticArchive generates n articles deterministically: pseudo-Arabic
// words (letters drawn from the alphabet, some with the article or a
// conjunction), 400 topics each with its own Zipf-distributed vocabulary,
// mixed with a general Zipf vocabulary; 1% of the articles are re-imports of
// an earlier one with a few words changed (near-duplicates).
func syntheticArchive(n int) []Doc {
	const letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
	alpha := []rune(letters)
	r := rand.New(rand.NewPCG(2026, 11))
	vocab := make([]string, 40000)
	for i := range vocab {
		l := 3 + r.IntN(5)
		w := make([]rune, l)
		for j := range w {
			w[j] = alpha[r.IntN(len(alpha))]
		}
		vocab[i] = string(w)
	}
	const topics = 400
	topicWords := make([][]string, topics)
	for t := range topicWords {
		topicWords[t] = make([]string, 300)
		for i := range topicWords[t] {
			topicWords[t][i] = vocab[r.IntN(len(vocab))]
		}
	}
	general := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	inTopic := rand.NewZipf(r, 1.2, 1, 299)
	prefixes := []string{"", "", "", "ال", "وال", "و", "بال", "لل"}
	docs := make([]Doc, 0, n)
	for i := 0; i < n; i++ {
		if i > 10 && r.IntN(100) == 0 {
			src := docs[r.IntN(len(docs))]
			words := strings.Fields(src.Text)
			for k := 0; k < 3; k++ {
				words[r.IntN(len(words))] = vocab[r.IntN(len(vocab))]
			}
			docs = append(docs, Doc{ID: fmt.Sprintf("d%06d", i), Title: src.Title, Category: src.Category, Text: strings.Join(words, " ")})
			continue
		}
		t := r.IntN(topics)
		word := func() string {
			var w string
			if r.IntN(100) < 35 {
				w = topicWords[t][inTopic.Uint64()]
			} else {
				w = vocab[general.Uint64()]
			}
			return prefixes[r.IntN(len(prefixes))] + w
		}
		var b strings.Builder
		length := 120 + r.IntN(280)
		for k := 0; k < length; k++ {
			b.WriteString(word())
			if k%14 == 13 {
				b.WriteString(". ")
			} else {
				b.WriteString(" ")
			}
		}
		var title []string
		for k := 0; k < 6; k++ {
			title = append(title, word())
		}
		docs = append(docs, Doc{
			ID: fmt.Sprintf("d%06d", i), Title: strings.Join(title, " "),
			Category: fmt.Sprintf("قسم %d", t%12), Text: b.String(),
		})
	}
	return docs
}

func buildIndex(docs []Doc) *Index {
	// The agreement is about the ranking: no floor, which would leave
	// most synthetic queries with nothing to compare.
	o := DefaultIndexOptions
	o.MinScore = 0
	ix := NewIndexWith(o)
	// Stemming dominates; two workers share it.
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(docs); i += 2 {
				ix.Add(docs[i])
			}
		}(w)
	}
	wg.Wait()
	// As a process does after loading its archive: the topic model is
	// built before the first query, which would otherwise wait for it.
	ix.RebuildTopics()
	return ix
}

// agreement measures the share of queries whose top 3 from the index equal
// (same articles, same order) the top 3 of the full scan, and the time of
// each.
func agreement(ix *Index, docs []Doc, queries int) (share float64, idx, scan time.Duration) {
	same := 0
	step := len(docs) / queries
	for q := 0; q < queries; q++ {
		id := docs[q*step].ID
		t0 := time.Now()
		a := ix.Related(id, 3)
		t1 := time.Now()
		b := ix.RelatedScan(id, 3)
		t2 := time.Now()
		idx += t1.Sub(t0)
		scan += t2.Sub(t1)
		if sameIDs(a, b) {
			same++
		}
	}
	return float64(same) / float64(queries), idx / time.Duration(queries), scan / time.Duration(queries)
}

func sameIDs(a, b []Match) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}

// TestRelatedAgreesWithScan checks on a 2,000-article synthetic archive that
// the inverted index finds the same top 3 as scoring every article for at
// least 95% of queries.
func TestRelatedAgreesWithScan(t *testing.T) {
	docs := syntheticArchive(2000)
	ix := buildIndex(docs)
	share, ti, ts := agreement(ix, docs, 100)
	t.Logf("2,000 articles: same top 3 as the full scan for %.1f%% of 100 queries; index %v, scan %v per query", 100*share, ti, ts)
	if share < 0.95 {
		t.Errorf("same top 3 for %.1f%% of queries, want >= 95%%", 100*share)
	}
}

// relatedQueries is how many queries BenchmarkRelated's agreement check
// runs through both the index and the full scan (bench/run --quick lowers it).
var relatedQueries = flag.Int("related.queries", 500, "queries compared by BenchmarkRelated/agreement")

var (
	archiveOnce sync.Once
	archiveDocs []Doc
	archiveIx   *Index
)

func archive100k(b *testing.B) ([]Doc, *Index) {
	archiveOnce.Do(func() {
		t0 := time.Now()
		archiveDocs = syntheticArchive(100_000)
		archiveIx = buildIndex(archiveDocs)
		b.Logf("built a 100,000-article synthetic archive in %v", time.Since(t0).Round(time.Millisecond))
	})
	return archiveDocs, archiveIx
}

// BenchmarkRelated compares the inverted index with a full scan over a
// 100,000-article synthetic archive, and reports the share of queries whose
// top 3 is the same (metric "same-top3-%"), measured on -related.queries
// queries (500 by default).
func BenchmarkRelated(b *testing.B) {
	docs, ix := archive100k(b)
	b.Run("index", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ix.Related(docs[(i*7919)%len(docs)].ID, 3)
			i++
		}
	})
	b.Run("scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ix.RelatedScan(docs[(i*7919)%len(docs)].ID, 3)
			i++
		}
	})
	b.Run("agreement", func(b *testing.B) {
		var share float64
		var ti, ts time.Duration
		for b.Loop() {
			share, ti, ts = agreement(ix, docs, *relatedQueries)
		}
		b.ReportMetric(100*share, "same-top3-%")
		b.ReportMetric(float64(ts)/float64(ti), "speedup-x")
	})
}

// BenchmarkIndexBuild measures a rebuild of the related-article index from
// 100,000 synthetic articles, as a process does when it loads the archive
// (one goroutine, so the figures compare), against its baseline: analysing
// the same articles (tokens, stems, shingle signatures) without indexing
// them; and ("topics") a rebuild of the topic model over the whole
// archive. It reports the heap each keeps ("heap-MB"; "peak-heap-MB" for
// the most the topic build held at once) and the process's CPU seconds per
// pass ("cpu-s", garbage collection included), which a busy shared machine
// disturbs less than the wall clock.
func BenchmarkIndexBuild(b *testing.B) {
	docs, _ := archive100k(b)
	b.Run("analyse", func(b *testing.B) {
		ix := NewIndex()
		c0 := cpuTime()
		for b.Loop() {
			for _, d := range docs {
				ix.analyse(d)
			}
		}
		b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s")
	})
	b.Run("build", func(b *testing.B) {
		var heap float64
		c0 := cpuTime()
		for b.Loop() {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			ix := NewIndex()
			for _, d := range docs {
				ix.Add(d)
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			heap = float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
			runtime.KeepAlive(ix)
		}
		b.ReportMetric(heap, "heap-MB")
		b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s")
	})
	b.Run("topics", func(b *testing.B) {
		_, ix := archive100k(b)
		var heap, peak float64
		c0 := cpuTime()
		for b.Loop() {
			ix.mu.Lock()
			ix.topics, ix.tx, ix.tinv = nil, nil, nil
			ix.mu.Unlock()
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			stop := trackPeak()
			ix.RebuildTopics()
			peak = float64(stop()-m0.HeapAlloc) / (1 << 20)
			runtime.GC()
			runtime.ReadMemStats(&m1)
			heap = float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
		}
		b.ReportMetric(heap, "heap-MB")
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s")
	})
}

// trackPeak samples the heap every 50 ms until the returned function is
// called, which returns the largest HeapAlloc seen.
func trackPeak() func() uint64 {
	done := make(chan struct{})
	res := make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-done:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
