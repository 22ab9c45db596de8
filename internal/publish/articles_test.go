package publish_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mdArticle(slug, title string) string {
	s := "---\ntitle: " + title + "\ncategory: اقتصاد\ndate: 2026-11-27T09:00:00+03:00\n"
	if slug != "" {
		s += "slug: " + slug + "\n"
	}
	return s + "---\n\nنص المقال " + title + " في فقرة كاملة.\n"
}

// TestSameSlugNeverReplaces: two files with the same slug (front matter,
// or the same file name in two folders) never overwrite each other's
// article, in either import order: the second is refused naming both
// files, and the first keeps its article.
func TestSameSlugNeverReplaces(t *testing.T) {
	for _, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		ctx := context.Background()
		st := teststore.SQLite(t)
		p := publish.New(st, options(50))
		dir := t.TempDir()
		files := map[string]string{
			"a": filepath.Join(dir, "economy", "oil.md"),
			"b": filepath.Join(dir, "sport", "oil.md"),
		}
		writeFile(t, files["a"], mdArticle("", "أسعار النفط ترتفع"))
		writeFile(t, files["b"], mdArticle("", "نادي النفط يفوز"))
		first, second := files[order[0]], files[order[1]]
		if r, err := p.Import(ctx, []string{first}, nil); err != nil || r.Imported != 1 {
			t.Fatalf("first import: %+v %v", r, err)
		}
		r, err := p.Import(ctx, []string{second}, nil)
		if err != nil || r.Failed != 1 || r.Imported+r.Updated != 0 {
			t.Fatalf("second import: %+v %v", r, err)
		}
		msg := r.Err().Error()
		if !strings.Contains(msg, second) || !strings.Contains(msg, first) || !strings.Contains(msg, `slug "oil"`) {
			t.Errorf("error does not name both files and the slug: %s", msg)
		}
		a, err := st.ArticleBySlug(ctx, "oil")
		if err != nil || a.SourcePath != first {
			t.Errorf("article oil: %+v %v, want the one of %s", a, err, first)
		}
		// The front matter slug clashes the same way.
		third := filepath.Join(dir, "other.md")
		writeFile(t, third, mdArticle("oil", "عنوان آخر"))
		if r, _ := p.Import(ctx, []string{third}, nil); r.Failed != 1 || !strings.Contains(r.Err().Error(), first) {
			t.Errorf("front matter slug: %+v", r)
		}
		// Re-importing the owner still updates it; once its file is gone,
		// another file may take the slug over.
		writeFile(t, first, mdArticle("", "عنوان محدث"))
		if r, _ := p.Import(ctx, []string{first}, nil); r.Updated != 1 {
			t.Errorf("re-import of the owner: %+v", r)
		}
		if err := os.Remove(first); err != nil {
			t.Fatal(err)
		}
		if r, _ := p.Import(ctx, []string{second}, nil); r.Updated != 1 || r.Failed != 0 {
			t.Errorf("take-over after the owner's file went: %+v %v", r, r.Err())
		}
	}
}

// TestSameSlugInOneImport: two files of one folder with the same slug:
// the first in walk order keeps the article, the second is refused naming
// both, and importing the folder again changes nothing.
func TestSameSlugInOneImport(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	p := publish.New(st, options(50))
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a", "oil.md"), filepath.Join(dir, "b", "oil.md")
	writeFile(t, first, mdArticle("", "أسعار النفط ترتفع"))
	writeFile(t, second, mdArticle("", "نادي النفط يفوز"))
	for i := range 2 {
		r, err := p.Import(ctx, []string{dir}, nil)
		if err != nil || r.Failed != 1 || !strings.Contains(r.Err().Error(), second+": slug \"oil\" is already the article of "+first) {
			t.Fatalf("import %d: %+v %v", i+1, r, r.Err())
		}
	}
	if a, err := st.ArticleBySlug(ctx, "oil"); err != nil || a.Title != "أسعار النفط ترتفع" {
		t.Errorf("article oil: %+v %v", a, err)
	}
}

// TestArticleAdmin: Unpublish, Publish, Delete by slug and FilesRemoved,
// as the command line, console and API call them; the feeds follow.
func TestArticleAdmin(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	p := publish.New(st, options(50))
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md")
	writeFile(t, a, mdArticle("oil-prices", "أسعار النفط"))
	writeFile(t, b, mdArticle("gold-prices", "أسعار الذهب"))
	if _, err := p.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	inFeed := func(title string) bool {
		t.Helper()
		set, err := p.Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := set.Get("/feed.xml")
		if !ok {
			t.Fatal("no /feed.xml")
		}
		return strings.Contains(string(f.Body), title)
	}
	if !inFeed("أسعار النفط") || !inFeed("أسعار الذهب") {
		t.Fatal("articles missing from the feed")
	}
	if _, err := p.Unpublish(ctx, "oil-prices"); err != nil {
		t.Fatal(err)
	}
	if inFeed("أسعار النفط") {
		t.Error("unpublished article still in the feed")
	}
	// Its file imported again (edited) does not bring it back.
	writeFile(t, a, mdArticle("oil-prices", "أسعار النفط اليوم"))
	if _, err := p.Import(ctx, []string{a}, nil); err != nil {
		t.Fatal(err)
	}
	if inFeed("أسعار النفط") {
		t.Error("re-import published an unpublished article")
	}
	if _, draft, err := p.Publish(ctx, "oil-prices"); err != nil || draft {
		t.Fatalf("Publish: draft=%v %v", draft, err)
	}
	if !inFeed("أسعار النفط اليوم") {
		t.Error("published article not in the feed")
	}
	// The file of b removed: its article leaves the feed; back, it returns.
	ids, err := p.FilesRemoved(ctx, []string{b})
	if err != nil || len(ids) != 1 {
		t.Fatalf("FilesRemoved = %v, %v", ids, err)
	}
	if inFeed("أسعار الذهب") {
		t.Error("the article of a removed file is still in the feed")
	}
	if _, err := p.Import(ctx, []string{b}, nil); err != nil {
		t.Fatal(err)
	}
	if !inFeed("أسعار الذهب") {
		t.Error("the file came back but its article did not")
	}
	_, left, err := p.Delete(ctx, "gold-prices")
	if err != nil || left != b {
		t.Errorf("Delete: file left %q, %v; want %s", left, err, b)
	}
	if _, err := st.ArticleBySlug(ctx, "gold-prices"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted article: %v", err)
	}
	if _, err := p.Unpublish(ctx, "no-such"); !errors.Is(err, publish.ErrNoSuchArticle) || !errors.Is(err, store.ErrNotFound) || err.Error() != `publish: "no-such": no such article` {
		t.Errorf("unknown slug: %v", err)
	}
}

// TestWatcherWaitsForSettledFiles: a file is reported once it has kept its
// size between two scans, a growing one is not, and a removed one is
// reported once.
func TestWatcherWaitsForSettledFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.md")
	writeFile(t, old, mdArticle("", "قديم"))
	w := publish.NewWatcher(dir, publish.Scan(dir))
	if s, r := w.Next(); len(s)+len(r) != 0 {
		t.Fatalf("nothing changed, got %v %v", s, r)
	}
	growing := filepath.Join(dir, "new.txt")
	writeFile(t, growing, "اقتصاد\n")
	if s, _ := w.Next(); len(s) != 0 {
		t.Errorf("a new file was reported at once: %v", s)
	}
	f, err := os.OpenFile(growing, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("عنوان\nفقرة أولى من نص يكتب الآن.\n")
	f.Close()
	if s, _ := w.Next(); len(s) != 0 {
		t.Errorf("a file still growing was reported: %v", s)
	}
	if s, _ := w.Next(); len(s) != 1 || s[0] != growing {
		t.Errorf("settled file: %v, want %s", s, growing)
	}
	if s, _ := w.Next(); len(s) != 0 {
		t.Errorf("reported twice: %v", s)
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	if _, r := w.Next(); len(r) != 1 || r[0] != old {
		t.Errorf("removed: %v, want %s", r, old)
	}
	if _, r := w.Next(); len(r) != 0 {
		t.Errorf("removal reported twice: %v", r)
	}
}

// TestFilesMissing: articles whose files were removed while serve was not
// running are withdrawn at the next start; files elsewhere are not looked
// at, and the others stay.
func TestFilesMissing(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	p := publish.New(st, options(50))
	dir, other := t.TempDir(), t.TempDir()
	gone, kept, outside := filepath.Join(dir, "gone.md"), filepath.Join(dir, "kept.md"), filepath.Join(other, "outside.md")
	writeFile(t, gone, mdArticle("gone", "خبر محذوف"))
	writeFile(t, kept, mdArticle("kept", "خبر باق"))
	writeFile(t, outside, mdArticle("outside", "خبر من مجلد آخر"))
	if _, err := p.Import(ctx, []string{dir, outside}, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{gone, outside} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := p.FilesMissing(ctx, dir)
	if err != nil || len(ids) != 1 {
		t.Fatalf("FilesMissing = %v, %v", ids, err)
	}
	for slug, draft := range map[string]bool{"gone": true, "kept": false, "outside": false} {
		if a, err := st.ArticleBySlug(ctx, slug); err != nil || a.Draft != draft {
			t.Errorf("%s: %+v %v, want draft=%v", slug, a, err, draft)
		}
	}
}
