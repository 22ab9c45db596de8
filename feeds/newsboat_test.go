package feeds_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/testkit"
)

// TestNewsboatReadsFeeds subscribes newsboat (headless: -x reload) to the
// RSS and Atom feeds served by Handler and reads back, from its cache, the
// Arabic titles it stored.
func TestNewsboatReadsFeeds(t *testing.T) {
	newsboat := testkit.NeedTool(t, "newsboat")
	python := testkit.NeedTool(t, "/usr/bin/python3")
	in := loadFixture(t)
	s, err := feeds.Build(testOptions(t), in)
	if err != nil {
		t.Fatal(err)
	}
	want := expectedFeeds(t, s, in, 50)
	srv := httptest.NewServer(feeds.NewHandler(s))
	t.Cleanup(srv.Close) // parallel subtests run after this function returns

	for _, path := range []string{"/feed.xml", "/categories/kra-alqdm/atom.xml"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			urls := filepath.Join(dir, "urls")
			cache := filepath.Join(dir, "cache.db")
			if err := os.WriteFile(urls, []byte(srv.URL+path+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, args := range [][]string{{"-x", "reload"}, {"-x", "print-unread"}} {
				cmd := exec.CommandContext(ctx, newsboat, append(args, "-u", urls, "-c", cache, "-C", "/dev/null")...)
				cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("newsboat %v: %v\n%s", args, err, out)
				}
				if args[1] == "print-unread" && !strings.HasPrefix(string(out), strconv.Itoa(len(want[path]))+" unread") {
					t.Errorf("newsboat print-unread: %q, want %d unread", out, len(want[path]))
				}
			}
			// Read the titles newsboat stored, newest first.
			q := `import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("select title from rss_item order by pubDate desc, id"): print(t)
print("FEED:" + db.execute("select title from rss_feed").fetchone()[0])`
			out, err := exec.CommandContext(ctx, python, "-c", q, cache).Output()
			if err != nil {
				t.Fatalf("reading newsboat cache: %v", err)
			}
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			feedTitle := strings.TrimPrefix(lines[len(lines)-1], "FEED:")
			titles := lines[:len(lines)-1]
			if !slices.Equal(titles, want[path]) {
				t.Errorf("newsboat titles\n got %q\nwant %q", titles, want[path])
			}
			if !strings.HasPrefix(feedTitle, "نشرة") {
				t.Errorf("newsboat feed title %q", feedTitle)
			}
		})
	}
}
