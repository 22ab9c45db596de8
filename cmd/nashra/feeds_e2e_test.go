package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// run executes nashra in-process with args and returns what it printed.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// feedSite is a test site (testkit.NewSite) titled "نشرة الاختبار" with a
// content folder watched every 200 ms and one category, politics; layers
// go over that.
func feedSite(t *testing.T, layers ...string) *testkit.Site {
	t.Helper()
	return testkit.NewSite(t, append([]string{`
site:
  title: "نشرة الاختبار"
  content_dir: "$DIR/content"
server:
  watch_interval: 200ms
feeds:
  categories:
    - {name: "سياسة", slug: "politics", title: ""}
log:
  level: warn
`}, layers...)...)
}

// fixturePaths are the article files of the end-to-end tests: every format,
// the hostile and Windows-1256 files, and the shared sample when present.
func fixturePaths(t *testing.T) []string {
	root := testkit.RepoRoot(t)
	paths := []string{filepath.Join(root, "testdata", "articles"), filepath.Join(root, "testdata", "articles-hostile")}
	sample := filepath.Join(root, "..", "shared", "samples", "000_9d367565de3867f9.txt")
	if _, err := os.Stat(sample); err == nil {
		paths = append(paths, sample)
	} else {
		t.Logf("shared sample not found (%v): testing without it", err)
	}
	return paths
}

// storedTitles returns the titles of every article in the store.
func storedTitles(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	st := teststore.Open(t, dsn)
	arts, err := st.ListArticles(ctx, store.ArticleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range arts {
		titles = append(titles, a.Title)
	}
	return titles
}

var activeContent = regexp.MustCompile(`(?i)<script|javascript:|\son[a-z]+\s*=`)

func TestImportBuildParse(t *testing.T) {
	py := testkit.Feedparser(t)
	site := feedSite(t)
	cfgPath, dir := site.Config, site.Dir
	out, _, err := run(t, "--config", cfgPath, "import")
	if err == nil {
		t.Fatalf("import without paths succeeded: %s", out)
	}
	out, errOut, err := run(t, append([]string{"--config", cfgPath, "import"}, fixturePaths(t)...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	if !regexp.MustCompile(`^\d+ imported, 0 updated, 0 unchanged, 0 failed`).MatchString(out) {
		t.Errorf("summary line = %q", out)
	}
	// Re-import updates nothing and duplicates nothing.
	out2, _, err := run(t, append([]string{"--config", cfgPath, "import"}, fixturePaths(t)...)...)
	if err != nil || !strings.HasPrefix(out2, "0 imported, 0 updated, ") {
		t.Errorf("re-import: %v %q", err, out2)
	}
	titles := storedTitles(t, filepath.Join(dir, "nashra.db"))
	if len(titles) < 15 {
		t.Fatalf("only %d articles stored", len(titles))
	}

	pub := filepath.Join(dir, "public")
	if _, errOut, err := run(t, "--config", cfgPath, "build", "--out", pub); err != nil {
		t.Fatalf("build: %v %s", err, errOut)
	}
	var xmlFeeds, jsonFeeds []string
	err = filepath.Walk(pub, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if m := activeContent.Find(body); m != nil {
			t.Errorf("%s: active content survived: %q", p, m)
		}
		switch filepath.Ext(p) {
		case ".xml":
			xmlFeeds = append(xmlFeeds, p)
		case ".json":
			jsonFeeds = append(jsonFeeds, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(xmlFeeds) < 4 || len(jsonFeeds) < 2 {
		t.Fatalf("build wrote %d XML and %d JSON feeds", len(xmlFeeds), len(jsonFeeds))
	}
	index, err := os.ReadFile(filepath.Join(pub, "index.html"))
	if err != nil || !bytes.Contains(index, []byte(`dir="rtl"`)) || !bytes.Contains(index, []byte(`type="application/atom+xml"`)) {
		t.Errorf("index.html lacks RTL or autodiscovery links: %v", err)
	}

	// Every title the site-wide feeds carry is an imported title, byte-exact.
	known := map[string]bool{}
	for _, ti := range titles {
		known[ti] = true
	}
	gp := gofeed.NewParser()
	for _, p := range append(append([]string{}, xmlFeeds...), jsonFeeds...) {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := gp.Parse(f)
		f.Close()
		if err != nil {
			t.Errorf("gofeed %s: %v", p, err)
			continue
		}
		if feed.Language != "ar" || len(feed.Items) == 0 {
			t.Errorf("gofeed %s: language %q, %d items", p, feed.Language, len(feed.Items))
		}
		for _, it := range feed.Items {
			if !known[it.Title] {
				t.Errorf("gofeed %s: title %q is not an imported title", p, it.Title)
			}
		}
	}

	script := `
import json, sys, feedparser
known = set(json.load(open(sys.argv[1])))
bad = []
for p in sys.argv[2:]:
    d = feedparser.parse(p)
    if d.bozo:
        bad.append("%s: bozo %r" % (p, d.bozo_exception))
    for e in d.entries:
        if e.title not in known:
            bad.append("%s: title %r not imported" % (p, e.title))
    if not d.entries:
        bad.append("%s: no entries" % p)
print("\n".join(bad))
sys.exit(1 if bad else 0)
`
	titlesFile := writeJSON(t, filepath.Join(dir, "titles.json"), titles)
	cmd := exec.Command(py, append([]string{"-c", script, titlesFile}, xmlFeeds...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("feedparser: %v\n%s", err, out)
	}

	sch := testkit.JSONFeedSchema(t)
	for _, p := range jsonFeeds {
		b, _ := os.ReadFile(p)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: JSON Feed 1.1 schema: %v", p, err)
		}
	}
}

// TestServeFeeds runs `nashra serve` in-process: conditional GET, gzip,
// HEAD, newsboat subscribing, and a newly imported article showing up
// without a restart.
func TestServeFeeds(t *testing.T) {
	newsboat := testkit.NeedTool(t, "newsboat")
	// A WebSub hub (our own test server) records the publish pings.
	var hubMu sync.Mutex
	var pings []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		hubMu.Lock()
		if r.Form.Get("hub.mode") == "publish" {
			pings = append(pings, r.Form.Get("hub.url"))
		}
		hubMu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	hubPings := func() []string { hubMu.Lock(); defer hubMu.Unlock(); return append([]string(nil), pings...) }
	site := feedSite(t, "feeds:\n  websub_hub: "+strconv.Quote(hub.URL)+"\n")
	content := site.Content
	testkit.CopySamples(t, content, "politics-summit.txt", "economy-oil.md", "tech-ai.html")

	serveSite(t, site)
	base := site.Base

	// Conditional GET, gzip, HEAD on the real server.
	res, body := testkit.Request(t, nil, "GET", base+"/atom.xml")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("GET atom.xml: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), "قمة عربية طارئة في الرياض لبحث الأمن الإقليمي") {
		t.Errorf("atom.xml lacks the Arabic title")
	}
	res304, _ := testkit.Request(t, nil, "GET", base+"/atom.xml", "If-None-Match", res.Header.Get("ETag"))
	if res304.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d, want 304", res304.StatusCode)
	}
	resIMS, _ := testkit.Request(t, nil, "GET", base+"/atom.xml", "If-Modified-Since", res.Header.Get("Last-Modified"))
	if resIMS.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", resIMS.StatusCode)
	}
	resGz, gz := testkit.Request(t, nil, "GET", base+"/atom.xml", "Accept-Encoding", "gzip")
	if resGz.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip: %v", resGz.Header)
	} else if zr, err := gzip.NewReader(bytes.NewReader(gz)); err != nil {
		t.Error(err)
	} else if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, body) {
		t.Error("gzip body differs from the plain body")
	}
	resHead, headBody := testkit.Request(t, nil, "HEAD", base+"/feed.xml")
	if resHead.StatusCode != 200 || len(headBody) != 0 || resHead.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, %d body bytes, etag %q", resHead.StatusCode, len(headBody), resHead.Header.Get("ETag"))
	}

	// newsboat subscribes to the RSS and Atom feeds and shows the Arabic titles.
	nb := t.TempDir()
	urls := filepath.Join(nb, "urls")
	_ = os.WriteFile(urls, []byte(base+"/feed.xml\n"+base+"/categories/politics/atom.xml\n"), 0o644)
	_ = os.WriteFile(filepath.Join(nb, "config"), []byte(""), 0o644)
	cache := filepath.Join(nb, "cache.db")
	nbCmd := func(args ...string) string {
		c := exec.Command(newsboat, append([]string{"-u", urls, "-c", cache, "-C", filepath.Join(nb, "config")}, args...)...)
		c.Env = append(os.Environ(), "HOME="+nb, "LANG=C.UTF-8", "TERM=dumb")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("newsboat %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	nbCmd("-x", "reload")
	export := html.UnescapeString(nbCmd("-e")) // OPML of the subscribed feeds, titled from the feeds
	if !strings.Contains(export, "نشرة الاختبار") {
		t.Errorf("newsboat export lacks the Arabic feed title:\n%s", export)
	}
	unread := nbCmd("-x", "print-unread")
	if !strings.Contains(unread, "unread") {
		t.Errorf("newsboat print-unread: %q", unread)
	}
	sqlite3Titles := newsboatTitles(t, cache)
	for _, want := range []string{"قمة عربية طارئة في الرياض لبحث الأمن الإقليمي"} {
		if !strings.Contains(sqlite3Titles, want) {
			t.Errorf("newsboat cache lacks %q; has:\n%s", want, sqlite3Titles)
		}
	}

	// A new file in the content folder shows up without a restart.
	testkit.CopySamples(t, content, "sports-final.html")
	before := len(hubPings())
	testkit.WaitFor(t, 15*time.Second, "the new article shows in the feed without a restart", func() bool {
		_, body := testkit.Fetch(base + "/feed.xml")
		return strings.Contains(body, "الهلال يتوج بلقب دوري أبطال آسيا")
	})
	// The hub heard about the changed feeds (the site-wide ones at least).
	testkit.WaitFor(t, 10*time.Second, "the hub was pinged about /feed.xml", func() bool {
		for _, u := range hubPings()[before:] {
			if u == base+"/feed.xml" {
				return true
			}
		}
		return false
	})
	_, rss := testkit.Request(t, nil, "GET", base+"/feed.xml")
	if !strings.Contains(string(rss), `<atom:link href="`+hub.URL+`/" rel="hub">`) && !strings.Contains(string(rss), `<atom:link href="`+hub.URL+`" rel="hub">`) {
		t.Error("feed.xml does not announce the hub")
	}
}

// newsboatTitles reads the item titles from newsboat's SQLite cache.
func newsboatTitles(t *testing.T, cache string) string {
	t.Helper()
	db, err := sql.Open(sqlite.DriverName, cache)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT title FROM rss_item`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		b.WriteString(s + "\n")
	}
	return b.String()
}
