package testkit

import (
	"testing"
	"time"
)

func TestMaxInWindow(t *testing.T) {
	at := func(ms ...int) []time.Time {
		base := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = base.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		ts   []time.Time
		want int
	}{
		{"none", nil, 0},
		{"one", at(5), 1},
		{"all in one second", at(0, 100, 999), 3},
		{"the window is half-open", at(0, 1000), 1},
		{"busiest second in the middle", at(0, 1500, 1600, 1700, 2400, 3000), 4},
	} {
		if got := MaxInWindow(tt.ts, time.Second); got != tt.want {
			t.Errorf("%s: MaxInWindow = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestWithSearchPath(t *testing.T) {
	if got, want := withSearchPath(t, "postgres://u@h:5432/db?sslmode=disable", "s1"),
		"postgres://u@h:5432/db?search_path=s1&sslmode=disable&synchronous_commit=off"; got != want {
		t.Errorf("URL: %s, want %s", got, want)
	}
	if got, want := withSearchPath(t, "host=h dbname=db", "s1"),
		"host=h dbname=db search_path=s1 synchronous_commit=off"; got != want {
		t.Errorf("keywords: %s, want %s", got, want)
	}
}
