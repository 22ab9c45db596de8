package feeds_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/testkit"
)

// get sends method path to srv with the headers given as name, value
// pairs, and returns the body as sent (no transparent gzip).
func get(t *testing.T, srv *httptest.Server, method, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return testkit.Request(t, nil, method, srv.URL+path, hdr...)
}

func TestHandler(t *testing.T) {
	s := buildFixture(t)
	srv := httptest.NewServer(feeds.NewHandler(s))
	defer srv.Close()

	for _, tc := range []struct{ path, ctype string }{
		{"/feed.xml", "application/rss+xml; charset=utf-8"},
		{"/atom.xml", "application/atom+xml; charset=utf-8"},
		{"/feed.json", "application/feed+json; charset=utf-8"},
		{"/categories/economy/atom.xml", "application/atom+xml; charset=utf-8"},
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
	} {
		resp, body := get(t, srv, "GET", tc.path)
		f, _ := s.Get(tc.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !bytes.Equal(body, f.Body) {
			t.Errorf("GET %s: %d %q, %d bytes", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if resp.Header.Get("Etag") != f.ETag || resp.Header.Get("Cache-Control") != "public, max-age=300" ||
			resp.Header.Get("Last-Modified") != f.Modified.UTC().Format(http.TimeFormat) {
			t.Errorf("GET %s: headers %v", tc.path, resp.Header)
		}
	}

	// Conditional GET by ETag and by date.
	f, _ := s.Get("/atom.xml")
	resp, body := get(t, srv, "GET", "/atom.xml", "If-None-Match", `"other", `+f.ETag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("Etag") != f.ETag {
		t.Errorf("If-None-Match: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, _ = get(t, srv, "GET", "/atom.xml", "If-None-Match", `"stale"`)
	if resp.StatusCode != 200 {
		t.Errorf("stale If-None-Match: %d", resp.StatusCode)
	}
	lm := f.Modified.UTC().Format(http.TimeFormat)
	resp, _ = get(t, srv, "GET", "/atom.xml", "If-Modified-Since", lm)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since = Last-Modified: %d", resp.StatusCode)
	}
	resp, _ = get(t, srv, "GET", "/atom.xml", "If-Modified-Since", f.Modified.Add(-time.Second).UTC().Format(http.TimeFormat))
	if resp.StatusCode != 200 {
		t.Errorf("If-Modified-Since before Last-Modified: %d", resp.StatusCode)
	}
	// If-None-Match wins over If-Modified-Since.
	resp, _ = get(t, srv, "GET", "/atom.xml", "If-None-Match", `"stale"`, "If-Modified-Since", lm)
	if resp.StatusCode != 200 {
		t.Errorf("If-None-Match must take precedence: %d", resp.StatusCode)
	}

	// gzip: precomputed, distinct ETag, Vary, decodes to the body.
	resp, body = get(t, srv, "GET", "/atom.xml", "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip not served: %v", resp.Header)
	}
	gzTag := resp.Header.Get("Etag")
	if gzTag == f.ETag || !strings.HasPrefix(gzTag, `"`) {
		t.Errorf("gzip variant ETag %s must differ from %s", gzTag, f.ETag)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, f.Body) {
		t.Errorf("gzip body does not decode to the feed: %v", err)
	}
	resp, _ = get(t, srv, "GET", "/atom.xml", "Accept-Encoding", "gzip", "If-None-Match", gzTag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("gzip ETag revalidation: %d", resp.StatusCode)
	}
	for _, ae := range []string{"gzip;q=0", "identity", "br", "*;q=0", "gzip;q=0.000, *"} {
		resp, _ = get(t, srv, "GET", "/atom.xml", "Accept-Encoding", ae)
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: got gzip", ae)
		}
	}
	resp, _ = get(t, srv, "GET", "/atom.xml", "Accept-Encoding", "*")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Error(`Accept-Encoding "*" should allow gzip`)
	}

	// HEAD: same headers, no body.
	resp, body = get(t, srv, "HEAD", "/feed.xml")
	ff, _ := s.Get("/feed.xml")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(ff.Body)) || resp.Header.Get("Etag") != ff.ETag {
		t.Errorf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(body), resp.ContentLength)
	}

	// Unknown paths and methods.
	for _, p := range []string{"/nope.xml", "/categories/economy/", "/categories/../feed.xml.bak"} {
		if resp, _ := get(t, srv, "GET", p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		resp, _ := get(t, srv, m, "/feed.xml")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d allow=%q, want 405", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

func TestHandlerSwap(t *testing.T) {
	in := loadFixture(t)
	a, _ := feeds.Build(testOptions(t), in)
	h := feeds.NewHandler(a)
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, before := get(t, srv, "GET", "/feed.xml")

	// Swap while requests are in flight: every response is one whole set.
	in.Articles = append(in.Articles, art("new1", "خبر جديد بعد إعادة البناء", "اقتصاد", fixedNow))
	b, err := feeds.Build(testOptions(t), in)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := b.Get("/feed.xml")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.xml", nil))
				if body := rec.Body.Bytes(); !bytes.Equal(body, before) && !bytes.Equal(body, fb.Body) {
					t.Error("response mixes two sets")
					return
				}
			}
		}()
	}
	h.Swap(b)
	wg.Wait()
	_, after := get(t, srv, "GET", "/feed.xml")
	if !bytes.Contains(after, []byte("خبر جديد بعد إعادة البناء")) {
		t.Error("new article not served after Swap")
	}
	if _, body := get(t, srv, "GET", "/categories/economy/feed.json"); !bytes.Contains(body, []byte("خبر جديد بعد إعادة البناء")) {
		t.Error("category feed not updated after Swap")
	}
}

func TestHandlerAllocations(t *testing.T) {
	h := feeds.NewHandler(buildFixture(t))
	req := httptest.NewRequest("GET", "/atom.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	})
	if allocs > 0 {
		t.Errorf("ServeHTTP allocates %.1f times per request", allocs)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func TestPingHub(t *testing.T) {
	var mu sync.Mutex
	var got []url.Values
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != "POST" {
			http.Error(w, "bad", 400)
			return
		}
		mu.Lock()
		got = append(got, r.PostForm)
		mu.Unlock()
		if r.PostForm.Get("hub.url") == "https://nashra.example/broken.xml" {
			http.Error(w, "unknown topic", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	s := buildFixture(t)
	if err := feeds.PingHub(context.Background(), hub.Client(), hub.URL, s.FeedURLs()); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(s.FeedURLs()) || got[0].Get("hub.mode") != "publish" || got[0].Get("hub.url") != s.FeedURLs()[0] {
		t.Fatalf("hub received %v", got)
	}
	err := feeds.PingHub(context.Background(), hub.Client(), hub.URL, []string{"https://nashra.example/broken.xml"})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "unknown topic") {
		t.Errorf("hub error not reported: %v", err)
	}
	if err := feeds.PingHub(context.Background(), nil, "javascript:x", nil); err == nil {
		t.Error("bad hub URL accepted")
	}
}

// TestLastModifiedFollowsEdits: a reader that sends only If-Modified-Since
// sees a corrected article, and an article removed from a feed; a rebuild
// that changes nothing keeps the date, so the reader still gets 304.
func TestLastModifiedFollowsEdits(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	in := feeds.Input{Articles: []article.Article{
		art("e1", "الخبر الأول", "اقتصاد", day(1)),
		art("e2", "الخبر الثاني", "اقتصاد", day(2)),
	}}
	build := func() *feeds.Set {
		s, err := feeds.Build(testOptions(t), in)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h := feeds.NewHandler(build())
	srv := httptest.NewServer(h)
	defer srv.Close()
	lastMod := func(ims string, want int) string {
		t.Helper()
		resp, _ := get(t, srv, "GET", "/atom.xml", "If-Modified-Since", ims)
		if resp.StatusCode != want {
			t.Fatalf("If-Modified-Since %q: status %d, want %d", ims, resp.StatusCode, want)
		}
		return resp.Header.Get("Last-Modified")
	}
	lm1 := lastMod("", 200)
	lastMod(lm1, 304)

	// The older article is corrected: its file names no update time, but
	// the store saw the content change (Edited).
	in.Articles[0].Title = "الخبر الأول (مصحح)"
	in.Articles[0].Edited = day(3)
	h.Swap(build())
	lm2 := lastMod(lm1, 200)
	if t2, _ := http.ParseTime(lm2); !t2.Equal(day(3)) {
		t.Errorf("Last-Modified after the edit = %s, want the edit time %s", lm2, day(3).Format(http.TimeFormat))
	}
	f, _ := h.Set().Get("/atom.xml")
	if want := "<updated>" + day(3).In(riyadh(t)).Format(time.RFC3339) + "</updated>"; !bytes.Contains(f.Body, []byte(want)) {
		t.Errorf("the corrected entry does not show %s", want)
	}

	// The corrected article is removed: no newer date among what is left,
	// yet the feed changed.
	in.Articles = in.Articles[1:]
	h.Swap(build())
	lm3 := lastMod(lm2, 200)
	if t3, _ := http.ParseTime(lm3); !t3.After(day(3)) {
		t.Errorf("Last-Modified after a removal = %s, not after %s", lm3, lm2)
	}

	// Nothing changed: same date, 304.
	h.Swap(build())
	if lm := lastMod(lm3, 304); lm != lm3 {
		t.Errorf("Last-Modified moved on an identical rebuild: %s -> %s", lm3, lm)
	}
}
