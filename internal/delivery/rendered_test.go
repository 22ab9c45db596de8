package delivery

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
)

// holdingTransport keeps each message until `crowd` messages are in its
// hands at once or `patience` has passed, and records the most it held.
type holdingTransport struct {
	crowd    int
	patience time.Duration

	mu      sync.Mutex
	cond    *sync.Cond
	holding int
	most    int
	sent    int
}

func newHoldingTransport(crowd int, patience time.Duration) *holdingTransport {
	t := &holdingTransport{crowd: crowd, patience: patience}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *holdingTransport) Send(_ context.Context, _ mailer.Envelope, _ []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.holding++
	t.most = max(t.most, t.holding)
	t.cond.Broadcast()
	timer := time.AfterFunc(t.patience, func() {
		t.mu.Lock()
		t.cond.Broadcast()
		t.mu.Unlock()
	})
	defer timer.Stop()
	for start := time.Now(); t.holding < t.crowd && time.Since(start) < t.patience; {
		t.cond.Wait()
	}
	t.holding--
	t.sent++
	return nil
}

func (t *holdingTransport) Close() error { return nil }

// TestMaxRenderedBoundsMessagesHeld: with Options.MaxRendered, no more
// messages are rendered and in the transport's hands at once than the
// bound, however many workers run; without it, the same workers crowd the
// transport. Every reader gets the edition either way.
func TestMaxRenderedBoundsMessagesHeld(t *testing.T) {
	const readers, workers, bound = 12, 12, 3
	for _, tc := range []struct {
		name        string
		maxRendered int
	}{{"bound", bound}, {"no bound", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			addSubscribers(t, st, readers)
			tr := newHoldingTransport(bound+1, 300*time.Millisecond)
			o := testOptions(t)
			o.MaxRendered = tc.maxRendered
			svc := newService(t, st, tr, nil, o)
			counts := runEdition(t, st, svc, workers, time.Minute)
			if counts[store.DeliverySent]+counts[store.DeliverySkipped] != readers || counts[store.DeliverySent] != tr.sent {
				t.Fatalf("ledger %v, transport sent %d, want all %d readers settled", counts, tr.sent, readers)
			}
			switch {
			case tc.maxRendered > 0 && tr.most > bound:
				t.Fatalf("%d messages held at once, bound %d", tr.most, bound)
			case tc.maxRendered == 0 && tr.most <= bound:
				t.Fatalf("without a bound only %d messages were held at once: the test cannot tell a bound from none", tr.most)
			}
			t.Logf("most messages held at once: %d", tr.most)
		})
	}
}
