package feeds_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares every built file with testdata/golden (fixed clock,
// Asia/Riyadh). Run with -update after an intended change.
func TestGolden(t *testing.T) {
	s := buildFixture(t)
	root := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteDir(root); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if _, ok := s.Get("/" + filepath.ToSlash(rel)); !ok {
			t.Errorf("golden %s is no longer built", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files() {
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: no golden file (run go test -run TestGolden -update): %v", f.Path, err)
			continue
		}
		n++
		if !bytes.Equal(f.Body, want) {
			t.Errorf("%s differs from its golden file (run with -update if intended)\n%s", f.Path, testkit.LineDiff(string(want), string(f.Body)))
		}
	}
	if n < 19 {
		t.Errorf("only %d files compared", n)
	}
}

func TestSlug(t *testing.T) {
	cfg := []feeds.Category{{Name: "اقتصاد", Slug: "economy"}, {Name: "Sport", Slug: "sports"}}
	hashed := regexp.MustCompile(`^c-[0-9a-f]{8}$`)
	for _, tc := range []struct{ in, want string }{
		{"كرة القدم", "kra-alqdm"},
		{"اقتصاد", "economy"},         // configured wins
		{"  اقتصاد ", "economy"},      // trimmed
		{"sport", "sports"},           // case-insensitive match of a configured name
		{"الرِّيَاضَة", "alryada"},    // harakat dropped
		{"أخبار ٢٠٢٦", "akhbar-2026"}, // hamza, Arabic-Indic digits
		{"الشرق الأوسط / العالم", "alshrq-alawst-alalm"},
		{"Économie & Finance", "economie-finance"},
		{"فرهنگ", "frhng"}, // Persian letters
		{"", ""},
	} {
		if got := feeds.Slug(tc.in, cfg); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"中文新闻", "★★★"} {
		got := feeds.Slug(in, nil)
		if !hashed.MatchString(got) || got != feeds.Slug(in, nil) {
			t.Errorf("Slug(%q) = %q, want a stable c-<hash>", in, got)
		}
	}
	if feeds.Slug("中文新闻", nil) == feeds.Slug("日本語", nil) {
		t.Error("different names share a hash slug")
	}
}

func TestArticleURL(t *testing.T) {
	o := feeds.Options{BaseURL: "https://nashra.example/"}
	for _, tc := range []struct {
		a    article.Article
		want string
	}{
		{article.Article{Slug: "x", SourceURL: "https://example.org/a"}, "https://example.org/a"},
		{article.Article{Slug: "x", SourceURL: "javascript:alert(1)"}, "https://nashra.example/articles/x"},
		{article.Article{Slug: "خبر-عاجل"}, "https://nashra.example/articles/%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84"},
		{article.Article{ID: "abc"}, "https://nashra.example/articles/abc"},
	} {
		if got := feeds.ArticleURL(o, tc.a); got != tc.want {
			t.Errorf("ArticleURL(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func art(id, title, cat string, pub time.Time) article.Article {
	return article.Article{ID: id, Slug: id, Title: title, Category: cat, Published: pub, Updated: pub,
		Summary: "ملخص " + title, BodyHTML: "<p>" + title + "</p>", Language: "ar"}
}

func TestBuildItemsDraftsAndCollisions(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	in := feeds.Input{Articles: []article.Article{
		art("a1", "أول", "صيف", day(1)), // oldest "sayf": keeps the slug "syf"
		art("a2", "ثان", "سيف", day(2)), // newer category with the same default slug
		art("a3", "ثالث", "سيف", day(3)),
		art("a4", "رابع", "سيف", day(4)),
		art("a5", "خامس", "صيف", day(5)),
	}}
	d := art("d1", "مسودة", "سيف", day(9))
	d.Draft = true
	in.Articles = append(in.Articles, d)
	o := testOptions(t)
	o.Items = 2
	s, err := feeds.Build(o, in)
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]string{}
	for _, f := range s.Feeds() {
		slugs[f.Category] = f.Slug
	}
	if slugs["صيف"] != "syf" || !regexp.MustCompile(`^syf-[0-9a-f]{4}$`).MatchString(slugs["سيف"]) {
		t.Fatalf("collision not resolved as documented: %q", slugs)
	}
	titles := func(path string) []string {
		f, ok := s.Get(path)
		if !ok {
			t.Fatalf("%s not built", path)
		}
		var doc struct {
			Items []struct {
				Title string `xml:"title"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(f.Body, &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range doc.Items {
			out = append(out, it.Title)
		}
		return out
	}
	if got := strings.Join(titles("/feed.xml"), ","); got != "خامس,رابع" {
		t.Errorf("site feed = %s, want the 2 newest non-drafts", got)
	}
	if got := strings.Join(titles("/categories/"+slugs["سيف"]+"/feed.xml"), ","); got != "رابع,ثالث" {
		t.Errorf("category feed = %s", got)
	}
}

func TestBuildRejectsBadOptions(t *testing.T) {
	for name, mod := range map[string]func(*feeds.Options){
		"relative base":  func(o *feeds.Options) { o.BaseURL = "/site" },
		"ftp base":       func(o *feeds.Options) { o.BaseURL = "ftp://x.example" },
		"bad slug":       func(o *feeds.Options) { o.Categories = []feeds.Category{{Name: "x", Slug: "../etc"}} },
		"bad tag date":   func(o *feeds.Options) { o.TagDate = "yesterday" },
		"javascript hub": func(o *feeds.Options) { o.WebSubHub = "javascript:alert(1)" },
	} {
		o := testOptions(t)
		mod(&o)
		if _, err := feeds.Build(o, feeds.Input{}); err == nil || !strings.HasPrefix(err.Error(), "feeds: ") {
			t.Errorf("%s: err = %v, want a feeds: error", name, err)
		}
	}
}

func TestEmptyBuild(t *testing.T) {
	s, err := feeds.Build(feeds.Options{BaseURL: "http://localhost:8080", Now: func() time.Time { return fixedNow }}, feeds.Input{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files()) != 4 {
		t.Fatalf("want site feeds + index, got %d files", len(s.Files()))
	}
	f, _ := s.Get("/feed.json")
	if !bytes.Contains(f.Body, []byte(`"items":[]`)) {
		t.Errorf("empty JSON feed must still have items: %s", f.Body)
	}
	if !f.Modified.Equal(fixedNow) {
		t.Errorf("Modified = %v, want the build clock", f.Modified)
	}
}

func TestImages(t *testing.T) {
	s := buildFixture(t)
	f, _ := s.Get("/feed.xml")
	body := string(f.Body)
	// Known length: a proper enclosure. Unknown: media:content, never an
	// enclosure without length. Unsafe URL: nothing.
	if !strings.Contains(body, `<enclosure url="https://cdn.example.org/img/hilal.jpg" length="48213" type="image/jpeg">`) {
		t.Error("no enclosure for the image of known length")
	}
	if strings.Count(body, "<enclosure") != 1 {
		t.Error("enclosures without a length were written")
	}
	if !strings.Contains(body, `<media:content url="https://nashra.example/images/match.jpg" type="image/jpeg" medium="image">`) {
		t.Error("no media:content for a site-relative image")
	}
}

func TestChanged(t *testing.T) {
	in := loadFixture(t)
	a, _ := feeds.Build(testOptions(t), in)
	b, _ := feeds.Build(testOptions(t), in)
	if got := feeds.Changed(a, b); len(got) != 0 {
		t.Errorf("identical builds changed: %v", got)
	}
	in.Articles[3].Title = "New AI chips ship soon" // Technology
	c, _ := feeds.Build(testOptions(t), in)
	got := strings.Join(feeds.Changed(a, c), " ")
	want := "https://nashra.example/atom.xml https://nashra.example/categories/technology/atom.xml https://nashra.example/categories/technology/feed.json https://nashra.example/categories/technology/feed.xml https://nashra.example/feed.json https://nashra.example/feed.xml"
	if got != want {
		t.Errorf("Changed = %s\nwant %s", got, want)
	}
	if len(feeds.Changed(nil, a)) != len(a.FeedURLs()) {
		t.Error("Changed(nil, s) must list every feed")
	}
}
