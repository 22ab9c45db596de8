package testkit

import (
	"testing"
	"time"
)

// WaitFor polls cond until it holds, failing the test with what (the
// condition waited for) if it still does not after within. The polls
// start 10 ms apart and slow to 200 ms; cond is called a last time at the
// deadline.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	pause := 10 * time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			if cond() {
				return
			}
			t.Fatalf("%s: not so within %s", what, within)
		}
		time.Sleep(min(pause, time.Until(deadline)+time.Millisecond))
		pause = min(2*pause, 200*time.Millisecond)
	}
}
