package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// testLimits: a bucket allows its burst, then one request per interval;
// buckets are independent; concurrent takers never get more than the
// bucket holds; full buckets are purged.
func testLimits(ctx context.Context, t *testing.T, s store.Store) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	take := func(key string, at time.Time) bool {
		t.Helper()
		ok, err := s.TakeRate(ctx, key, 10*time.Second, 3, at)
		if err != nil {
			t.Fatalf("TakeRate: %v", err)
		}
		return ok
	}
	got := ""
	for range 5 {
		got += map[bool]string{true: "y", false: "n"}[take("client:192.0.2.7", now)]
	}
	if got != "yyynn" {
		t.Errorf("burst of 3: %s, want yyynn", got)
	}
	if !take("client:192.0.2.8", now) {
		t.Error("another key shares the bucket")
	}
	if take("client:192.0.2.7", now.Add(9*time.Second)) {
		t.Error("a request allowed before one interval passed")
	}
	if !take("client:192.0.2.7", now.Add(10*time.Second)) || take("client:192.0.2.7", now.Add(10*time.Second)) {
		t.Error("after one interval: want exactly one more")
	}
	// Refused requests cost nothing: after 30 s idle the bucket is full.
	later := now.Add(40 * time.Second)
	got = ""
	for range 4 {
		got += map[bool]string{true: "y", false: "n"}[take("client:192.0.2.7", later)]
	}
	if got != "yyyn" {
		t.Errorf("refilled bucket: %s, want yyyn", got)
	}
	if _, err := s.TakeRate(ctx, "x", 0, 1, now); err == nil {
		t.Error("a zero interval accepted")
	}

	// Twenty concurrent takers on a bucket of five: exactly five get in.
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.TakeRate(ctx, "mail:reader@example.org", time.Hour, 5, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 5 {
		t.Errorf("%d concurrent takers allowed from a bucket of 5", allowed.Load())
	}

	// At now+1h the two client buckets are full again; the mail bucket
	// (five hours ahead) is not.
	n, err := s.PurgeRates(ctx, now.Add(time.Hour))
	if err != nil || n != 2 {
		t.Errorf("PurgeRates = %d, %v; want the 2 full buckets", n, err)
	}
	if ok, _ := s.TakeRate(ctx, "mail:reader@example.org", time.Hour, 5, now.Add(time.Hour)); !ok {
		t.Error("one hour later the mail bucket has one more")
	}
	if ok, _ := s.TakeRate(ctx, "mail:reader@example.org", time.Hour, 5, now.Add(time.Hour)); ok {
		t.Error("the purge reset a bucket that was not full")
	}
}

// testPurgePending: pending subscribers older than the cut-off go, newer
// ones and every other state stay.
func testPurgePending(ctx context.Context, t *testing.T, s store.Store) {
	old := time.Now().Add(-10 * 24 * time.Hour).UTC()
	add := func(email string, status store.Status, created time.Time) {
		t.Helper()
		if _, err := s.AddSubscriber(ctx, &store.Subscriber{Email: email, Status: status, Source: store.SourceForm, CreatedAt: created}); err != nil {
			t.Fatal(err)
		}
	}
	add("old-pending@example.org", store.StatusPending, old)
	add("old-pending2@example.org", store.StatusPending, old.Add(time.Hour))
	add("old-confirmed@example.org", store.StatusConfirmed, old)
	add("old-unsub@example.org", store.StatusUnsubscribed, old)
	add("new-pending@example.org", store.StatusPending, time.Time{})
	n, err := s.PurgePending(ctx, time.Now().Add(-7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgePending = %d, %v; want 2", n, err)
	}
	for _, e := range []string{"old-confirmed@example.org", "old-unsub@example.org", "new-pending@example.org"} {
		if _, err := s.SubscriberByEmail(ctx, e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	if _, err := s.SubscriberByEmail(ctx, "old-pending@example.org"); err == nil {
		t.Error("an old pending sign-up survived")
	}
}
