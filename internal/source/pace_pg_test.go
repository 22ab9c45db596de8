package source

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
)

// TestHostPaceAcrossProcesses: two fetchers on separate PostgreSQL pools
// (two processes), their HostPace a shared limiter per host as serve and
// worker wire it, never start two requests to one host closer than the
// per-host interval.
func TestHostPaceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	dsn := testkit.PostgresSchema(t, "the per-host pace tests", "nashra_pace")
	const interval = 100 * time.Millisecond
	var fetchers []*Fetcher
	for range 2 {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		db := st.DB()
		fetchers = append(fetchers, NewFetcher(FetchOptions{AllowPrivate: true, PerHostInterval: interval,
			HostPace: func(ctx context.Context, host string) error {
				return delivery.NewSharedLimiter(db, "source-host:"+host, 1/interval.Seconds()).Wait(ctx)
			}}))
	}
	var mu sync.Mutex
	var starts []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fetchers[i%2].Get(ctx, Request{URL: fmt.Sprintf("%s/%d", srv.URL, i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < interval*8/10 {
			t.Errorf("requests %d and %d to one host %s apart, want about %s or more", i-1, i, gap, interval)
		}
	}
}
