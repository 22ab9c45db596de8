package delivery

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"
)

// TestInsertSendsOnce: inserting the send jobs of an edition again, whole
// or in overlapping batches, adds no job on SQLite (where InsertSends
// takes River's fast insert), and a send job is still one per reader.
func TestInsertSendsOnce(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	subs := addSubscribers(t, st, 5)
	svc := newService(t, st, nil, nil, testOptions(t))
	q, err := NewQueue(st.DB(), svc, QueueOptions{Driver: "sqlite"})
	if err != nil {
		t.Fatal(err)
	}
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
