// Package teststore opens real SQLite stores for tests. It stands apart
// from testkit so that the packages the store is built on (article,
// arabic) can still use testkit in their own tests.
package teststore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nashra/nashra/internal/store/sqlite"
)

// SQLite returns a migrated SQLite store in a fresh file (nashra.db in a
// temporary folder of the test's), closed when the test ends.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	return SQLiteAt(t, filepath.Join(t.TempDir(), "nashra.db"))
}

// SQLiteAt opens the SQLite store at path, creating it if need be, and
// migrates it; it is closed when the test ends.
func SQLiteAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st := Open(t, path)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", path, err)
	}
	return st
}

// Open opens the SQLite store at path as it is, e.g. one that a nashra
// command made, without migrating it; it is closed when the test ends.
func Open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
