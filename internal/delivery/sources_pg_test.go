package delivery

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/mailer"
)

// fetchTracker records source fetches from several queue clients.
type fetchTracker struct {
	mu       sync.Mutex
	inFlight map[int64]bool
	overlaps int
	fetched  map[int64]int
	byClient map[string]int
}

// trackedSources is one client's view: every source is always due.
type trackedSources struct {
	name string
	ids  []int64
	tr   *fetchTracker
}

func (s trackedSources) DueSources(context.Context) ([]int64, error) { return s.ids, nil }

func (s trackedSources) FetchSource(ctx context.Context, id int64) error {
	s.tr.mu.Lock()
	if s.tr.inFlight[id] {
		s.tr.overlaps++
	}
	s.tr.inFlight[id] = true
	s.tr.mu.Unlock()
	time.Sleep(40 * time.Millisecond)
	s.tr.mu.Lock()
	delete(s.tr.inFlight, id)
	s.tr.fetched[id]++
	s.tr.byClient[s.name]++
	s.tr.mu.Unlock()
	return nil
}

// TestSourceFetchesOneWorkerPerSource: two queue clients on one
// PostgreSQL database, four fetch workers each (more than the three
// sources), and fetch jobs enqueued
// for every source again and again by both: a source is never fetched by
// two workers at once, every source is fetched, and both clients fetch.
func TestSourceFetchesOneWorkerPerSource(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, testkit.PostgresSchema(t, "the source fetch job tests", "nashra_srcjobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, "postgres", st.DB()); err != nil {
		t.Fatal(err)
	}
	tr, err := mailer.NewFileTransport(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := newService(t, st, tr, nil, testOptions(t))
	ids := make([]int64, 3)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	track := &fetchTracker{inFlight: map[int64]bool{}, fetched: map[int64]int{}, byClient: map[string]int{}}
	var queues []*Queue
	for _, name := range []string{"a", "b"} {
		q, err := NewQueue(st.DB(), svc, QueueOptions{Driver: "postgres", Sources: trackedSources{name, ids, track}, SourceWorkers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		queues = append(queues, q)
	}
	deadline := time.Now().Add(3 * time.Second)
	inserted := 0
	for time.Now().Before(deadline) {
		for _, q := range queues {
			n, err := q.EnqueueDueSources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			inserted += n
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, q := range queues {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := q.Stop(sctx); err != nil {
			t.Error(err)
		}
		cancel()
	}
	track.mu.Lock()
	defer track.mu.Unlock()
	if track.overlaps != 0 {
		t.Errorf("%d fetches of a source while another worker was fetching it", track.overlaps)
	}
	for _, id := range ids {
		if track.fetched[id] == 0 {
			t.Errorf("source %d never fetched", id)
		}
	}
	if track.byClient["a"] == 0 || track.byClient["b"] == 0 {
		t.Errorf("fetches by client: %v; want both to take part", track.byClient)
	}
	total := 0
	for _, n := range track.fetched {
		total += n
	}
	t.Logf("%d jobs inserted by the test (more by the periodic job), %d fetches, by client %v", inserted, total, track.byClient)
}
