package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/storetest"
	"github.com/nashra/nashra/internal/testkit"
)

// freshSchema creates an empty schema, dropped when the test ends, and
// returns a DSN whose search_path points at it.
func freshSchema(t *testing.T) string {
	return testkit.PostgresSchema(t, "the store tests", "nashra_test")
}

func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	testkit.PostgresURL(t, "the store tests")
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t, freshSchema(t)) })
}

// TestConcurrentMigrate migrates one schema from several pools at once,
// as several "nashra migrate" processes would.
func TestConcurrentMigrate(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	stores := make([]store.Store, 4)
	for i := range stores {
		stores[i] = openStore(t, dsn)
	}
	storetest.MigrateAtOnce(ctx, t, stores...)
	// The helper function for operators works and is exact to the second.
	var ts time.Time
	if err := stores[0].DB().QueryRowContext(ctx, "SELECT ns_to_timestamptz(1741944413589793238)").Scan(&ts); err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(0, 1741944413589793238); ts.Truncate(time.Second) != want.Truncate(time.Second) {
		t.Errorf("ns_to_timestamptz = %v, want %v", ts, want)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil || !strings.HasPrefix(err.Error(), "postgres: ") {
		t.Errorf("Open on a closed port: %v", err)
	}
}

// TestSendDeliveryMessageID: the pipelined commit mark lands like
// SetDeliveryMessageID, reports a missing delivery, and leaves the
// connection usable; many at once share the pool.
func TestSendDeliveryMessageID(t *testing.T) {
	s := openStore(t, freshSchema(t))
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var subs []store.Subscriber
	for i := range 30 {
		sub := &store.Subscriber{Email: "reader" + string(rune('a'+i)) + "@example.org", Name: "قارئ", Status: store.StatusConfirmed}
		if _, err := s.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, *sub)
	}
	if _, err := s.CreateEdition(ctx, &store.Edition{ID: "2026-03-10", Subject: "نشرة"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueDeliveries(ctx, "2026-03-10", subs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	for i, sub := range subs {
		wg.Go(func() {
			wait, err := s.SendDeliveryMessageID(ctx, "2026-03-10", sub.ID, "<m"+string(rune('a'+i))+"@example.org>")
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = wait()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
	}
	ds, err := s.ListDeliveries(ctx, "2026-03-10", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if !strings.HasPrefix(d.MessageID, "<m") {
			t.Errorf("delivery %d: message id %q", d.SubscriberID, d.MessageID)
		}
	}
	wait, err := s.SendDeliveryMessageID(ctx, "2026-03-10", 999999, "<x@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing delivery: %v, want ErrNotFound", err)
	}
	// The pool's connections are usable afterwards.
	if _, err := s.DeliveryCounts(ctx, "2026-03-10"); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateKeepsRateLimit: a database whose shared rate limit table was
// created by an older `nashra migrate` (outside the migrations) migrates,
// and the limiter's row survives.
func TestMigrateKeepsRateLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, freshSchema(t))
	if _, err := s.DB().ExecContext(ctx, `CREATE TABLE nashra_rate_limit (name text PRIMARY KEY, next_at timestamptz NOT NULL);
INSERT INTO nashra_rate_limit VALUES ('mail', now())`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate over the old table: %v", err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM nashra_rate_limit`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rate limit rows after migrate: %d, %v", n, err)
	}
}
