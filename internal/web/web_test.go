package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/templates"
)

func setup(t *testing.T) (*httptest.Server, *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	st := teststore.SQLite(t)
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*article.Article{
		{Key: "file:summit", Slug: "summit", Title: "قمة <b>الرياض</b> تبحث التعاون", Category: "سياسة", Language: "ar",
			Published: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), Summary: "ملخص القمة.",
			BodyHTML: "<p>افتتحت القمة أعمالها.</p>", BodyText: "افتتحت القمة أعمالها."},
		{Key: "file:scraped", Slug: "scraped", Title: "صفحة منسوخة", Language: "ar", Published: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC),
			Summary: "أبرز ما جاء في القمة.", SummaryExplicit: true,
			BodyHTML: "<p>نص.</p><h2>الخلاصة</h2><p>أبرز ما جاء في القمة.</p>", BodyText: "نص.\n\nالخلاصة\n\nأبرز ما جاء في القمة."},
		{Key: "file:draft", Slug: "draft", Title: "مسودة", Draft: true, Language: "ar", Published: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{Key: "file:embargoed", Slug: "embargoed", Title: "خبر تحت الحظر", Language: "ar", Published: time.Now().Add(time.Hour),
			BodyHTML: "<p>لم يحن موعده.</p>", BodyText: "لم يحن موعده."},
	} {
		a.ID = article.IDFor(a.Key)
		if _, _, err := st.UpsertArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	srv := web.New(web.Options{
		Feeds:      http.NotFoundHandler(),
		Articles:   st,
		Health:     st,
		Pages:      tmpl,
		SiteTitle:  "نشرة",
		BaseURL:    "https://nashra.example",
		IsNotFound: func(err error) bool { return errors.Is(err, store.ErrNotFound) },
		Edition: func(ctx context.Context, day string) ([]byte, bool, error) {
			if day == "2026-11-28" {
				return []byte(`<html lang="ar" dir="rtl">نشرة اليوم</html>`), true, nil
			}
			return nil, false, nil
		},
		Editions: func(ctx context.Context, newsletter string) ([]web.EditionLink, error) {
			return []web.EditionLink{
				{Day: "2026-11-28", Subject: "نشرة السبت: قمة الرياض", URL: "https://nashra.example/digest/2026-11-28", Time: time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)},
				{Day: "2026-11-27", Subject: "نشرة الجمعة", URL: "https://nashra.example/digest/2026-11-27", Time: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)},
			}, nil
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, b := testkit.Request(t, nil, "GET", url)
	return res, string(b)
}

func TestPages(t *testing.T) {
	ts, _ := setup(t)
	tests := []struct {
		path     string
		status   int
		contains []string
		absent   []string
	}{
		{"/healthz", 200, []string{"ok"}, nil},
		{"/readyz", 200, []string{"ok"}, nil},
		{"/articles/summit", 200, []string{`lang="ar" dir="rtl"`, "قمة &lt;b&gt;الرياض&lt;/b&gt; تبحث التعاون", "<p>افتتحت القمة أعمالها.</p>", "ملخص القمة.",
			`href="https://nashra.example/subscribe"`, `href="https://nashra.example/digest/"`}, []string{"<b>الرياض</b>"}},
		{"/articles/scraped", 200, []string{"أبرز ما جاء في القمة."}, []string{`class="summary"`}},
		{"/articles/draft", 404, []string{`dir="rtl"`, "الصفحة المطلوبة غير موجودة."}, []string{"مسودة"}},
		{"/articles/missing", 404, []string{"الصفحة المطلوبة غير موجودة."}, nil},
		{"/articles/embargoed", 404, []string{"الصفحة المطلوبة غير موجودة."}, []string{"تحت الحظر"}},
		{"/digest/", 200, []string{"أرشيف النشرات", `href="https://nashra.example/digest/2026-11-28"`, "نشرة السبت: قمة الرياض", "نشرة الجمعة",
			`href="https://nashra.example/subscribe"`}, nil},
		{"/digest/2026-11-28", 200, []string{"نشرة اليوم"}, nil},
		{"/digest/2026-11-27", 404, []string{"لا توجد نشرة لهذا اليوم."}, nil},
		{"/digest/not-a-date", 404, []string{"غير موجودة"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, ts.URL+tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
}

func TestReadyzFailsWhenDatabaseCloses(t *testing.T) {
	ts, st := setup(t)
	st.Close()
	res, _ := get(t, ts.URL+"/readyz")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed database: %d, want 503", res.StatusCode)
	}
}

// TestPagesETagAndGzip: article pages, editions and the archive carry an
// ETag that answers a reload with 304, and are gzipped when accepted.
func TestPagesETagAndGzip(t *testing.T) {
	ts, _ := setup(t)
	tr := &http.Transport{DisableCompression: true}
	do := func(path string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for _, path := range []string{"/articles/summit", "/digest/2026-11-28", "/digest/"} {
		res, plain := do(path, nil)
		etag := res.Header.Get("Etag")
		if res.StatusCode != 200 || etag == "" || res.Header.Get("Last-Modified") == "" {
			t.Errorf("%s: status %d, ETag %q, Last-Modified %q", path, res.StatusCode, etag, res.Header.Get("Last-Modified"))
			continue
		}
		if res, _ := do(path, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match %s: status %d, want 304", path, etag, res.StatusCode)
		}
		res, gz := do(path, map[string]string{"Accept-Encoding": "gzip"})
		if len(plain) < 1000 {
			continue // too small to be worth compressing
		}
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Content-Encoding %q Vary %q, want gzip", path, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if unz, _ := io.ReadAll(zr); !bytes.Equal(unz, plain) {
			t.Errorf("%s: gzip body differs from the plain one", path)
		}
	}
}

// TestPagesPreparedOnce: a page rendered to the same bytes again is served
// as prepared the first time — an edition keeps the Last-Modified of its
// first request (it has no date of its own) and so answers If-Modified-Since
// with 304 — and a page whose bytes change gets a new ETag at once.
func TestPagesPreparedOnce(t *testing.T) {
	ts, st := setup(t)
	res, _ := get(t, ts.URL+"/digest/2026-11-28")
	first := res.Header.Get("Last-Modified")
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond))) // into the next second
	res, _ = get(t, ts.URL+"/digest/2026-11-28")
	if res.Header.Get("Last-Modified") != first {
		t.Errorf("edition Last-Modified moved from %s to %s with the same bytes", first, res.Header.Get("Last-Modified"))
	}
	req, _ := http.NewRequest("GET", ts.URL+"/digest/2026-11-28", nil)
	req.Header.Set("If-Modified-Since", first)
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since %s: %v %v, want 304", first, res.StatusCode, err)
	}

	res, _ = get(t, ts.URL+"/articles/summit")
	before := res.Header.Get("Etag")
	a, err := st.ArticleBySlug(context.Background(), "summit")
	if err != nil {
		t.Fatal(err)
	}
	a.BodyHTML, a.BodyText = "<p>اختتمت القمة أعمالها.</p>", "اختتمت القمة أعمالها."
	if _, _, err := st.UpsertArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	res, body := get(t, ts.URL+"/articles/summit")
	if res.Header.Get("Etag") == before || !strings.Contains(body, "اختتمت القمة") {
		t.Errorf("edited article: ETag %s (was %s), new text shown: %v", res.Header.Get("Etag"), before, strings.Contains(body, "اختتمت القمة"))
	}
}
