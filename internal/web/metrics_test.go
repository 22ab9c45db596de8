package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type counter struct {
	mu  sync.Mutex
	got []string
}

func (c *counter) Request(path string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, path+" "+http.StatusText(status))
}

func TestInstrument(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.xml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<rss/>")) })
	mux.HandleFunc("GET /atom.xml", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	c := &counter{}
	h := Instrument(mux, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("nashra_up 1\n")) }))
	for _, p := range []string{"/feed.xml", "/atom.xml", "/missing", "/metrics"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if p == "/metrics" && !strings.Contains(rec.Body.String(), "nashra_up 1") {
			t.Errorf("/metrics served %q", rec.Body.String())
		}
	}
	want := []string{"/feed.xml OK", "/atom.xml Not Modified", "/missing Not Found"}
	if strings.Join(c.got, "|") != strings.Join(want, "|") {
		t.Errorf("counted %v, want %v (and /metrics not counted)", c.got, want)
	}
}
