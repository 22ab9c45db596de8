package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/web"
)

// wantSecurityHeaders checks the headers every HTML page must carry.
func wantSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, d)
		}
	}
	_, script, _ := strings.Cut(csp, "script-src")
	script, _, _ = strings.Cut(script, ";")
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(script, "unsafe-inline") {
		t.Errorf("%s: CSP allows inline script: %q", what, csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, h.Get("X-Content-Type-Options"))
	}
	if h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: Referrer-Policy %q, X-Frame-Options %q", what, h.Get("Referrer-Policy"), h.Get("X-Frame-Options"))
	}
}

// TestSecurityHeaders: every HTML page (the feeds' index, article pages,
// editions, error pages, pages mounted by Routes) carries the CSP and its
// companions; the feeds carry nosniff.
func TestSecurityHeaders(t *testing.T) {
	ts, _ := setup(t)
	for _, p := range []string{"/articles/summit", "/articles/missing", "/digest/2026-11-28", "/digest/2026-11-27", "/healthz"} {
		res, _ := get(t, ts.URL+p)
		wantSecurityHeaders(t, p, res.Header)
	}

	set, err := feeds.Build(feeds.Options{BaseURL: "https://nashra.example", Title: "نشرة"}, feeds.Input{Articles: []article.Article{{
		ID: article.IDFor("file:a"), Key: "file:a", Slug: "a", Title: "خبر", Language: "ar", Summary: "ملخص",
		BodyText: "نص", BodyHTML: "<p>نص</p>", Published: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Options{Feeds: feeds.NewHandler(set), Routes: func(mux *http.ServeMux) {
		mux.HandleFunc("GET /admin/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><p>console</p>"))
		})
	}})
	fs := httptest.NewServer(srv)
	t.Cleanup(fs.Close)
	for _, p := range []string{"/", "/index.html", "/admin/"} {
		res, body := get(t, fs.URL+p)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s\n%s", p, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		wantSecurityHeaders(t, p, res.Header)
	}
	for _, p := range []string{"/feed.xml", "/atom.xml", "/feed.json"} {
		res, _ := get(t, fs.URL+p)
		if res.StatusCode != 200 || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, X-Content-Type-Options %q", p, res.StatusCode, res.Header.Get("X-Content-Type-Options"))
		}
	}

	// A handler served on its own gets them from the middleware.
	rec := httptest.NewRecorder()
	web.SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/admin/x", nil))
	wantSecurityHeaders(t, "SecurityHeaders", rec.Header())
}
