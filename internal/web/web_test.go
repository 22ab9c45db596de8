package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/templates"
)

func setup(t *testing.T) (*httptest.Server, *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "nashra.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
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
		{"/articles/summit", 200, []string{`lang="ar" dir="rtl"`, "قمة &lt;b&gt;الرياض&lt;/b&gt; تبحث التعاون", "<p>افتتحت القمة أعمالها.</p>", "ملخص القمة."}, []string{"<b>الرياض</b>"}},
		{"/articles/scraped", 200, []string{"أبرز ما جاء في القمة."}, []string{`class="summary"`}},
		{"/articles/draft", 404, []string{`dir="rtl"`, "الصفحة المطلوبة غير موجودة."}, []string{"مسودة"}},
		{"/articles/missing", 404, []string{"الصفحة المطلوبة غير موجودة."}, nil},
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
