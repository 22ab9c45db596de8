package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// writeArticle writes a political article titled title, with slug, as
// the Markdown file path.
func writeArticle(t *testing.T, path, slug, title string) {
	t.Helper()
	writeFile(t, path, "---\ntitle: "+title+"\ncategory: سياسة\ndate: 2026-11-27T09:00:00+03:00\nslug: "+slug+"\n---\n\nنص المقال "+title+" في فقرة كاملة.\n")
}

// writeSummitAndVote writes two articles in dir, summit.md ("قمة في
// الرياض") and vote.md ("تصويت في البرلمان"), and returns summit.md's path.
func writeSummitAndVote(t *testing.T, dir string) string {
	t.Helper()
	summit := filepath.Join(dir, "summit.md")
	writeArticle(t, summit, "summit", "قمة في الرياض")
	writeArticle(t, filepath.Join(dir, "vote.md"), "vote", "تصويت في البرلمان")
	return summit
}

// TestArticlesCommands: nashra articles list|unpublish|publish|delete, and
// build leaving an unpublished article out of the feeds.
func TestArticlesCommands(t *testing.T) {
	site := feedSite(t)
	cfg, content := site.Config, site.Content
	writeSummitAndVote(t, content)
	if _, _, err := run(t, "--config", cfg, "import", content); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "--config", cfg, "articles", "unpublish", "summit"); err != nil || !strings.Contains(out, "unpublished summit") {
		t.Fatalf("unpublish: %v\n%s", err, out)
	}
	out, _, err := run(t, "--config", cfg, "articles", "list", "--category", "سياسة", "--source", content)
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "summit unpublished سياسة") || !strings.Contains(flat, "vote published سياسة") {
		t.Errorf("list:\n%s", out)
	}
	if out, _, _ := run(t, "--config", cfg, "articles", "list", "--source", filepath.Join(content, "vote.md")); strings.Contains(out, "summit") || !strings.Contains(out, "vote") {
		t.Errorf("list --source FILE:\n%s", out)
	}
	built := filepath.Join(t.TempDir(), "site")
	if _, _, err := run(t, "--config", cfg, "build", "--out", built); err != nil {
		t.Fatal(err)
	}
	if rss, _ := os.ReadFile(filepath.Join(built, "feed.xml")); strings.Contains(string(rss), "قمة في الرياض") || !strings.Contains(string(rss), "تصويت في البرلمان") {
		t.Errorf("feed.xml after unpublish:\n%s", rss)
	}
	if out, _, err := run(t, "--config", cfg, "articles", "publish", "summit"); err != nil || !strings.Contains(out, "published summit") {
		t.Errorf("publish: %v\n%s", err, out)
	}
	_, errOut, err := run(t, "--config", cfg, "articles", "delete", "vote")
	if err != nil || !strings.Contains(errOut, "still there") {
		t.Errorf("delete: %v\n%s", err, errOut)
	}
	if _, _, err := run(t, "--config", cfg, "articles", "unpublish", "vote"); err == nil || !strings.Contains(err.Error(), "no such article") {
		t.Errorf("unpublish a deleted article: %v", err)
	}
	out, _, err = run(t, "--config", cfg, "audit")
	if err != nil || !strings.Contains(out, "article.unpublish") || !strings.Contains(out, "article.delete") {
		t.Errorf("audit: %v\n%s", err, out)
	}
}

// TestServeUnpublishesRemovedFile: deleting a file from site.content_dir
// while serve watches takes its article out of the feeds; putting it back
// brings it back.
func TestServeUnpublishesRemovedFile(t *testing.T) {
	site := feedSite(t)
	gone := writeSummitAndVote(t, site.Content)
	startServe(t, site.Config)
	base := "http://" + site.Addr
	feedHas := func(title string) bool {
		status, feed := testkit.Fetch(base + "/feed.xml")
		return status == 200 && strings.Contains(feed, title)
	}
	testkit.WaitFor(t, 20*time.Second, "the feed shows the imported article", func() bool { return feedHas("قمة في الرياض") })
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the unpublished article leaves the feed", func() bool { return !feedHas("قمة في الرياض") })
	if !feedHas("تصويت في البرلمان") {
		t.Error("the other article left the feed too")
	}
	if r, _ := testkit.Request(t, nil, "GET", base+"/articles/summit"); r.StatusCode != http.StatusNotFound {
		t.Errorf("article page of a removed file: %d, want 404", r.StatusCode)
	}
	writeArticle(t, gone, "summit", "قمة في الرياض")
	testkit.WaitFor(t, 10*time.Second, "the republished article is back in the feed", func() bool { return feedHas("قمة في الرياض") })
}

// TestServeStartUnpublishesMissingFiles: a file removed while serve was
// stopped has its article unpublished when serve starts.
func TestServeStartUnpublishesMissingFiles(t *testing.T) {
	site := feedSite(t)
	gone := writeSummitAndVote(t, site.Content)
	if _, _, err := run(t, "--config", site.Config, "import", site.Content); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	startServe(t, site.Config)
	var feed string
	testkit.WaitFor(t, 20*time.Second, "serve answers /feed.xml", func() bool {
		var status int
		status, feed = testkit.Fetch("http://" + site.Addr + "/feed.xml")
		return status == 200
	})
	if strings.Contains(feed, "قمة في الرياض") || !strings.Contains(feed, "تصويت في البرلمان") {
		t.Errorf("feed after a start with summit.md gone:\n%s", feed)
	}
}

// TestImportMaxBytes: a file over import.max_bytes is refused naming the
// file and the limit; the others are imported.
func TestImportMaxBytes(t *testing.T) {
	site := feedSite(t, "import:\n  max_bytes: 4096\n")
	cfg, content := site.Config, site.Content
	writeArticle(t, filepath.Join(content, "small.md"), "small", "خبر قصير")
	big := writeFile(t, filepath.Join(content, "big.txt"), "اقتصاد\nعنوان طويل جداً\n"+strings.Repeat("فقرة طويلة من نص مكرر. ", 400))
	out, errOut, err := run(t, "--config", cfg, "import", content)
	if err == nil {
		t.Fatalf("import with a file over the limit succeeded:\n%s", out)
	}
	if !strings.Contains(errOut, big) || !strings.Contains(errOut, "over the limit of 4 KB (import.max_bytes)") || !strings.Contains(out, "1 imported") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// startServe runs `nashra --config cfgPath serve` in-process until the
// test ends, and then fails the test if serve returned an error (shown
// with its log) or did not stop.
func startServe(t *testing.T, cfgPath string) {
	t.Helper()
	var log testkit.SyncBuffer
	testkit.Background(t, "serve", &log, func(ctx context.Context) error {
		root := newRootCmd(io.Discard, &log)
		root.SetArgs([]string{"--config", cfgPath, "serve"})
		return root.ExecuteContext(ctx)
	})
}
