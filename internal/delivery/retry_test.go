package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// TestRetryLedger: a ledger write is tried again after a passing error
// until it lands, but not when the delivery is final or gone, nor past
// the deadline.
func TestRetryLedger(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		errs  []error
		calls int
		ok    bool
	}{
		{"lands", nil, 1, true},
		{"database restarting", []error{errors.New("connection refused"), errors.New("connection refused")}, 3, true},
		{"final", []error{fmt.Errorf("mark: %w", store.ErrDeliveryFinal)}, 1, false},
		{"gone", []error{fmt.Errorf("mark: %w", store.ErrNotFound)}, 1, false},
	} {
		calls := 0
		err := retryLedger(ctx, func() error {
			calls++
			if calls <= len(c.errs) {
				return c.errs[calls-1]
			}
			return nil
		})
		if calls != c.calls || (err == nil) != c.ok {
			t.Errorf("%s: %d calls, err %v; want %d calls, success %v", c.name, calls, err, c.calls, c.ok)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	calls := 0
	if err := retryLedger(dctx, func() error { calls++; return errors.New("down") }); err == nil || calls < 2 || calls > 3 {
		t.Errorf("down until the deadline: %d calls, err %v", calls, err)
	}
}
