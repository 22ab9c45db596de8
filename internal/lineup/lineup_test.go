package lineup

import "testing"

func TestIndex(t *testing.T) {
	list := []string{"daily", "weekly"}
	self := func(s string) string { return s }
	for _, tc := range []struct {
		list []string
		slug string
		want int
	}{
		{list, "", 0},
		{list, "daily", 0},
		{list, "weekly", 1},
		{list, "monthly", -1},
		{nil, "", -1},
		{[]string{""}, "", 0}, // an unnamed default newsletter
	} {
		if got := Index(tc.list, tc.slug, self); got != tc.want {
			t.Errorf("Index(%q, %q) = %d, want %d", tc.list, tc.slug, got, tc.want)
		}
	}
}

func TestSlugs(t *testing.T) {
	for _, tc := range []struct{ config, stored string }{
		{"daily", ""},
		{"weekly", "weekly"},
	} {
		if got := StoreSlug("daily", tc.config); got != tc.stored {
			t.Errorf("StoreSlug(daily, %q) = %q, want %q", tc.config, got, tc.stored)
		}
		if got := ConfigSlug("daily", tc.stored); got != tc.config {
			t.Errorf("ConfigSlug(daily, %q) = %q, want %q", tc.stored, got, tc.config)
		}
	}
}
