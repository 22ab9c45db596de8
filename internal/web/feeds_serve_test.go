package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/web"
)

func feedSet(t testing.TB, n int) *feeds.Set {
	t.Helper()
	var in feeds.Input
	for i := range n {
		key := fmt.Sprintf("file:%d", i)
		text := strings.Repeat(fmt.Sprintf("افتتحت القمة %d أعمالها في الرياض. ", i), 20)
		in.Articles = append(in.Articles, article.Article{
			ID: article.IDFor(key), Key: key, Slug: fmt.Sprintf("a%d", i), Title: fmt.Sprintf("خبر %d", i), Language: "ar",
			Category: "سياسة", Summary: "ملخص", BodyText: text, BodyHTML: "<p>" + text + "</p>",
			Published: time.Date(2026, 11, 27, 9, i, 0, 0, time.UTC)})
	}
	set, err := feeds.Build(feeds.Options{BaseURL: "https://nashra.example", Title: "نشرة"}, in)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestFeedsThroughServe: the feeds as web.Serve serves them over TCP (the
// corked path of net/http, and the fast path): the Set's bytes, plain and gzip (whose gunzip is the plain
// body), the security headers, HEAD and 304; and a rebuild swapped in while
// requests are being served gives each response whole, old or new.
func TestFeedsThroughServe(t *testing.T) {
	t.Run("net/http", func(t *testing.T) { testFeedsThroughServe(t, false) })
	t.Run("fast path", func(t *testing.T) { testFeedsThroughServe(t, true) })
}

func testFeedsThroughServe(t *testing.T, fast bool) {
	old, next := feedSet(t, 10), feedSet(t, 12)
	h := feeds.NewHandler(old)
	var count *web.RequestLog // the fast path's, when it serves
	if fast {
		count = &web.RequestLog{}
	}
	addr, _ := startServe(t, h, count, web.ServeOptions{ShutdownTimeout: time.Second})
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	do := func(method, path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		return testkit.Request(t, client, method, "http://"+addr+path, hdr...)
	}

	f, _ := old.Get("/atom.xml")
	if len(f.Body) < 4<<10 {
		t.Fatalf("atom.xml is %d bytes: too small for the corked path", len(f.Body))
	}
	res, body := do("GET", "/atom.xml")
	if res.StatusCode != 200 || !bytes.Equal(body, f.Body) {
		t.Fatalf("GET /atom.xml: %d, %d bytes, want the Set's %d", res.StatusCode, len(body), len(f.Body))
	}
	if res.Header.Get("Content-Security-Policy") != web.ContentSecurityPolicy || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("feed without the security headers: %v", res.Header)
	}
	res, gz := do("GET", "/atom.xml", "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip GET: %q, %v", res.Header.Get("Content-Encoding"), err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, f.Body) {
		t.Error("gunzip of the gzip variant differs from the plain feed")
	}
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Error("gzip feed without the security headers")
	}
	if res, b := do("HEAD", "/atom.xml"); res.StatusCode != 200 || len(b) != 0 || res.ContentLength != int64(len(f.Body)) {
		t.Errorf("HEAD: %d, %d bytes of body, Content-Length %d", res.StatusCode, len(b), res.ContentLength)
	}
	if res, _ := do("GET", "/atom.xml", "If-None-Match", f.ETag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}

	nf, _ := next.Get("/atom.xml")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var swapped atomic.Bool
	var served atomic.Int64
	seen := map[string]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for after := 0; after < 10; {
				if swapped.Load() {
					after++
				}
				kind := "mixed"
				res, err := client.Get("http://" + addr + "/atom.xml")
				var b []byte
				if err == nil {
					b, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				switch {
				case err != nil:
					kind = "failed"
				case bytes.Equal(b, f.Body):
					kind = "old"
				case bytes.Equal(b, nf.Body):
					kind = "new"
				}
				mu.Lock()
				seen[kind]++
				mu.Unlock()
				served.Add(1)
			}
		}()
	}
	for served.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	h.Swap(next)
	swapped.Store(true)
	wg.Wait()
	if seen["mixed"] > 0 || seen["failed"] > 0 || seen["old"] == 0 || seen["new"] == 0 {
		t.Errorf("responses neither the old nor the new feed, or failed: %v", seen)
	}
	if _, b := do("GET", "/atom.xml"); !bytes.Equal(b, nf.Body) {
		t.Error("the rebuilt feed is not served after Swap")
	}
}
