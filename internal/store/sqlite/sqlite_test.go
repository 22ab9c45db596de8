package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "nashra.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}

// TestStoreOneConnection runs the suite on a pool of one connection, as
// River's riversqlite driver wants it: no store method may hold a
// connection while asking for another.
func TestStoreOneConnection(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := newStore(t)
		s.DB().SetMaxOpenConns(1)
		return s
	})
}

// TestConcurrentMigrate opens the same file twice, as two processes would,
// and migrates from both at once.
func TestConcurrentMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := make([]store.Store, 4)
	for i := range stores {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	storetest.MigrateAtOnce(ctx, t, stores...)
}

// TestOpenSettings checks the file is created with its folder and that the
// pragmas nashra relies on hold on every pooled connection.
func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "deep", "data")
	s, err := Open(ctx, "file:"+filepath.Join(dir, "nashra.db")+"?_journal_mode=DELETE&_pragma=cache_size(-4000)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nashra.db")); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	// Hold several connections at once so the pool opens more than one.
	var conns []interface{ Close() error }
	for i := range 3 {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, p := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"busy_timeout", "10000"},
			{"foreign_keys", "1"},
			{"synchronous", "1"},
			{"cache_size", "-4000"},
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if strings.ToLower(got) != p.want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, p.pragma, got, p.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestDSN(t *testing.T) {
	for _, bad := range []string{"", ":memory:", "file::memory:?cache=shared", "file:"} {
		if _, err := DSN(bad); err == nil {
			t.Errorf("DSN(%q) accepted an in-memory or empty database", bad)
		}
	}
	dir := t.TempDir()
	got, err := DSN(filepath.Join(dir, "a", "b.db") + "?_txlock=deferred")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, filepath.Join(dir, "a", "b.db")+"?") || !strings.Contains(got, "_txlock=immediate") || strings.Contains(got, "deferred") {
		t.Errorf("DSN = %q", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a")); err != nil || !fi.IsDir() {
		t.Errorf("parent folder not created: %v", err)
	}
	// synchronous: NORMAL by default, FULL kept when asked for.
	for dsn, want := range map[string]string{"c.db": "_synchronous=NORMAL", "c.db?_synchronous=FULL": "_synchronous=FULL"} {
		got, err := DSN(filepath.Join(dir, dsn))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(got, "_synchronous=") != 1 || !strings.Contains(got, want) {
			t.Errorf("DSN(%q) = %q, want %s once", dsn, got, want)
		}
	}
}

func TestOpenUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := Open(context.Background(), filepath.Join(dir, "sub", "x.db"))
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: ") {
		t.Errorf("Open in an unwritable folder: %v", err)
	}
}

// TestSyncNewslettersUnchangedReadsOnly: SyncNewsletters, which every
// command runs when it opens the store, takes no write lock when the
// newsletters are recorded already, so a command is not held up by a
// worker writing to the same file; a new slug still waits for the lock.
func TestSyncNewslettersUnchangedReadsOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nashra.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncNewsletters(ctx, []string{"daily", "weekly"}); err != nil {
		t.Fatal(err)
	}
	// Another process holds the write lock.
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.DB().BeginTx(ctx, nil) // BEGIN IMMEDIATE (DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	start := time.Now()
	if err := s.SyncNewsletters(ctx, []string{"daily", "weekly"}); err != nil {
		t.Fatalf("unchanged newsletters under another writer: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("unchanged newsletters waited %s for the write lock", d)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.SyncNewsletters(short, []string{"daily", "weekly", "culture"}); err == nil {
		t.Error("a new newsletter was recorded while another process held the write lock")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncNewsletters(ctx, []string{"daily", "weekly", "culture"}); err != nil {
		t.Fatalf("a new newsletter once the lock is free: %v", err)
	}
	if err := s.SyncNewsletters(ctx, []string{"weekly", "daily"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("another default: got %v, want ErrConflict", err)
	}
}
