package delivery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" database/sql driver
)

// pgSchema returns a pool on a fresh schema of the server named by
// NASHRA_TEST_POSTGRES_URL (skipping when unset, failing in CI).
func pgSchema(t *testing.T) *sql.DB {
	t.Helper()
	base := os.Getenv("NASHRA_TEST_POSTGRES_URL")
	if base == "" {
		msg := "NASHRA_TEST_POSTGRES_URL is not set: the shared rate limit needs PostgreSQL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "nashra_rate_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSharedLimiter: two limiters on separate pools (two "processes"),
// four goroutines each, never pass more than rate slots in any second,
// and together they reach about the rate.
func TestSharedLimiter(t *testing.T) {
	db := pgSchema(t)
	ctx := context.Background()
	if err := MigrateRateLimit(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := MigrateRateLimit(ctx, db); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if NewSharedLimiter(db, "x", 0) != nil {
		t.Fatal("rate 0 must mean no limiter")
	}
	const rate, n = 40.0, 80
	limiters := []*SharedLimiter{NewSharedLimiter(db, "mail", rate), NewSharedLimiter(db, "mail", rate)}
	var (
		mu    sync.Mutex
		times []time.Time
		wg    sync.WaitGroup
	)
	start := time.Now()
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(l *SharedLimiter) {
			defer wg.Done()
			for i := 0; i < n/8; i++ {
				if err := l.Wait(ctx); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
			}
		}(limiters[g%2])
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if w := maxInWindow(times, time.Second); w > int(rate) {
		t.Errorf("%d passes in one second, limit %v", w, rate)
	}
	want := time.Duration(float64(n-1) / rate * float64(time.Second))
	if elapsed < want {
		t.Errorf("%d passes took %v, want at least %v", n, elapsed, want)
	}
	if elapsed > 2*want {
		t.Errorf("%d passes took %v, far slower than the rate (%v)", n, elapsed, want)
	}

	// A cancelled wait returns the context's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := limiters[0].Wait(cctx); err == nil {
		t.Error("Wait on a cancelled context succeeded")
	}
}

// maxInWindow is the largest number of sorted times within any window of
// length w (half-open).
func maxInWindow(ts []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
