package article

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// TestSharedSample parses the scraped sample article of the design notes.
func TestSharedSample(t *testing.T) {
	path := filepath.Join(testkit.RepoRoot(t), "..", "shared", "samples", "000_9d367565de3867f9.txt")
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("skipping: the shared sample %s is absent (../shared sits next to the repository in CI)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	arts, err := ParseFile(path, opts())
	if err != nil {
		t.Fatal(err)
	}
	a := arts[0]
	if a.Category != "اخبار سياسية" {
		t.Errorf("Category = %q", a.Category)
	}
	if a.Title != "لافروف يصل إلى كوريا الشمالية لتعزيز التعاون الثنائي" {
		t.Errorf("Title = %q", a.Title)
	}
	if a.Subtitle != "زيارة وزير الخارجية الروسي لكوريا الشمالية وتداعياتها" {
		t.Errorf("Subtitle = %q", a.Subtitle)
	}
	if !a.SummaryExplicit || !strings.HasPrefix(a.Summary, "تعد زيارة لافروف إلى كوريا الشمالية خطوة استثنائية") ||
		!strings.HasSuffix(a.Summary, "في الساحة الدولية.") {
		t.Errorf("Summary (explicit %v) = %q", a.SummaryExplicit, a.Summary)
	}
	for _, cut := range []string{"مقالات ذات صلة", "زر الذهاب إلى الأعلى"} {
		if strings.Contains(a.BodyHTML, cut) || strings.Contains(a.BodyText, cut) || strings.Contains(a.Summary, cut) {
			t.Errorf("%q was not cut", cut)
		}
	}
	if n := strings.Count(a.BodyHTML, "<h2>"); n != 5 { // four section headings and الخلاصة
		t.Errorf("%d <h2>, want 5:\n%s", n, a.BodyHTML)
	}
	if n := strings.Count(a.BodyHTML, "<li>"); n != 8 {
		t.Errorf("%d <li>, want 8", n)
	}
	// Arabic survives byte-exact: every body line of the file is in the text.
	lines := strings.Split(string(raw), "\n")
	for _, l := range lines[6:] {
		l = strings.TrimPrefix(strings.TrimSpace(l), "• ")
		if l == "" || l == "مقالات ذات صلة" || l == "زر الذهاب إلى الأعلى" {
			continue
		}
		if !strings.Contains(a.BodyText, l) || !strings.Contains(a.BodyHTML, l) {
			t.Errorf("line not kept byte for byte: %q", l)
		}
	}
	assertClean(t, a)
}

// TestSharedFixtures checks the copies in the repository's testdata folders
// that other packages' tests use: at least 8 good articles in 3 categories
// in all four formats, dated 2026-11-20..28 +03:00; hostile files parse.
func TestSharedFixtures(t *testing.T) {
	root := testkit.RepoRoot(t)
	var arts []Article
	formats := map[string]bool{}
	err := Walk([]string{filepath.Join(root, "testdata", "articles")}, func(p string) error {
		as, err := ParseFile(p, opts())
		formats[filepath.Ext(p)] = true
		arts = append(arts, as...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]int{}
	lo, hi := at("2026-11-20T00:00:00+03:00"), at("2026-11-29T00:00:00+03:00")
	for _, a := range arts {
		cats[a.Category]++
		if a.Published.Before(lo) || !a.Published.Before(hi) {
			t.Errorf("%s: Published %v outside 2026-11-20..28", a.SourcePath, a.Published)
		}
		if _, off := a.Published.Zone(); off != 3*3600 {
			t.Errorf("%s: zone offset %d, want +03:00", a.SourcePath, off)
		}
		assertClean(t, a)
	}
	if len(arts) < 8 || len(cats) < 3 || len(formats) != 4 {
		t.Errorf("%d articles, categories %v, formats %v; want >= 8, >= 3, 4", len(arts), cats, formats)
	}
	err = Walk([]string{filepath.Join(root, "testdata", "articles-hostile")}, func(p string) error {
		as, err := ParseFile(p, opts())
		for _, a := range as {
			assertClean(t, a)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	files := []string{"b.md", "a.txt", "sub/c.json", "sub/deep/d.HTML", "sub/e.htm", "x.pdf", ".hidden.txt",
		".git/f.md", "sub/.cache/g.txt", "sub/h.markdown", "notes"}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	fnErr := errors.New("fn failed")
	err := Walk([]string{dir, filepath.Join(dir, "x.pdf"), filepath.Join(dir, "a.txt"), filepath.Join(dir, "missing")}, func(p string) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, rel)
		if rel == "b.md" {
			return fnErr
		}
		return nil
	})
	want := []string{"a.txt", "b.md", "sub/c.json", "sub/deep/d.HTML", "sub/e.htm", "sub/h.markdown", "x.pdf"}
	if !slices.Equal(got, want) {
		t.Errorf("Walk visited %q, want %q", got, want)
	}
	if !errors.Is(err, fnErr) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Walk error %v, want fn's error and the missing path joined", err)
	}
	// An unsupported file named on the command line reaches fn, which
	// reports it through ParseFile.
	if _, err := ParseFile(filepath.Join(dir, "x.pdf"), opts()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ParseFile(x.pdf) = %v", err)
	}
}

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"000_9d367565de3867f9", "000_9d367565de3867f9"},
		{"Hello World", "hello-world"},
		{"أخبار  سياسية", "أخبار-سياسية"},
		{"مُحَمَّد يَصِل", "محمد-يصل"},
		{"عاجل!!: النفط/الغاز", "عاجل-النفط-الغاز"},
		{"  --Economy--2026-- ", "economy-2026"},
		{"سعر ٣٠ دولاراً", "سعر-٣٠-دولارا"},
		{"ـتطويلـ", "تطويل"},
		{"\u202Eخبر\u0007", "خبر"},
		{"!!!", "article"},
		{"Café", "caf"},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-11-21T09:30:00+03:00", "2026-11-21T09:30:00+03:00"},
		{"2026-11-21T06:30:00Z", "2026-11-21T09:30:00+03:00"},
		{"2026-11-21T09:30:00.123+03:00", "2026-11-21T09:30:00.123+03:00"},
		{"2026-11-21T09:30:00", "2026-11-21T09:30:00+03:00"},
		{"2026-11-21 09:30", "2026-11-21T09:30:00+03:00"},
		{"2026-11-21", "2026-11-21T00:00:00+03:00"},
		{"٢٠٢٦-١١-٢١", "2026-11-21T00:00:00+03:00"},
		{"Sat, 21 Nov 2026 06:30:00 GMT", "2026-11-21T09:30:00+03:00"},
		{"Sat, 21 Nov 2026 09:30:00 +0300", "2026-11-21T09:30:00+03:00"},
		{"2026-11-21T09:30:00+0300", "2026-11-21T09:30:00+03:00"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, riyadh)
		if err != nil || !got.Equal(at(tt.want)) {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "أمس", "2026-13-40", "21/11/2026 garbage"} {
		if _, err := ParseDate(bad, riyadh); err == nil {
			t.Errorf("ParseDate(%q) gave no error", bad)
		}
	}
}

// BenchmarkParseFile measures one pass over a fixture of each format.
func BenchmarkParseFile(b *testing.B) {
	files := []string{"politics-summit.txt", "economy-oil.md", "sports-final.html", "news.json"}
	for b.Loop() {
		for _, f := range files {
			if _, err := ParseFile(fixture(f), opts()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestCategoryAliases(t *testing.T) {
	o := Options{CategoryAliases: map[string]string{AliasKey(" اخبار اقتصادية "): "اقتصاد"}}
	md := "---\ntitle: سعر النفط يرتفع\ncategory: اخبار اقتصادية\ndate: 2026-12-01\n---\nارتفع سعر النفط اليوم.\n"
	arts, err := Parse("oil.md", []byte(md), time.Time{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if arts[0].Category != "اقتصاد" {
		t.Errorf("category %q, want اقتصاد through feeds.category_aliases", arts[0].Category)
	}
	arts, _ = Parse("oil.md", []byte(strings.Replace(md, "اخبار اقتصادية", "رياضة", 1)), time.Time{}, o)
	if arts[0].Category != "رياضة" {
		t.Errorf("category %q: a category without an alias must stay", arts[0].Category)
	}
}
