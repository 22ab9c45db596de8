package backend

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

// TestOpenSQLite: a new SQLite file is created and migrated on open; an
// unknown driver is named in the error.
func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "nashra.db")
	b, err := Open(ctx, "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.Store.MigrationsPending(ctx); err != nil || n != 0 {
		t.Errorf("opened sqlite store: MigrationsPending = %d, %v", n, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("sqlite file not created: %v", err)
	}
	hasProtocol(t, b)
	if b.Driver() != "sqlite" || b.Limiter("smtp", 10) != nil {
		t.Errorf("sqlite: driver %q, limiter %v", b.Driver(), b.Limiter("smtp", 10))
	}
	if err := b.Sending(ctx, 4); err != nil {
		t.Fatal(err)
	}
	// River's tables exist once the store is readied for sending.
	if _, err := b.QueueDepth(ctx); err != nil {
		t.Errorf("queue depth after Sending: %v", err)
	}
	if _, err := Open(ctx, "mysql", "x"); err == nil || !strings.Contains(err.Error(), `"mysql"`) {
		t.Errorf("unknown driver: %v", err)
	}
}

// TestOpenPostgres: a PostgreSQL database with pending migrations is
// refused with a pointer to `nashra migrate`; Migrate (twice, as two
// nodes would) makes it usable, with the queue's tables and the shared
// rate limit.
func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testkit.PostgresSchema(t, "the backend tests", "nashra_backend")
	if _, err := Open(ctx, "postgres", dsn); err == nil || !strings.Contains(err.Error(), "nashra migrate") {
		t.Fatalf("open before migrate: %v", err)
	}
	n, err := Migrate(ctx, "postgres", dsn)
	if err != nil || n == 0 {
		t.Fatalf("Migrate = %d, %v", n, err)
	}
	if n, err := Migrate(ctx, "postgresql", dsn); err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v", n, err)
	}
	b, err := Open(ctx, "postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	hasProtocol(t, b)
	if err := b.Sending(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got := b.Store.DB().Stats().MaxOpenConnections; got != PostgresConns(4) {
		t.Errorf("pool: %d connections, want %d", got, PostgresConns(4))
	}
	lim := b.Limiter("smtp", 100)
	if lim == nil {
		t.Fatal("postgres: no shared limiter")
	}
	if err := lim.Wait(ctx); err != nil {
		t.Errorf("shared limiter after Migrate: %v", err)
	}
	if counts, err := b.QueueDepth(ctx); err != nil || len(counts) != 0 {
		t.Errorf("queue depth of an empty queue: %v, %v", counts, err)
	}
}

// TestSendWorkers: several workers per SMTP connection, more on SQLite.
func TestSendWorkers(t *testing.T) {
	t.Parallel()
	sq, pg := &Backend{driver: "sqlite"}, &Backend{driver: "postgres"}
	for _, c := range []struct {
		b         *Backend
		transport string
		pool, n   int
	}{{sq, "file", 4, 8}, {sq, "smtp", 4, 192}, {pg, "smtp", 4, 64}, {pg, "smtp", 0, 2}} {
		if got := c.b.SendWorkers(c.transport, c.pool); got != c.n {
			t.Errorf("%s %s pool %d: %d workers, want %d", c.b.driver, c.transport, c.pool, got, c.n)
		}
	}
}

// hasProtocol fails unless b's store offers the optional interfaces the
// delivery protocol relies on (docs/delivery.md): a wrapper around the
// concrete store would hide them, and the send would fall back to slower
// marks with wider windows without any error.
func hasProtocol(t *testing.T, b *Backend) {
	t.Helper()
	if _, ok := b.Store.(store.MarkSender); !ok {
		t.Errorf("%s: the store is no store.MarkSender", b.Driver())
	}
	if _, ok := b.Store.(store.ClaimLoader); !ok {
		t.Errorf("%s: the store is no store.ClaimLoader", b.Driver())
	}
	if _, ok := b.Store.(store.MarkRecoverer); !ok && b.Driver() == "sqlite" {
		t.Errorf("%s: the store is no store.MarkRecoverer", b.Driver())
	}
}
