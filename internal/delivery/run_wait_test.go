package delivery

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
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
