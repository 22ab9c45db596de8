// Package sqlite is nashra's embedded default store: a single SQLite file
// through modernc.org/sqlite (pure Go) and database/sql, driver name
// "sqlite". The file runs in WAL mode with foreign keys on, a 10 s busy
// timeout and IMMEDIATE transactions, so that several goroutines — and the
// River queue sharing the same *sql.DB — write without "database is
// locked" surprises.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/internal/sqldb"
)

// sqlFiles holds the named queries whose SQL is this backend's own (the
// rest are sqldb's) and the migrations (see sqldb.New).
//
//go:embed *.sql migrations/*.up.sql
var sqlFiles embed.FS

// DriverName is the database/sql driver this package uses.
const DriverName = "sqlite"

// Store is the SQLite implementation of store.Store.
type Store struct {
	*sqldb.Core
	marks *markJournal // the delivery commit marks (marks.go)
}

var (
	_ store.Store         = (*Store)(nil)
	_ store.MarkSender    = (*Store)(nil)
	_ store.MarkRecoverer = (*Store)(nil)
)

// Open opens (creating it and its parent folder when needed) the SQLite
// file named by dsn: a path such as "data/nashra.db", optionally prefixed
// "file:" and followed by "?"-parameters of modernc.org/sqlite. The pragmas
// nashra relies on (WAL, busy_timeout=10000, foreign keys,
// _txlock=immediate) are always set, synchronous NORMAL unless the DSN sets
// _synchronous, and a 16 MB page cache unless the DSN sets cache_size;
// others may be added, e.g.
// "?_pragma=mmap_size(268435456)", which speeds up large reads at the cost
// of resident memory. Open does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	full, err := DSN(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := newConnector(full)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", dsn, err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", dsn, err)
	}
	core, err := sqldb.New(db, sqldb.Dialect{
		Name:         "sqlite",
		IsUnique:     isUnique,
		IsForeignKey: isForeignKey,
		GroupCommit:  true,
	}, sqlFiles)
	if err != nil {
		db.Close()
		return nil, err
	}
	path, _, _ := strings.Cut(full, "?")
	return &Store{Core: core, marks: newMarkJournal(path)}, nil
}

// Close closes the database and this process's mark journal.
func (s *Store) Close() error {
	s.marks.close()
	return s.Core.Close()
}

// DSN turns a path or DSN into the full modernc.org/sqlite DSN nashra uses
// and creates the file's parent folder.
func DSN(dsn string) (string, error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	path = strings.TrimPrefix(path, "//")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, ":memory:") {
		return "", fmt.Errorf("sqlite: DSN %q: need a file path (in-memory databases are not shared between connections)", dsn)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlite: DSN %q: %w", dsn, err)
	}
	params.Set("_journal_mode", "WAL")
	params.Set("_busy_timeout", "10000")
	params.Set("_foreign_keys", "1")
	if params.Get("_synchronous") == "" && params.Get("_sync") == "" {
		// In WAL mode NORMAL syncs the WAL at checkpoints, not at every
		// commit: a committed transaction survives the process being
		// killed (it is in the WAL, in the OS's page cache), which is what
		// the delivery ledger's exactly-once protocol needs against
		// crashes, but the last commits before a power loss or kernel
		// crash may roll back — then a message the server accepted can be
		// sent again (never skipped: "sent" is only lost, not invented).
		// "?_synchronous=FULL" syncs every commit and closes that window.
		params.Set("_synchronous", "NORMAL")
	}
	params.Set("_txlock", "immediate")
	if !strings.Contains(query, "cache_size") {
		// 16 MB of page cache per connection (SQLite's default is 2 MB):
		// feed builds read the same index and article pages again and again.
		params.Add("_pragma", "cache_size(-16000)")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("sqlite: create folder for %s: %w", path, err)
		}
	}
	return path + "?" + params.Encode(), nil
}

func code(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := code(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool {
	return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
