package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// TestBuildWritesPages: build --out writes every article page and every
// edition page with their archive, so that each link of the static site
// to the site itself (but the sign-up form, which needs serve) opens a
// file; an embargoed article gets no page.
func TestBuildWritesPages(t *testing.T) {
	const base = "https://news.example.org"
	site := roughSite(t)
	cfg, content, dir := site.Config, site.Content, site.Dir
	src := testkit.Samples(t)
	now := time.Now()
	// Yesterday's edition (digest.schedule 07:00 Riyadh; sent late, hence
	// --force) holds an article from two hours before it.
	riyadh := mustLoc(t, "Asia/Riyadh")
	y := now.In(riyadh).AddDate(0, 0, -1)
	day := y.Format("2006-01-02")
	sendAt := time.Date(y.Year(), y.Month(), y.Day(), 7, 0, 0, 0, riyadh)
	fresh := "---\ntitle: \"خبر اليوم للنشرة\"\ndate: " + sendAt.Add(-2*time.Hour).Format(time.RFC3339) +
		"\ncategory: اقتصاد\nslug: today-news\n---\n\nخبر جديد يدخل نشرة اليوم ويظهر في أرشيف النشرات.\n"
	later := "---\ntitle: \"خبر الغد\"\ndate: " + now.Add(24*time.Hour).Format(time.RFC3339) +
		"\ncategory: اقتصاد\nslug: tomorrow-news\n---\n\nلا يُنشر قبل موعده.\n"
	for name, body := range map[string]string{"today.md": fresh, "tomorrow.md": later} {
		writeFile(t, filepath.Join(content, name), body)
	}
	for _, args := range [][]string{
		{"import", src, content},
		{"subscribers", "add", "reader@example.org"},
		{"digest", "send", "--date", day, "--force"},
		// Tomorrow's edition, held: not out, so no page and not in the archive.
		{"digest", "hold", "--date", y.AddDate(0, 0, 2).Format("2006-01-02")},
	} {
		if _, _, err := run(t, append([]string{"--config", cfg}, args...)...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	out := filepath.Join(dir, "site")
	if _, _, err := run(t, "--config", cfg, "build", "--out", out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"index.html", "articles/today-news/index.html", "digest/index.html", "digest/" + day + "/index.html"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("static build lacks %s", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "articles", "tomorrow-news")); err == nil {
		t.Error("the embargoed article got a page")
	}
	held := y.AddDate(0, 0, 2).Format("2006-01-02")
	if _, err := os.Stat(filepath.Join(out, "digest", held)); err == nil {
		t.Error("the held edition got a page")
	}
	if archive, _ := os.ReadFile(filepath.Join(out, "digest", "index.html")); strings.Contains(string(archive), held) ||
		!strings.Contains(string(archive), day) {
		t.Errorf("the archive does not list exactly the sent edition:\n%s", archive)
	}
	// Every link to the site from the index, the archive and the article
	// pages opens a written file.
	pages := []string{"index.html", "digest/index.html", "digest/" + day + "/index.html", "articles/today-news/index.html"}
	checked := 0
	for _, p := range pages {
		body, err := os.ReadFile(filepath.Join(out, p))
		if err != nil {
			continue
		}
		for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.HasPrefix(link, base+"/") || strings.HasPrefix(link, base+"/subscribe") {
				continue
			}
			u, err := url.Parse(link)
			if err != nil {
				t.Errorf("%s: bad link %q", p, link)
				continue
			}
			f := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(u.Path, "/")))
			if st, err := os.Stat(f); err == nil && st.IsDir() {
				f = filepath.Join(f, "index.html")
			}
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: link %s opens no file (%s)", p, link, f)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("only %d links checked", checked)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
