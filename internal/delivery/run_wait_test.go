package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// TestWaitCount: SendEdition counts the ledger again as soon as this
// process has ended as many deliveries as were open, soon when few are
// left, and stops waiting when interrupted.
func TestWaitCount(t *testing.T) {
	settled := make(chan struct{}, 1)
	var ended atomic.Int64
	since := func() int64 { return ended.Load() }

	// 600 open and in flight (more than the fast poll's 500): once this
	// process has ended 600, it counts at once, not at the half-second tick.
	done := make(chan bool, 1)
	start := time.Now()
	go func() { done <- waitCount(context.Background(), 600, 600, since, settled) }()
	ended.Add(599)
	settled <- struct{}{}
	ended.Add(1)
	settled <- struct{}{}
	if !<-done {
		t.Fatal("waitCount reported an interruption")
	}
	if d := time.Since(start); d >= 400*time.Millisecond {
		t.Errorf("waited %s after the last end", d)
	}

	// 2,000 open: an end is not enough, the tick decides.
	ended.Store(0)
	start = time.Now()
	go func() { done <- waitCount(context.Background(), 2000, 2000, since, settled) }()
	ended.Add(1)
	settled <- struct{}{}
	<-done
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("with 2,000 open it counted again after %s, before the half-second tick", d)
	}

	// Only retries waiting (none in flight): no fast polling.
	start = time.Now()
	waitCount(context.Background(), 5, 0, since, settled)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("with only retries open it counted again after %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if waitCount(ctx, 2000, 2000, since, settled) {
		t.Error("waitCount on an ended context reported true")
	}
}

// TestSendEditionObserves: SendEdition sends every delivery once, reports
// progress up to the recipients, and the queue passes River's events on:
// one completed edition job, and the run time of send jobs.
func TestSendEditionObserves(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	subs := addSubscribers(t, st, 20)
	sink := startSink(t, nil)
	svc := newService(t, st, smtpTransport(t, sink), nil, testOptions(t))
	var mu sync.Mutex
	var editions, failedEditions, runs, outcomes, lastFinished int
	q := sqliteQueue(t, st, svc, QueueOptions{Workers: 1,
		OnEditionEnd: func(ok bool) {
			mu.Lock()
			defer mu.Unlock()
			if ok {
				editions++
			} else {
				failedEditions++
			}
		},
		OnSendRun:   func(time.Duration) { mu.Lock(); runs++; mu.Unlock() },
		OnDelivered: func(SendArgs, Outcome) { mu.Lock(); outcomes++; mu.Unlock() },
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := q.SendEdition(ctx, testDay, RunOptions{Progress: func(finished, recipients int) {
		if recipients != len(subs) || finished < lastFinished {
			t.Errorf("progress %d of %d after %d", finished, recipients, lastFinished)
		}
		lastFinished = finished
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts[store.DeliverySent] != len(subs) || len(sink.Messages()) != len(subs) || lastFinished != len(subs) {
		t.Errorf("counts %v, %d messages, progress %d; want %d sent", r.Counts, len(sink.Messages()), lastFinished, len(subs))
	}
	mu.Lock()
	defer mu.Unlock()
	if editions != 1 || failedEditions != 0 || outcomes != len(subs) || runs < 1 || runs > len(subs) {
		t.Errorf("observed %d editions (%d failed), %d outcomes, %d send runs", editions, failedEditions, outcomes, runs)
	}
}
