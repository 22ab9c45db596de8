package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/templates"
)

// TestNewsletterArchivePaths: /digest/{newsletter}/{date} and
// /digest/{newsletter}/ answer for each newsletter; the old /digest/{date}
// and /digest/ still answer with the default newsletter's; /digest/{slug}
// leads to that newsletter's archive; an unknown newsletter is a 404.
func TestNewsletterArchivePaths(t *testing.T) {
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{"2026-03-06": "عدد الصباحية", "weekly.2026-03-06": "عدد حصاد الأسبوع"}
	var asked []string
	srv := web.New(web.Options{
		Pages: tmpl, SiteTitle: "نشرة", BaseURL: "https://nashra.example",
		Newsletters: []web.Newsletter{{Slug: "daily", Name: "الصباحية"}, {Slug: "weekly", Name: "حصاد الأسبوع"}},
		Edition: func(ctx context.Context, id string) ([]byte, bool, error) {
			p, ok := pages[id]
			return []byte(`<html lang="ar" dir="rtl">` + p + `</html>`), ok, nil
		},
		Editions: func(ctx context.Context, newsletter string) ([]web.EditionLink, error) {
			asked = append(asked, newsletter)
			if newsletter == "weekly" {
				return []web.EditionLink{{Day: "2026-03-06", Subject: "حصاد الأسبوع", URL: "https://nashra.example/digest/weekly/2026-03-06"}}, nil
			}
			return []web.EditionLink{{Day: "2026-03-06", Subject: "الصباحية", URL: "https://nashra.example/digest/2026-03-06"}}, nil
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/digest/2026-03-06", 200, "عدد الصباحية"},
		{"/digest/daily/2026-03-06", 200, "عدد الصباحية"},
		{"/digest/weekly/2026-03-06", 200, "عدد حصاد الأسبوع"},
		{"/digest/weekly/2026-03-07", 404, ""},
		{"/digest/monthly/2026-03-06", 404, "لا توجد نشرة بهذا الاسم"},
		{"/digest/", 200, `href="https://nashra.example/digest/2026-03-06"`},
		{"/digest/weekly/", 200, `href="https://nashra.example/digest/weekly/2026-03-06"`},
		{"/digest/weekly", 200, "أرشيف «حصاد الأسبوع»"}, // after the redirect
		{"/digest/monthly/", 404, ""},
	} {
		res, body := get(t, ts.URL+c.path)
		if res.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d, want %d with %q:\n%.400s", c.path, res.StatusCode, c.status, c.want, body)
		}
	}
	if strings.Join(asked, ",") != ",weekly,weekly" {
		t.Errorf("archives asked for %q, want the default one then weekly (twice)", asked)
	}
	// The archive links every newsletter's archive, the current one marked.
	_, body := get(t, ts.URL+"/digest/weekly/")
	if !strings.Contains(body, `<a href="https://nashra.example/digest/">الصباحية</a>`) || !strings.Contains(body, `aria-current="page">حصاد الأسبوع`) {
		t.Errorf("the weekly archive does not link the newsletters:\n%s", body)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(ts.URL + "/digest/weekly")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/digest/weekly/" {
		t.Errorf("/digest/weekly = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
}
