package feeds_test

import (
	"encoding/json"
	"os"
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
