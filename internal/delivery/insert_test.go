package delivery

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
)

// idleQueue is a queue running no workers, for the send jobs of a new
// store holding n subscribers (addSubscribers).
func idleQueue(t *testing.T, n int) (*sqlite.Store, *Queue, []store.Subscriber) {
	t.Helper()
	st := openStore(t)
	subs := addSubscribers(t, st, n)
	return st, sqliteQueue(t, st, newService(t, st, nil, nil, testOptions(t)), QueueOptions{}), subs
}

// TestInsertSendsOnce: inserting the send jobs of an edition again, whole
// or in overlapping batches, adds no job on SQLite (where InsertSends
// takes River's fast insert), and a send job is still one per reader.
func TestInsertSendsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, q, subs := idleQueue(t, 5)
	for _, batch := range [][]int{{0, 3}, {0, 5}, {2, 5}, {0, 5}} {
		if err := q.InsertSends(ctx, testDay, subs[batch[0]:batch[1]], 3); err != nil {
			t.Fatalf("insert %v: %v", batch, err)
		}
	}
	if err := q.InsertSends(ctx, "2026-03-11", subs[:2], 3); err != nil {
		t.Fatal(err)
	}
	res, err := q.Client.JobList(ctx, river.NewJobListParams().Kinds(SendArgs{}.Kind()).First(100))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[SendArgs]int{}
	for _, j := range res.Jobs {
		var a SendArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		seen[a]++
		if j.MaxAttempts != 3+2 || j.Queue != QueueMail {
			t.Errorf("job %d: queue %q, max attempts %d", j.ID, j.Queue, j.MaxAttempts)
		}
	}
	if len(res.Jobs) != 7 || len(seen) != 7 {
		t.Errorf("%d jobs for %d (edition, reader) pairs, want 7 and 7: %v", len(res.Jobs), len(seen), seen)
	}
}

// TestSendCounts: the queue's depth counts the send jobs not yet finished
// by state, through River's JobList, past one page of 10,000 when needed,
// from a process that runs no workers (NewJobs) as from the queue itself.
func TestSendCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, q, subs := idleQueue(t, 3)
	if err := q.InsertSends(ctx, testDay, subs, 3); err != nil {
		t.Fatal(err)
	}
	many := make([]store.Subscriber, 10_050)
	for i := range many {
		many[i].ID = int64(1000 + i)
	}
	if err := q.InsertSends(ctx, "2026-03-11", many, 3); err != nil {
		t.Fatal(err)
	}
	jobs, err := NewJobs("sqlite", st.DB())
	if err != nil {
		t.Fatal(err)
	}
	for name, count := range map[string]func(context.Context) (map[string]int, error){"Jobs": jobs.SendCounts, "Queue": q.SendCounts} {
		got, err := count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got["available"] != 10_053 {
			t.Errorf("%s.SendCounts = %v, want 10053 available", name, got)
		}
	}
}
