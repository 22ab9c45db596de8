package store

import "testing"

func TestEditionID(t *testing.T) {
	for _, c := range []struct{ nl, day, id string }{
		{"", "2026-03-06", "2026-03-06"},
		{"weekly", "2026-03-06", "weekly.2026-03-06"},
		{"morning-ar", "2026-12-31", "morning-ar.2026-12-31"},
	} {
		if got := EditionID(c.nl, c.day); got != c.id {
			t.Errorf("EditionID(%q, %q) = %q, want %q", c.nl, c.day, got, c.id)
		}
		nl, day, err := SplitEditionID(c.id)
		if err != nil || nl != c.nl || day != c.day {
			t.Errorf("SplitEditionID(%q) = %q, %q, %v", c.id, nl, day, err)
		}
	}
	for _, bad := range []string{"", "2026-3-6", "weekly2026-03-06", "Week.2026-03-06", ".2026-03-06", "weekly.2026-13-01"} {
		if _, _, err := SplitEditionID(bad); err == nil {
			t.Errorf("SplitEditionID(%q) gave no error", bad)
		}
	}
	if !ValidSlug("a") || ValidSlug("-a") || ValidSlug("a-") || ValidSlug("أسبوع") {
		t.Error("ValidSlug")
	}
}
