package feeds_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Riyadh on machines without zoneinfo

	"github.com/nashra/nashra/feeds"
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
