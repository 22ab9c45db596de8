package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

// TestScaleCancelStopsEveryNode: `serve` and three `nashra worker`
// processes send one edition on PostgreSQL; `nashra digest cancel` at about
// half stops all of them within 2 s (messages on the wire finish, nothing
// new starts), every delivery not sent is recorded as cancelled, and no one
// gets a message twice.
func TestScaleCancelStopsEveryNode(t *testing.T) {
	const n = 2000
	sk := startSink(t, 20*time.Millisecond)
	site := newPGSite(t, freshSchemaDSN(t), sk.addr, siteOptions{pool: 2})
	site.seed(t, n)
	st := site.open(t)
	site.start(t, "serve", nil, "serve")
	for _, name := range []string{"worker1", "worker2", "worker3"} {
		site.start(t, name, nil, "worker")
	}
	day := scaleDays[0]
	site.enqueue(t, day)

	testkit.WaitFor(t, 3*time.Minute, "half the edition sent", func() bool {
		total, _, _ := sk.counts(day)
		return total >= n/2
	})
	out := site.run(t, "digest", "cancel", "--date", day)
	cancelled := time.Now()
	if !strings.Contains(out, "cancelled") {
		t.Errorf("digest cancel said: %s", out)
	}
	// Settled: every delivery sent or cancelled, and the sink holds every
	// one sent; nothing is left that could still go out.
	ctx := context.Background()
	testkit.WaitFor(t, time.Minute, "every delivery sent or cancelled, the sink holding the sent", func() bool {
		c, err := st.DeliveryCounts(ctx, day)
		total, _, _ := sk.counts(day)
		return err == nil && c[store.DeliverySent]+c[store.DeliveryCancelled] == n && total >= c[store.DeliverySent]
	})
	total, distinct, dups := sk.counts(day)
	var late int
	for _, at := range sk.times(day) {
		if at.After(cancelled.Add(2 * time.Second)) {
			late++
		}
	}
	if late > 0 {
		t.Errorf("%d messages accepted more than 2 s after the cancel", late)
	}
	if total >= n {
		t.Fatalf("all %d sent before the cancel took effect: the test proves nothing", total)
	}
	if len(dups) > 0 || distinct != total {
		t.Errorf("repeats: %v", firstN(dups, 10))
	}
	counts, err := st.DeliveryCounts(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.DeliverySent] != total || counts[store.DeliveryCancelled] != n-total {
		t.Errorf("ledger %v, %d received of %d", counts, total, n)
	}
	t.Logf("cancelled at %d of %d; %d after", total-late, n, late)
}
