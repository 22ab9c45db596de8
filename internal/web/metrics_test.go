package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// RequestLog is the request counter of the tests of Instrument and of the
// fast path (web_test uses it too): it records each request counted as
// "path status-text".
type RequestLog struct {
	mu   sync.Mutex
	seen []string
}

func (c *RequestLog) Request(path string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, path+" "+http.StatusText(status))
}

// Take returns the requests recorded since the last Take.
func (c *RequestLog) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seen
	c.seen = nil
	return s
}

func TestInstrument(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.xml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<rss/>")) })
	mux.HandleFunc("GET /atom.xml", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	c := &RequestLog{}
	h := Instrument(mux, c, &MetricsAccess{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("nashra_up 1\n")) })})
	for _, p := range []string{"/feed.xml", "/atom.xml", "/missing", "/metrics"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if p == "/metrics" && !strings.Contains(rec.Body.String(), "nashra_up 1") {
			t.Errorf("/metrics served %q", rec.Body.String())
		}
	}
	want := []string{"/feed.xml OK", "/atom.xml Not Modified", "/missing Not Found"}
	if got := c.Take(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("counted %v, want %v (and /metrics not counted)", got, want)
	}
}

// TestMetricsAccess: /metrics answers GET and HEAD only, and only to the
// clients of Allow (seen through the trusted proxies); without Allow (a
// listener of its own) to anyone; without MetricsAccess not at all.
func TestMetricsAccess(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("nashra_up 1\n")) })
	site := http.NotFoundHandler()
	guarded := Instrument(site, nil, &MetricsAccess{Handler: metrics, Allow: loopback, TrustedProxies: loopback})
	open := Instrument(site, nil, &MetricsAccess{Handler: metrics})
	none := Instrument(site, nil, nil)
	for _, tt := range []struct {
		name   string
		h      http.Handler
		method string
		remote string
		xff    string
		want   int
	}{
		{"local GET", guarded, "GET", "127.0.0.1:5000", "", 200},
		{"local HEAD", guarded, "HEAD", "[::1]:5000", "", 200},
		{"local DELETE", guarded, "DELETE", "127.0.0.1:5000", "", 405},
		{"local POST", guarded, "POST", "127.0.0.1:5000", "", 405},
		{"remote peer", guarded, "GET", "203.0.113.7:5000", "", 403},
		{"remote peer claiming loopback", guarded, "GET", "203.0.113.7:5000", "127.0.0.1", 403},
		{"remote client through the local proxy", guarded, "GET", "127.0.0.1:5000", "203.0.113.7", 403},
		{"local client through the local proxy", guarded, "GET", "127.0.0.1:5000", "127.0.0.1", 200},
		{"own listener, remote", open, "GET", "203.0.113.7:5000", "", 200},
		{"own listener, PUT", open, "PUT", "203.0.113.7:5000", "", 405},
		{"not served", none, "GET", "127.0.0.1:5000", "", 404},
	} {
		r := httptest.NewRequest(tt.method, "/metrics", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		rec := httptest.NewRecorder()
		tt.h.ServeHTTP(rec, r)
		if rec.Code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, rec.Code, tt.want)
		}
		if rec.Code == 200 && tt.method == "GET" && !strings.Contains(rec.Body.String(), "nashra_up") {
			t.Errorf("%s: body %q", tt.name, rec.Body.String())
		}
		if rec.Code == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q", tt.name, rec.Header().Get("Allow"))
		}
	}
}
