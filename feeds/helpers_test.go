package feeds_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Riyadh on machines without zoneinfo
	"unicode"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
)

// fixedNow is the build clock of every test.
var fixedNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func riyadh(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testOptions are the options the golden files are built with.
func testOptions(t testing.TB) feeds.Options {
	return feeds.Options{
		Title:       "نشرة",
		Description: "أخبار عربية مختارة",
		BaseURL:     "https://nashra.example",
		Language:    "ar",
		Author:      "فريق نشرة",
		Email:       "editor@nashra.example",
		Location:    riyadh(t),
		Items:       50,
		FullContent: true,
		WebSubHub:   "https://hub.example/",
		Categories:  []feeds.Category{{Name: "اقتصاد", Slug: "economy", Title: "الاقتصاد"}},
		Now:         func() time.Time { return fixedNow },
		ImageLength: func(u string) (int64, bool) {
			if u == "https://cdn.example.org/img/hilal.jpg" {
				return 48213, true
			}
			return 0, false
		},
	}
}

// loadFixture reads testdata/articles.json: the Arabic fixtures.
func loadFixture(t testing.TB) feeds.Input {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "articles.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in feeds.Input
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

func buildFixture(t testing.TB) *feeds.Set {
	t.Helper()
	s, err := feeds.Build(testOptions(t), loadFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// needTool returns the path of an external program, skipping the test when
// it is missing — except in CI (CI=true), where a missing tool fails.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// repoRoot returns the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
	return dir
}

// sharedDir returns ../shared relative to the repository root, skipping the
// test when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	shared := filepath.Join(repoRoot(t), "..", "shared")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("../shared not found next to the repository (%s): %v", shared, err)
	}
	return shared
}

// expectedFeeds lists, for each feed group of the fixture, the titles it
// must hold in order, computed from the input independently of Build:
// drafts and articles dated after the build clock dropped, newest first,
// control and bidi-override characters removed.
func expectedFeeds(t testing.TB, s *feeds.Set, in feeds.Input, items int) map[string][]string {
	t.Helper()
	var arts []article.Article
	for _, a := range in.Articles {
		if !a.Draft && !a.Published.After(fixedNow) {
			arts = append(arts, a)
		}
	}
	sort.SliceStable(arts, func(i, j int) bool { return arts[i].Published.After(arts[j].Published) })
	out := map[string][]string{}
	for _, f := range s.Feeds() {
		var titles []string
		for _, a := range arts {
			if f.Category != "" && strings.TrimSpace(a.Category) != f.Category {
				continue
			}
			if len(titles) < items {
				titles = append(titles, stripControls(a.Title))
			}
		}
		for _, p := range []string{f.RSS, f.Atom, f.JSON} {
			out[p] = titles
		}
	}
	return out
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cc, r) && r != '\n' && r != '\t' || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, s)
}
