package feeds_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/testkit"
)

// corpus is one set of input articles checked by the parser tests.
type corpus struct {
	name string
	in   feeds.Input
}

// corpora returns our own fixtures plus, when present, the articles of the
// repository's testdata/articles and testdata/articles-hostile (ingested by
// internal/article) and the shared sample article from ../shared/samples.
func corpora(t *testing.T) []corpus {
	t.Helper()
	out := []corpus{{"feeds-testdata", loadFixture(t)}}
	root := testkit.RepoRoot(t)
	var repo feeds.Input
	var paths []string
	for _, dir := range []string{"testdata/articles", "testdata/articles-hostile"} {
		if _, err := os.Stat(filepath.Join(root, dir)); err == nil {
			paths = append(paths, filepath.Join(root, dir))
		}
	}
	if shared := filepath.Join(root, "..", "shared", "samples"); len(paths) > 0 {
		if m, _ := filepath.Glob(filepath.Join(shared, "000_*.txt")); len(m) > 0 {
			paths = append(paths, m[0])
		}
	}
	if len(paths) == 0 {
		t.Log("no repository testdata/articles yet: checking feeds/testdata only")
		return out
	}
	err := article.Walk(paths, func(path string) error {
		arts, err := article.ParseFile(path, article.Options{Location: riyadh(t)})
		repo.Articles = append(repo.Articles, arts...)
		return err
	})
	if err != nil {
		t.Logf("some repository fixtures did not parse (ingestion's concern): %v", err)
	}
	if len(repo.Articles) == 0 {
		t.Fatalf("no articles parsed from %v", paths)
	}
	// A file dated by its modification time is in the future of the
	// pinned build clock and would be held as embargoed: date it before.
	for i := range repo.Articles {
		if a := &repo.Articles[i]; a.Published.After(fixedNow) {
			a.Published, a.Updated = fixedNow.Add(-time.Hour), fixedNow.Add(-time.Hour)
		}
	}
	return append(out, corpus{"repo-testdata", repo})
}

// writtenFeeds builds a corpus, writes it with WriteDir and returns the
// directory, the set and the titles every feed must hold.
func writtenFeeds(t *testing.T, in feeds.Input) (string, *feeds.Set, map[string][]string) {
	t.Helper()
	s, err := feeds.Build(testOptions(t), in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatalf("WriteDir did not write %s: %v", f.Path, err)
		}
		if !bytes.Equal(got, f.Body) {
			t.Fatalf("%s on disk differs from the served bytes", f.Path)
		}
	}
	return dir, s, expectedFeeds(t, s, in, testOptions(t).Items)
}

var (
	reScript  = regexp.MustCompile(`(?i)<\s*script`)
	reHandler = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	reJS      = regexp.MustCompile(`(?i)javascript\s*:`)
)

// noActiveContent fails when text holds a script tag, an event handler
// attribute or a javascript: URL.
func noActiveContent(t *testing.T, where, text string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{reScript, reHandler, reJS} {
		if m := re.FindString(text); m != "" {
			t.Errorf("%s: active content %q survived", where, m)
		}
	}
}

func TestGofeedParsesEveryFeed(t *testing.T) {
	for _, c := range corpora(t) {
		t.Run(c.name, func(t *testing.T) { gofeedCheck(t, c.in, c.name == "feeds-testdata") })
	}
}

func gofeedCheck(t *testing.T, in feeds.Input, spot bool) {
	_, s, want := writtenFeeds(t, in)
	p := gofeed.NewParser()
	for _, f := range s.Files() {
		noActiveContent(t, f.Path, string(f.Body))
		if f.ContentType == feeds.TypeHTML {
			continue
		}
		feed, err := p.Parse(bytes.NewReader(f.Body))
		if err != nil {
			t.Errorf("%s: gofeed: %v", f.Path, err)
			continue
		}
		wantType := map[string]string{feeds.TypeRSS: "rss", feeds.TypeAtom: "atom", feeds.TypeJSON: "json"}[f.ContentType]
		if feed.FeedType != wantType {
			t.Errorf("%s: gofeed type %q, want %q", f.Path, feed.FeedType, wantType)
		}
		if feed.Language != "ar" {
			t.Errorf("%s: language %q, want ar", f.Path, feed.Language)
		}
		var titles []string
		for _, it := range feed.Items {
			titles = append(titles, it.Title)
			noActiveContent(t, f.Path+" content", it.Content)
			noActiveContent(t, f.Path+" description", it.Description)
			if it.GUID == "" || !strings.HasPrefix(it.GUID, "tag:nashra.example,2026:articles/") {
				t.Errorf("%s: %q: id %q is not the article's tag URI", f.Path, it.Title, it.GUID)
			}
			if it.PublishedParsed == nil {
				t.Errorf("%s: %q: no published date", f.Path, it.Title)
			} else if !strings.Contains(it.Published, "+03:00") && !strings.Contains(it.Published, "+0300") {
				t.Errorf("%s: %q: published %q not in Asia/Riyadh (+03:00)", f.Path, it.Title, it.Published)
			}
			// Related links, when the article has any, close the content.
			id := it.GUID[strings.LastIndexByte(it.GUID, '/')+1:]
			if rel := in.Related[id]; len(rel) > 0 {
				i := strings.LastIndex(it.Content, "<h3>مقالات ذات صلة</h3><ul><li>")
				if i < 0 || !strings.HasSuffix(it.Content, "</li></ul></div>") ||
					strings.Count(it.Content[i:], "<li>") > len(rel) {
					t.Errorf("%s: %q: related links not at the end of the content", f.Path, it.Title)
				}
			} else if strings.Contains(it.Content, "<h3>مقالات ذات صلة</h3>") {
				t.Errorf("%s: %q: related heading without related links", f.Path, it.Title)
			}
		}
		if !slices.Equal(titles, want[f.Path]) {
			t.Errorf("%s: titles\n got %q\nwant %q", f.Path, titles, want[f.Path])
		}
	}
	if !spot {
		return
	}
	// Spot checks on the site-wide feeds: every category, author, image.
	for _, path := range []string{"/feed.xml", "/atom.xml", "/feed.json"} {
		f, _ := s.Get(path)
		feed, err := p.Parse(bytes.NewReader(f.Body))
		if err != nil {
			t.Fatal(err)
		}
		first := feed.Items[0]
		if want := []string{"كرة القدم", "المنتخب", "تصفيات كأس العالم"}; !slices.Equal(first.Categories, want) {
			t.Errorf("%s: categories %q, want %q", path, first.Categories, want)
		}
		if len(first.Authors) == 0 || first.Authors[0].Name != "سارة العلي" {
			t.Errorf("%s: author %+v", path, first.Authors)
		}
		if !strings.HasPrefix(first.Content, `<div dir="rtl" lang="ar">`) {
			t.Errorf("%s: content not wrapped in an RTL div: %.60q", path, first.Content)
		}
		img := ""
		if first.Image != nil {
			img = first.Image.URL
		}
		for _, e := range first.Enclosures {
			img = e.URL
		}
		if ext, ok := first.Extensions["media"]; ok && img == "" {
			img = ext["content"][0].Attrs["url"]
		}
		if img != "https://nashra.example/images/match.jpg" {
			t.Errorf("%s: image %q", path, img)
		}
	}
}

func TestFeedparserAcceptsRSSAndAtom(t *testing.T) {
	python := testkit.Feedparser(t)
	for _, c := range corpora(t) {
		t.Run(c.name, func(t *testing.T) { feedparserCheck(t, python, c.in) })
	}
}

func feedparserCheck(t *testing.T, python string, in feeds.Input) {
	dir, s, want := writtenFeeds(t, in)
	type job struct {
		File   string   `json:"file"`
		Titles []string `json:"titles"`
	}
	var jobs []job
	for _, f := range s.Files() {
		if f.ContentType == feeds.TypeRSS || f.ContentType == feeds.TypeAtom {
			jobs = append(jobs, job{File: filepath.Join(dir, filepath.FromSlash(f.Path)), Titles: want[f.Path]})
		}
	}
	stdin, _ := json.Marshal(jobs)
	const script = `
import json, sys, feedparser
fails = []
for job in json.load(sys.stdin):
    d = feedparser.parse(job["file"])
    name = job["file"]
    if d.bozo:
        fails.append("%s: bozo: %r" % (name, d.get("bozo_exception")))
    if d.feed.get("language") != "ar":
        fails.append("%s: language %r" % (name, d.feed.get("language")))
    titles = [e.get("title") for e in d.entries]
    if titles != job["titles"]:
        fails.append("%s: titles %r != %r" % (name, titles, job["titles"]))
    for e in d.entries:
        if not e.get("id", "").startswith("tag:"):
            fails.append("%s: id %r" % (name, e.get("id")))
        if not e.get("published_parsed"):
            fails.append("%s: %s: no published date" % (name, e.get("title")))
    if not any(l.get("rel") == "self" for l in d.feed.get("links", [])):
        fails.append("%s: no rel=self link" % name)
    if not any(l.get("rel") == "hub" for l in d.feed.get("links", [])):
        fails.append("%s: no rel=hub link" % name)
print("\n".join(fails))
sys.exit(1 if fails else 0)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, out)
	}
	if len(jobs) < 4 {
		t.Fatalf("only %d RSS/Atom feeds checked", len(jobs))
	}
}

func TestJSONFeedsMatchSchema(t *testing.T) {
	sch := testkit.JSONFeedSchema(t)
	n := 0
	for _, c := range corpora(t) {
		_, s, _ := writtenFeeds(t, c.in)
		for _, f := range s.Files() {
			if f.ContentType != feeds.TypeJSON {
				continue
			}
			n++
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Body))
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s %s: %v", c.name, f.Path, err)
			}
		}
	}
	// The schema must be able to fail: an item without id is invalid.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"content_html":"<p>x</p>"}]}`))
	if sch.Validate(bad) == nil {
		t.Fatal("schema accepted an item without id")
	}
	if n < 3 {
		t.Fatalf("only %d JSON feeds validated", n)
	}
}
