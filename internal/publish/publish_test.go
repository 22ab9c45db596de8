package publish_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

func options(items int) publish.Options {
	loc, _ := time.LoadLocation("Asia/Riyadh")
	return publish.Options{
		Feeds:        feeds.Options{Title: "نشرة", BaseURL: "https://nashra.example", Language: "ar", Location: loc, Items: items},
		Parse:        article.Options{Language: "ar", Location: loc},
		SummaryWords: 40,
		RelatedK:     3,
	}
}

func TestImportReportsAndReimports(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	p := publish.New(st, options(50))
	dir := t.TempDir()
	testkit.CopySamples(t, dir, "politics-summit.txt", "economy-oil.md", "news.json")
	bad := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(bad, []byte(`{"title": "بلا نهاية"`), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []string
	r, err := p.Import(ctx, []string{dir}, func(path string) { seen = append(seen, path) })
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 1 || r.Imported < 3 || r.Files != 4 || len(seen) != 4 {
		t.Fatalf("report %+v, progress calls %d", r, len(seen))
	}
	if msg := r.Err().Error(); !strings.Contains(msg, "broken.json") {
		t.Errorf("error does not name the file: %s", msg)
	}
	n, _ := st.CountArticles(ctx)
	if n != r.Imported {
		t.Errorf("store holds %d articles, report says %d imported", n, r.Imported)
	}

	// Every article got a summary and related links among the others.
	arts, _ := st.ListArticles(ctx, store.ArticleQuery{})
	for _, a := range arts {
		if a.Summary == "" {
			t.Errorf("%s: no summary", a.Title)
		}
		if rel, _ := st.Related(ctx, a.ID, 3); len(rel) == 0 {
			t.Errorf("%s: no related links", a.Title)
		}
	}

	// Same files again: nothing new; a changed file: one update.
	r2, _ := p.Import(ctx, []string{dir}, nil)
	if r2.Imported != 0 || r2.Updated != 0 || r2.Unchanged != r.Imported {
		t.Errorf("re-import %+v", r2)
	}
	md := filepath.Join(dir, "economy-oil.md")
	b, _ := os.ReadFile(md)
	if err := os.WriteFile(md, []byte(strings.Replace(string(b), "ارتفعت أسعار النفط", "قفزت أسعار النفط", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r3, _ := p.Import(ctx, []string{md}, nil)
	if r3.Updated != 1 || r3.Imported != 0 {
		t.Errorf("changed file: %+v", r3)
	}
	if n2, _ := st.CountArticles(ctx); n2 != n {
		t.Errorf("re-import changed the article count %d -> %d", n, n2)
	}
}

func TestBuildHoldsNewestPerFeed(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	cats := []string{"سياسة", "اقتصاد", "رياضة"}
	// 30 articles; the sports ones are all old, so the site-wide feed of
	// 5 items holds none of them while the sports feed must still hold 5.
	for i := 0; i < 30; i++ {
		cat := cats[i%2]
		pub := t0.Add(time.Duration(i) * time.Hour)
		if i < 10 {
			cat = "رياضة"
			pub = t0.Add(-time.Duration(100+i) * time.Hour)
		}
		key := "file:a" + string(rune('A'+i))
		a := &article.Article{Key: key, ID: article.IDFor(key), Slug: "a" + string(rune('a'+i)), Title: "خبر رقم " + string(rune('0'+i%10)) + " " + cat,
			Category: cat, Published: pub, Language: "ar", BodyText: "نص", BodyHTML: "<p>نص</p>"}
		if _, _, err := st.UpsertArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	set, err := publish.New(st, options(5)).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range set.Feeds() {
		file, ok := set.Get(f.JSON)
		if !ok {
			t.Fatalf("no %s", f.JSON)
		}
		if got := strings.Count(string(file.Body), `"id":"tag:`); got != 5 {
			t.Errorf("%s holds %d items, want 5", f.JSON, got)
		}
	}
	if len(set.Feeds()) != 4 {
		t.Errorf("%d feeds, want site-wide + 3 categories", len(set.Feeds()))
	}
}

// TestTxtArabicDateLine: a .txt date line in words (Gregorian with a
// weekday, with Arabic-Indic digits and a time, or Hijri) is the
// publication time — not the file's modification time, and not a subtitle;
// a Markdown front matter date in words is read the same way.
func TestTxtArabicDateLine(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	p := publish.New(st, options(50))
	dir := filepath.Join("testdata", "dated")
	r, err := p.Import(ctx, []string{dir}, nil)
	if err != nil || r.Failed != 0 || r.Imported != 4 {
		t.Fatalf("import: %+v %v", r, err)
	}
	loc, _ := time.LoadLocation("Asia/Riyadh")
	want := map[string]struct {
		published time.Time
		subtitle  string
	}{
		"weekday.txt":  {time.Date(2026, 11, 27, 0, 0, 0, 0, loc), ""},
		"subtitle.txt": {time.Date(2026, 11, 27, 21, 45, 0, 0, loc), "فوز مثير بهدفين مقابل هدف في الدقيقة الأخيرة"},
		"hijri.txt":    {time.Date(2026, 11, 28, 0, 0, 0, 0, loc), ""},
		// Front matter may write the date in words too.
		"frontmatter.md": {time.Date(2026, 11, 27, 10, 0, 0, 0, loc), ""},
	}
	arts, _ := st.ListArticles(ctx, store.ArticleQuery{})
	for _, a := range arts {
		w, ok := want[filepath.Base(a.SourcePath)]
		if !ok {
			t.Errorf("unexpected article from %s", a.SourcePath)
			continue
		}
		if !a.Published.Equal(w.published) {
			t.Errorf("%s: published %v, want %v", a.SourcePath, a.Published.In(loc), w.published)
		}
		if a.Subtitle != w.subtitle {
			t.Errorf("%s: subtitle %q, want %q", a.SourcePath, a.Subtitle, w.subtitle)
		}
		if strings.Contains(a.BodyText, "نوفمبر") || strings.Contains(a.BodyText, "جمادى") {
			t.Errorf("%s: the date line stayed in the body", a.SourcePath)
		}
	}
}

// TestItemIDsSurviveDomainMove: the tag: authority of item ids is recorded
// at the first build; after site.base_url moves to another host the links
// follow it but every id stays the same, so readers see nothing new.
func TestItemIDsSurviveDomainMove(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	src := filepath.Join(testkit.Samples(t), "politics-summit.txt")
	if _, err := publish.New(st, options(50)).Import(ctx, []string{src}, nil); err != nil {
		t.Fatal(err)
	}
	idsOf := func(baseURL string) (ids []string, body string) {
		t.Helper()
		o := options(50)
		o.Feeds.BaseURL = baseURL
		set, err := publish.New(st, o).Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := set.Get("/atom.xml")
		body = string(f.Body)
		for _, part := range strings.Split(body, "<id>")[1:] {
			ids = append(ids, part[:strings.Index(part, "</id>")])
		}
		return ids, body
	}
	before, _ := idsOf("https://nashra.example")
	after, body := idsOf("https://news.example.org")
	if len(before) < 2 || strings.Join(before, " ") != strings.Join(after, " ") {
		t.Errorf("ids changed with the domain:\nbefore %q\nafter  %q", before, after)
	}
	if !strings.HasPrefix(after[0], "tag:nashra.example,2026:") {
		t.Errorf("feed id %q does not keep the first authority", after[0])
	}
	if !strings.Contains(body, `href="https://news.example.org/`) {
		t.Error("links do not follow the new base URL")
	}
	if got, err := st.GetSetting(ctx, publish.SettingTagAuthority); err != nil || got != "nashra.example,2026" {
		t.Errorf("recorded authority = %q, %v", got, err)
	}
}

// embargoMD is a Markdown article dated at t, with an update time later
// still (a mistake in the file that must not reach the feeds).
func embargoMD(slug, title string, t time.Time) string {
	return "---\ntitle: \"" + title + "\"\ndate: " + t.Format(time.RFC3339) + "\nupdated: " + t.Add(48*time.Hour).Format(time.RFC3339) +
		"\ncategory: اقتصاد\nslug: " + slug + "\n---\n\nأعلنت الشركة نتائجها الفصلية اليوم وسط توقعات بارتفاع الأرباح في قطاع الطاقة.\n"
}

// TestEmbargo: an article dated in the future is held — out of the feeds
// and out of other articles' related links, with no date in the future —
// until its time, when ReleaseDue asks for a rebuild that publishes it.
func TestEmbargo(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	o := options(50)
	o.Feeds.Now = func() time.Time { return now }
	p := publish.New(st, o)
	dir := t.TempDir()
	release := now.Add(2 * time.Hour)
	files := map[string]string{
		"past.md":   embargoMD("past", "نتائج الشركة الفصلية", now.Add(-time.Hour)),
		"future.md": embargoMD("future", "نتائج الشركة السنوية", release),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := p.Import(ctx, []string{dir}, nil); err != nil || r.Imported != 2 {
		t.Fatalf("import %+v %v", r, err)
	}
	atom := func() string {
		t.Helper()
		set, err := p.Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := set.Get("/atom.xml")
		return string(f.Body)
	}
	body := atom()
	if strings.Contains(body, "السنوية") {
		t.Error("the embargoed article is in the feed (title or related link) before its time")
	}
	if !strings.Contains(body, "الفصلية") {
		t.Error("the published article is missing")
	}
	loc, _ := time.LoadLocation("Asia/Riyadh")
	for _, part := range strings.Split(body, "<updated>")[1:] {
		u, err := time.Parse(time.RFC3339, part[:strings.Index(part, "</updated>")])
		if err != nil || u.After(now) {
			t.Errorf("<updated>%s is in the future of %s", part[:25], now.In(loc).Format(time.RFC3339))
		}
	}
	if p.ReleaseDue(now.Add(time.Hour)) {
		t.Error("ReleaseDue before the embargo ends")
	}
	if !p.ReleaseDue(release) {
		t.Error("ReleaseDue false at the embargo's end")
	}
	now = release
	if body := atom(); !strings.Contains(body, "<title>نتائج الشركة السنوية</title>") {
		t.Error("the article is not published at its time")
	}
	if p.ReleaseDue(release.Add(time.Hour)) {
		t.Error("ReleaseDue still true after the release was built")
	}
}
