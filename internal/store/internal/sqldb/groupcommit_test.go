package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openGroupDB opens a real SQLite file with one connection, as the store
// runs it for the delivery queue.
func openGroupDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "g.db")+"?_journal_mode=WAL&_txlock=immediate&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))`); err != nil {
		t.Fatal(err)
	}
	return db
}

func insertWrite(id, v int) func(context.Context, execer) error {
	return func(ctx context.Context, q execer) error {
		_, err := q.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?1, ?2)`, id, v)
		return err
	}
}

// TestGroupCommitGroupsAndIsolatesFailures holds the one connection while
// 60 writes arrive, so that they meet in groups; every tenth write breaks a
// CHECK constraint. The others must all be committed, each bad one must get
// its own error, and fewer transactions than writes must have run.
func TestGroupCommitGroupsAndIsolatesFailures(t *testing.T) {
	db := openGroupDB(t)
	g := &groupCommit{db: db}

	hold, err := db.BeginTx(context.Background(), nil) // takes the connection
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		v := i
		if i%10 == 3 {
			v = -1
		}
		wg.Go(func() { errs[i] = g.do(context.Background(), insertWrite(i+1, v)) })
	}
	// Wait until the first group is stuck on the connection and the rest
	// are queued behind it.
	for {
		g.mu.Lock()
		arrived := len(g.pending) + int(g.writes.Load())
		g.mu.Unlock()
		if arrived == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	for i, err := range errs {
		bad := i%10 == 3
		if bad && err == nil {
			t.Errorf("write %d broke the CHECK constraint but got no error", i)
		}
		if !bad && err != nil {
			t.Errorf("write %d: %v (another write's failure leaked into it?)", i, err)
		}
	}
	var count int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if want := n - n/10; count != want {
		t.Errorf("%d rows committed, want %d", count, want)
	}
	// The first writes (often one alone) while the connection is held,
	// then all the others in one group.
	if g.groups.Load() > 2 {
		t.Errorf("%d groups for %d writes queued together, want at most 2", g.groups.Load(), n)
	}
}

// TestGroupCommitSkipsEndedContext: a write whose context ends while it
// waits for its group is not run, and says why.
func TestGroupCommitSkipsEndedContext(t *testing.T) {
	db := openGroupDB(t)
	g := &groupCommit{db: db}
	hold, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- g.do(context.Background(), insertWrite(1, 1)) }()
	for {
		g.mu.Lock()
		started := g.running && len(g.pending) == 0
		g.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- g.do(ctx, insertWrite(2, 2)) }()
	for {
		g.mu.Lock()
		queued := len(g.pending)
		g.mu.Unlock()
		if queued == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: err %v, want context.Canceled", err)
	}
	var count int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE id = 2`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 0 {
		t.Error("the cancelled write was run")
	}
}
