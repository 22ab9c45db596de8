package delivery

import (
	"context"
	"testing"
	"time"
)

// TestQueueTakesOverCheckpoints: while the queue runs on SQLite, the
// connection makes no automatic checkpoint (one inside a commit would
// hold the connection while every claim waits) and the queue's loop
// checkpoints instead; Stop gives them back to SQLite.
func TestQueueTakesOverCheckpoints(t *testing.T) {
	st := openStore(t)
	st.DB().SetMaxOpenConns(1) // as nashra runs the queue (backend.Sending)
	svc := newService(t, st, nil, nil, testOptions(t))
	q := sqliteQueue(t, st, svc, QueueOptions{Workers: 1})
	ctx := context.Background()
	autocheckpoint := func() int {
		var n int
		if err := st.DB().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := autocheckpoint(); n != 1000 {
		t.Fatalf("before Start: wal_autocheckpoint %d, want SQLite's 1000", n)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := autocheckpoint(); n != 0 {
		t.Errorf("while running: wal_autocheckpoint %d, want 0", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for q.ckpt.runs.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(checkpointEvery / 2)
	}
	if r := q.ckpt.runs.Load(); r < 2 {
		t.Errorf("%d checkpoints by the queue's loop in 10 s", r)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := q.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	if n := autocheckpoint(); n != 1000 {
		t.Errorf("after Stop: wal_autocheckpoint %d, want 1000", n)
	}
}
