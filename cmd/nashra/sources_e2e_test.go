package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// TestSourcesEndToEnd: a source added with the command line is fetched by
// serve's queue, its items reach /feed.xml and the edition of their day,
// and fetching it again unchanged adds nothing and rebuilds nothing.
func TestSourcesEndToEnd(t *testing.T) {
	feed, err := os.ReadFile(filepath.Join(testkit.RepoRoot(t), "internal", "source", "testdata", "rss-ar.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var hits, notModified atomic.Int32
	var ua atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		ua.Store(r.Header.Get("User-Agent"))
		if r.Header.Get("If-None-Match") == `"rss-1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"rss-1"`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(feed)
	}))
	defer origin.Close()

	site := feedSite(t, "sources:\n  allow_private: true\n  per_host_interval: 0s\n")
	cfgPath, dir := site.Config, site.Dir

	out, _, err := run(t, "--config", cfgPath, "sources", "add", origin.URL+"/rss.xml", "--name", "صحيفة المثال")
	if err != nil || !strings.Contains(out, "source 1 added") {
		t.Fatalf("sources add: %q, %v", out, err)
	}

	startServe(t, cfgPath)
	base := site.Base
	var body string
	testkit.WaitFor(t, 30*time.Second, "the fetched source's articles show in the feed", func() bool {
		_, body = testkit.Fetch(base + "/feed.xml")
		return strings.Contains(body, "البنك المركزي يرفع سعر الفائدة ربع نقطة")
	})
	if !strings.Contains(body, "المنتخب يتأهل إلى نهائي كأس العرب") {
		t.Errorf("/feed.xml lacks the second item:\n%s", body)
	}
	if strings.Contains(body, "<script") {
		t.Errorf("/feed.xml carries the item's script")
	}
	if got, _ := ua.Load().(string); !strings.HasPrefix(got, "nashra/") || !strings.Contains(got, site.Base) {
		t.Errorf("User-Agent %q: want nashra, its version and site.base_url", got)
	}

	// The next edition (the items' day) has both stories.
	out, _, err = run(t, "--config", cfgPath, "digest", "preview", "--date", "2026-12-01", "--format", "json")
	if err != nil {
		t.Fatalf("digest preview: %v", err)
	}
	for _, title := range []string{"البنك المركزي يرفع سعر الفائدة ربع نقطة", "المنتخب يتأهل إلى نهائي كأس العرب"} {
		if !strings.Contains(out, title) {
			t.Errorf("edition lacks %q:\n%s", title, out)
		}
	}

	// Fetched again, unchanged: no article added or changed, no rebuild.
	res0, _ := testkit.Request(t, nil, "GET", base+"/feed.xml")
	etag := res0.Header.Get("ETag")
	st := teststore.Open(t, filepath.Join(dir, "nashra.db"))
	before, _ := st.LastChange(context.Background())
	out, _, err = run(t, "--config", cfgPath, "sources", "fetch", "--once")
	if err != nil || !strings.Contains(out, "not modified") {
		t.Fatalf("sources fetch again: %q, %v", out, err)
	}
	if notModified.Load() == 0 {
		t.Error("the second fetch did not send the ETag")
	}
	time.Sleep(600 * time.Millisecond) // three watch intervals
	after, _ := st.LastChange(context.Background())
	res1, _ := testkit.Request(t, nil, "GET", base+"/feed.xml")
	if !before.Equal(after) || res1.Header.Get("ETag") != etag {
		t.Errorf("unchanged fetch: last change %s -> %s, feed ETag %s -> %s", before, after, etag, res1.Header.Get("ETag"))
	}
	if n, _ := st.CountArticles(context.Background()); n != 2 {
		t.Errorf("%d articles, want 2", n)
	}
	out, _, _ = run(t, "--config", cfgPath, "sources", "list")
	if !strings.Contains(out, "صحيفة المثال") || !strings.Contains(out, " ok ") || !strings.Contains(out, " 2 ") {
		t.Errorf("sources list:\n%s", out)
	}
}

// TestSourcesFromConfig: sources.list is added to the store at start,
// marked as coming from the config; a bad URL there names its key.
func TestSourcesFromConfig(t *testing.T) {
	cfgPath := feedSite(t, "sources:\n  list:\n    - url: https://news.example/rss.xml\n      name: صحيفة المثال\n      category: اقتصاد\n      full_text: true\n").Config
	out, _, err := run(t, "--config", cfgPath, "sources", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "https://news.example/rss.xml") || !strings.Contains(out, "اقتصاد (full text)") || !strings.Contains(out, " new ") {
		t.Errorf("sources list:\n%s", out)
	}
	out, errOut, err := run(t, "--config", cfgPath, "sources", "remove", "https://news.example/rss.xml")
	if err != nil || !strings.Contains(out, "removed") || !strings.Contains(errOut, "sources.list") {
		t.Errorf("remove: %q %q %v; want a note that the config lists it", out, errOut, err)
	}

	bad := feedSite(t, "sources:\n  list:\n    - url: ftp://news.example/rss.xml\n").Config
	if _, _, err := run(t, "--config", bad, "sources", "list"); err == nil || !strings.Contains(err.Error(), "sources.list[0].url") {
		t.Errorf("bad URL in sources.list: %v, want an error naming sources.list[0].url", err)
	}
}

// TestSourcesFetchKeepsGoing: without --once, `sources fetch` fetches at
// once, then stays until interrupted, and exits cleanly.
func TestSourcesFetchKeepsGoing(t *testing.T) {
	feed, err := os.ReadFile(filepath.Join(testkit.RepoRoot(t), "internal", "source", "testdata", "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(feed) }))
	defer origin.Close()
	cfgPath := feedSite(t, fmt.Sprintf("sources:\n  allow_private: true\n  list:\n    - url: %s/feed.json\n", origin.URL)).Config
	ctx, cancel := context.WithCancel(context.Background())
	var out testkit.SyncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCmd(&out, &bytes.Buffer{})
		root.SetArgs([]string{"--config", cfgPath, "sources", "fetch"})
		done <- root.ExecuteContext(ctx)
	}()
	testkit.WaitFor(t, 20*time.Second, "sources fetch reports 2 new", func() bool { return strings.Contains(out.String(), "2 new") })
	select {
	case err := <-done:
		t.Fatalf("sources fetch without --once returned after one round: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("interrupted: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sources fetch did not stop when interrupted")
	}
}
