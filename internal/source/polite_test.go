package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/nashra/nashra/internal/store"
)

func TestConditionalGet(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	const etag, lastMod = `"v1"`, "Tue, 01 Dec 2026 06:30:00 GMT"
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		_, _ = w.Write(b.fixture("rss-ar.xml"))
	})
	src := b.add("/feed", Spec{})
	if r := b.fetch(src); r.New != 2 || r.Source.ETag != etag || r.Source.LastModified != lastMod {
		t.Fatalf("first fetch: %s, validators %q %q", r, r.Source.ETag, r.Source.LastModified)
	}
	before, _ := b.st.LastChange(b.ctx)
	r := b.fetch(src)
	if !r.NotModified || r.Err != nil {
		t.Fatalf("second fetch: %s; want not modified", r)
	}
	if got := b.header("/feed", "If-None-Match"); got != etag {
		t.Errorf("If-None-Match %q, want %q", got, etag)
	}
	if got := b.header("/feed", "If-Modified-Since"); got != lastMod {
		t.Errorf("If-Modified-Since %q, want %q", got, lastMod)
	}
	if r.Source.ETag != etag || r.Source.LastModified != lastMod {
		t.Errorf("validators after 304: %q %q; want both kept", r.Source.ETag, r.Source.LastModified)
	}
	after, _ := b.st.LastChange(b.ctx)
	if !before.Equal(after) || len(b.articles()) != 2 {
		t.Errorf("a 304 changed the articles")
	}
	if ua := b.header("/feed", "User-Agent"); ua != "nashra/test (+https://nashra.example)" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	src := b.add("/feed", Spec{})
	start := time.Now()
	r := b.fetch(src)
	var se *StatusError
	if !errors.As(r.Err, &se) || se.Status != 429 {
		t.Fatalf("fetch error %v, want HTTP 429", r.Err)
	}
	if wait := r.Source.NextFetch.Sub(start); wait < 2*time.Hour {
		t.Errorf("next fetch in %s, want at least the 2h of Retry-After", wait)
	}
	if r.Source.Errors != 1 || r.Source.LastStatus != 429 || !strings.Contains(r.Source.LastError, "429") {
		t.Errorf("state %+v", r.Source)
	}
	// Not due before then.
	if due, _ := b.svc.Due(b.ctx); len(due) != 0 {
		t.Errorf("due right after a 429: %v", due)
	}
}

func TestBackoffAndFailing(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.FailAfter = 3; o.MaxBackoff = 2 * time.Hour })
	var fail atomic.Bool
	fail.Store(true)
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(b.fixture("rss-ar.xml"))
	})
	src := b.add("/feed", Spec{})
	var waits []time.Duration
	for i := 1; i <= 4; i++ {
		start := time.Now()
		r := b.fetch(src)
		waits = append(waits, r.Source.NextFetch.Sub(start))
		want := StateError
		if i >= 3 {
			want = StateFailing
		}
		if got := b.svc.Status(r.Source); got != want || r.Source.Errors != i {
			t.Errorf("after %d errors: status %s (errors %d), want %s", i, got, r.Source.Errors, want)
		}
	}
	// 15m, 30m, 1h, then capped at 2h (each plus up to 10% jitter).
	for i, base := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		if waits[i] < base || waits[i] > base+base/10+time.Second {
			t.Errorf("wait after %d errors %s, want %s plus jitter", i+1, waits[i], base)
		}
	}
	fail.Store(false)
	r := b.fetch(src)
	if r.Err != nil || r.Source.Errors != 0 || b.svc.Status(r.Source) != StateOK || r.Source.LastError != "" {
		t.Errorf("after a success: %s, %+v", r, r.Source)
	}
}

func TestTrickleCutAtTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Fetch.Timeout = time.Second })
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 100; i++ {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	src := b.add("/feed", Spec{})
	start := time.Now()
	r := b.fetch(src)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("a trickling server held the fetch for %s; the timeout is 1s", el)
	}
	if r.Err == nil || !strings.Contains(r.Err.Error(), "timed out") {
		t.Errorf("error %v, want a timeout", r.Err)
	}
}

func TestBodyLimits(t *testing.T) {
	t.Parallel()
	zeros := bytes.Repeat([]byte{' '}, 50<<20) // 50 MB
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, _ = zw.Write(zeros)
	zw.Close()
	var br bytes.Buffer
	bw := brotli.NewWriter(&br)
	tests := []struct {
		name    string
		handler func(b *bundle) http.HandlerFunc
		wantErr error
	}{
		{"50 MB body", func(b *bundle) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(zeros) }
		}, ErrTooLarge},
		{"gzip bomb", func(b *bundle) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(bomb.Bytes())
			}
		}, ErrTooLarge},
		{"brotli feed", func(b *bundle) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if !strings.Contains(r.Header.Get("Accept-Encoding"), "br") {
					http.Error(w, "want br", 400)
					return
				}
				if br.Len() == 0 {
					_, _ = bw.Write(b.fixture("feed.json"))
					bw.Close()
				}
				w.Header().Set("Content-Encoding", "br")
				_, _ = w.Write(br.Bytes())
			}
		}, nil},
	}
	if bomb.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed: not a bomb", bomb.Len())
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, func(o *Options) { o.Fetch.MaxBody = 1 << 20 })
			b.handle("/feed", tt.handler(b))
			r := b.fetch(b.add("/feed", Spec{}))
			if tt.wantErr == nil {
				if r.Err != nil || r.New != 2 {
					t.Errorf("fetch: %s", r)
				}
				return
			}
			if !errors.Is(r.Err, tt.wantErr) {
				t.Errorf("error %v, want %v", r.Err, tt.wantErr)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.handle("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	b.handle("/loop/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/a", http.StatusFound) })
	b.handle("/chain/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/chain/"), "%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
	})
	b.handle("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	b.handle("/temp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	b.serve("/new", "rss-ar.xml", "application/rss+xml")

	for _, path := range []string{"/loop/a", "/chain/0"} {
		r := b.fetch(b.add(path, Spec{}))
		if !errors.Is(r.Err, ErrRedirects) {
			t.Errorf("%s: error %v, want %v", path, r.Err, ErrRedirects)
		}
	}
	if n := b.hit("/chain/6"); n != 0 {
		t.Errorf("followed more than %d redirects", MaxRedirects)
	}
	old := b.add("/old", Spec{})
	r := b.fetch(old)
	if r.Err != nil || r.Source.URL != b.srv.URL+"/new" || r.Source.Key != b.srv.URL+"/old" {
		t.Errorf("permanent redirect: %s, URL %s key %s; want the URL moved, the key kept", r, r.Source.URL, r.Source.Key)
	}
	temp := b.add("/temp", Spec{})
	if r := b.fetch(temp); r.Err != nil || r.Source.URL != b.srv.URL+"/temp" {
		t.Errorf("temporary redirect moved the URL to %s", r.Source.URL)
	}
}

func TestPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Fetch.AllowPrivate = false })
	b.serve("/feed", "rss-ar.xml", "application/rss+xml")
	port := b.srv.URL[strings.LastIndex(b.srv.URL, ":"):]
	for _, u := range []string{b.srv.URL + "/feed", "http://localhost" + port + "/feed"} {
		src, _, err := b.svc.Add(b.ctx, Spec{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		r := b.fetch(src)
		if !errors.Is(r.Err, ErrForbiddenAddress) {
			t.Errorf("%s: error %v, want %v", u, r.Err, ErrForbiddenAddress)
		}
	}
	// A public host that redirects to a private one is refused at the
	// connection too: the check runs on every dial.
	if n := b.hit("/feed"); n != 0 {
		t.Errorf("the server was reached %d times", n)
	}
	if _, _, err := b.svc.Add(b.ctx, Spec{URL: "file:///etc/passwd"}); !errors.Is(err, ErrScheme) {
		t.Errorf("file: URL: %v, want %v", err, ErrScheme)
	}
	if _, _, err := b.svc.Add(b.ctx, Spec{URL: "ftp://example.com/feed"}); !errors.Is(err, ErrScheme) {
		t.Errorf("ftp: URL: %v, want %v", err, ErrScheme)
	}
}

func TestOneRequestAtATimePerHost(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Fetch.PerHostInterval = 20 * time.Millisecond })
	var inFlight, peak atomic.Int32
	var last atomic.Int64
	var gaps atomic.Int32
	b.handle("/f/", func(w http.ResponseWriter, r *http.Request) {
		if n := inFlight.Add(1); n > peak.Load() {
			peak.Store(n)
		}
		defer inFlight.Add(-1)
		now := time.Now().UnixNano()
		if prev := last.Swap(now); prev != 0 && time.Duration(now-prev) < 20*time.Millisecond {
			gaps.Add(1)
		}
		time.Sleep(5 * time.Millisecond)
		last.Store(time.Now().UnixNano())
		_, _ = w.Write(b.fixture("feed.json"))
	})
	var ids []int64
	for i := 0; i < 8; i++ {
		ids = append(ids, b.add(fmt.Sprintf("/f/%d", i), Spec{}).ID)
	}
	for _, r := range b.svc.FetchMany(b.ctx, ids, 8) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if peak.Load() != 1 || gaps.Load() != 0 {
		t.Errorf("peak %d requests at once to one host, %d gaps under per_host_interval; want 1 and 0", peak.Load(), gaps.Load())
	}
}

func TestSourcesStore(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	src, created, err := b.svc.Add(b.ctx, Spec{URL: "HTTPS://News.Example/rss.xml#top", Name: "صحيفة", Category: "اقتصاد"})
	if err != nil || !created || src.URL != "https://news.example/rss.xml" {
		t.Fatalf("Add = %+v, %v, %v", src, created, err)
	}
	again, created, err := b.svc.Add(b.ctx, Spec{URL: "https://news.example/rss.xml", FullText: true})
	if err != nil || created || again.ID != src.ID || !again.FullText {
		t.Errorf("Add again = %+v, %v, %v; want the same source, updated", again, created, err)
	}
	for _, ref := range []string{fmt.Sprint(src.ID), "https://news.example/rss.xml", "HTTPS://NEWS.example/rss.xml"} {
		if got, err := b.svc.Find(b.ctx, ref); err != nil || got.ID != src.ID {
			t.Errorf("Find(%s) = %v, %v", ref, got, err)
		}
	}
	if _, err := b.svc.Remove(b.ctx, "https://news.example/rss.xml"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Find(b.ctx, fmt.Sprint(src.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Find after Remove: %v", err)
	}
}
