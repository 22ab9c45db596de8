package main

import (
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// TestScalePostgresRestart: PostgreSQL stops (fast shutdown: every
// connection cut) in the middle of a send by two workers and comes back
// once the send has stalled; the send resumes by itself and the sink ends with
// exactly one message per subscriber.
func TestScalePostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL and restarts it mid-send")
	}
	const n = 2000
	pg := testkit.StartPGServer(t)
	sk := startSink(t, 2*time.Millisecond)
	site := newPGSite(t, pg.URL(), sk.addr, siteOptions{pool: 4})
	site.seed(t, n)
	st := site.open(t)
	site.start(t, "worker1", nil, "worker")
	site.start(t, "worker2", nil, "worker")

	day := scaleDays[0]
	restart := make(chan int, 1)
	var once sync.Once
	sk.mu.Lock()
	sk.onMsg = func(ed string, total int) {
		if ed == day && total >= n/3 {
			once.Do(func() { restart <- total })
		}
	}
	sk.mu.Unlock()
	start := time.Now()
	var down time.Time
	site.enqueue(t, day)
	select {
	case at := <-restart:
		pg.Stop(t)
		down = time.Now()
		t.Logf("PostgreSQL stopped after %d messages", at)
	case <-time.After(2 * time.Minute):
		t.Fatal("the restart point was never reached")
	}
	// PostgreSQL stays down until the send has stalled: no message
	// accepted for two seconds.
	testkit.WaitFor(t, time.Minute, "the send stalls without PostgreSQL", func() bool {
		return time.Since(sk.lastAccept(day)) >= 2*time.Second
	})
	during, _, _ := sk.counts(day)
	pg.Start(t)
	outage := time.Since(down).Round(100 * time.Millisecond)
	t.Logf("PostgreSQL back after %v; %d messages accepted before it came back", outage, during)
	waitSent(t, site, st, sk, day, n, 2*time.Minute)
	t.Logf("%d messages, exactly once each, in %v including an outage of %v", n, time.Since(start), outage)
}
