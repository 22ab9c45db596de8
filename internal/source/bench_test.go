package source

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// benchFeed is an RSS feed of n Arabic items unique to source i.
func benchFeed(i, n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>مصدر</title><link>https://example.com/</link><description>x</description>`)
	for j := 0; j < n; j++ {
		fmt.Fprintf(&b, `<item><title>خبر رقم %d من المصدر %d</title><link>https://example.com/%d/%d</link><guid>s%d-i%d</guid>`+
			`<pubDate>Tue, 01 Dec 2026 06:%02d:00 +0300</pubDate><category>اقتصاد</category>`+
			`<description><![CDATA[<p>قرر البنك المركزي رفع سعر الفائدة في خطوة تهدف إلى كبح التضخم، وقال المحافظ إن القرار جاء بعد مراجعة البيانات %d.</p>]]></description></item>`,
			j, i, i, j, i, j, j%60, j)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// benchHosts starts one feed server on each of hosts loopback addresses
// (127.0.0.1, 127.0.0.2, …) and returns their base URLs.
func benchHosts(b *testing.B, hosts, sources, items int) []string {
	feeds := make([][]byte, sources)
	for i := range feeds {
		feeds[i] = benchFeed(i, items)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/feed/%d", &i)
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(feeds[i])
	})
	var bases []string
	for k := 1; k <= hosts; k++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", k))
		if err != nil {
			b.Skipf("cannot listen on 127.0.0.%d: %v", k, err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		bases = append(bases, "http://"+ln.Addr().String())
	}
	return bases
}

// peakHeap samples the heap in use until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkFetchCycle: one fetch cycle of 1,000 sources (10 items each)
// spread over 10 local hosts, with 8 workers, stored in SQLite; per-host
// politeness off (requests to a host at once, no pause) and on (one at a
// time per host, 10 ms apart). The baseline is plain net/http GETs of the
// same URLs with the same concurrency, nothing parsed or stored. again-s
// is a second cycle in which every item is unchanged.
//
//	go test ./internal/source -run '^$' -bench FetchCycle -benchtime 1x
func BenchmarkFetchCycle(b *testing.B) {
	const hosts, sources, items, workers = 10, 1000, 10, 8
	bases := benchHosts(b, hosts, sources, items)
	urls := make([]string, sources)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/feed/%d", bases[i%hosts], i)
	}
	b.Run("baseline=net/http", func(b *testing.B) {
		for b.Loop() {
			next := make(chan string)
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for u := range next {
						resp, err := http.Get(u)
						if err != nil {
							b.Error(err)
							continue
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}()
			}
			for _, u := range urls {
				next <- u
			}
			close(next)
			wg.Wait()
		}
	})
	for _, polite := range []bool{false, true} {
		b.Run(fmt.Sprintf("politeness=%v", polite), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ctx := context.Background()
				st := teststore.SQLite(b)
				svc := New(st, Options{
					Fetch: FetchOptions{AllowPrivate: true, Impolite: !polite, PerHostInterval: 10 * time.Millisecond},
					Parse: article.Options{Location: time.UTC},
				})
				var ids []int64
				for _, u := range urls {
					src, _, err := svc.Add(ctx, Spec{URL: u})
					if err != nil {
						b.Fatal(err)
					}
					ids = append(ids, src.ID)
				}
				runtime.GC()
				stop := peakHeap()
				b.StartTimer()
				res := svc.FetchMany(ctx, ids, workers)
				b.StopTimer()
				peak := stop()
				for _, r := range res {
					if r.Err != nil || r.New != items {
						b.Fatalf("%s", r)
					}
				}
				// The steady state: the same feeds again, every item unchanged
				// (no validators here, so each feed is parsed and its items
				// looked up).
				start := time.Now()
				for _, r := range svc.FetchMany(ctx, ids, workers) {
					if r.Err != nil || r.Unchanged != items {
						b.Fatalf("again: %s", r)
					}
				}
				b.ReportMetric(time.Since(start).Seconds(), "again-s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				st.Close()
				b.StartTimer()
			}
		})
	}
}
