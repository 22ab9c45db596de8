package delivery

import (
	"context"
	"database/sql"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
)

// pgSchema returns the pool of a migrated PostgreSQL store on a fresh
// schema of the test server (skipping when it is not configured, failing
// in CI).
func pgSchema(t *testing.T) *sql.DB {
	t.Helper()
	st, err := postgres.Open(context.Background(), testkit.PostgresSchema(t, "the shared rate limit tests", "nashra_rate"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st.DB()
}

// TestSharedLimiter: two limiters on separate pools (two "processes"),
// four goroutines each, never pass more than rate slots in any second,
// and together they reach about the rate.
func TestSharedLimiter(t *testing.T) {
	db := pgSchema(t)
	ctx := context.Background()
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
	// The times are taken after each Wait returns, so a busy machine can
	// record a pass late and bunch it with the next second's: count over
	// 950 ms windows, which hold at most 39 slots 25 ms apart.
	if w := testkit.MaxInWindow(times, 950*time.Millisecond); w > int(rate) {
		t.Errorf("%d passes in 950 ms, limit %v a second", w, rate)
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
