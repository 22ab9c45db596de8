package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRoute(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/feed.xml", "/feed.xml"},
		{"/atom.xml", "/atom.xml"},
		{"/categories/اقتصاد/feed.json", "/categories/{slug}/feed.json"},
		{"/categories/sport/atom.xml", "/categories/{slug}/atom.xml"},
		{"/categories/sport/secret.txt", "/categories/other"},
		{"/articles/افتتاح-معرض", "/articles/{slug}"},
		{"/digest/2026-03-10", "/digest/{date}"},
		{"/wp-login.php", "other"},
	} {
		if got := Route(tc.in); got != tc.want {
			t.Errorf("Route(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsExposition(t *testing.T) {
	m := New()
	m.Edition("completed")
	m.Send("sent", 30*time.Millisecond)
	m.Send("sent", 10*time.Millisecond)
	m.Send("retry", 0)
	m.Request("/categories/رياضة/feed.xml", 200)
	m.Request("/feed.xml", 304)
	down := false
	m.AddGauges(Gauges{
		CacheFor: -1,
		QueueDepth: func(context.Context) (map[string]int, error) {
			return map[string]int{"available": 7, "running": 2}, nil
		},
		Ledger: func(context.Context) (map[string]int, error) {
			if down {
				return nil, errors.New("database down")
			}
			return map[string]int{"sent": 10000}, nil
		},
		Followers: func(context.Context) (map[string]int, error) {
			return map[string]int{"daily": 1200, "weekly": 340}, nil
		},
	})
	out := scrape(t, m)
	for _, want := range []string{
		`nashra_editions_built_total{result="completed"} 1`,
		`nashra_sends_total{result="sent"} 2`,
		`nashra_sends_total{result="retry"} 1`,
		`nashra_send_duration_seconds_count 2`,
		`nashra_http_requests_total{path="/categories/{slug}/feed.xml",status="200"} 1`,
		`nashra_http_requests_total{path="/feed.xml",status="304"} 1`,
		`nashra_queue_jobs{state="available"} 7`,
		`nashra_deliveries{state="sent"} 10000`,
		`nashra_database_up 1`,
		`nashra_newsletter_followers{newsletter="daily"} 1200`,
		`nashra_newsletter_followers{newsletter="weekly"} 340`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	down = true
	if out := scrape(t, m); !strings.Contains(out, "nashra_database_up 0") {
		t.Error("a failing gauge query must set nashra_database_up 0")
	}
}

// TestGaugesCached: scrapes within CacheFor of a database read reuse it;
// the next one after that reads again.
func TestGaugesCached(t *testing.T) {
	m := New()
	reads := 0
	m.AddGauges(Gauges{
		QueueDepth: func(context.Context) (map[string]int, error) {
			reads++
			return map[string]int{"available": reads}, nil
		},
	})
	now := time.Unix(1000, 0)
	m.db.now = func() time.Time { return now }
	for range 5 {
		scrape(t, m)
		now = now.Add(time.Second)
	}
	if reads != 1 {
		t.Errorf("5 scrapes within %v read the database %d times, want 1", DefaultGaugeCache, reads)
	}
	if out := scrape(t, m); reads != 2 || !strings.Contains(out, `nashra_queue_jobs{state="available"} 2`) {
		t.Errorf("after %v: %d reads, scrape:\n%s", DefaultGaugeCache, reads, out)
	}
}
