package sqldb

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"sync/atomic"
)

// maxGroup caps how many writes one group transaction carries.
const maxGroup = 256

// execer is what a grouped write runs its statements on: the pool when it
// runs alone, the group's transaction otherwise.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// groupWrite is one write waiting for its group. fn runs its statements on
// q and returns only database errors: what the statements found (no row
// matched, say) it records in variables of its caller, which reads them
// after the group committed.
type groupWrite struct {
	ctx  context.Context
	fn   func(ctx context.Context, q execer) error
	err  error
	done chan struct{}
}

// groupCommit commits concurrent single-statement writes together: while
// one group's transaction runs, the writes that arrive wait, then go in
// the next transaction as one commit. On SQLite every commit appends its
// pages to the WAL and hands the one connection over to the next waiter;
// a delivery worker pool makes three writes per message, so a send of
// 20,000 messages otherwise makes 60,000 commits. Each write still returns
// only once its group is durable (or with the error that stopped it), so
// callers see what they saw before: a write that returned nil is
// committed. A group where one statement fails is rolled back, that write
// gets the error and the others run again as a group: one write's error is
// not another's.
type groupCommit struct {
	db      *sql.DB
	mu      sync.Mutex
	pending []*groupWrite
	running bool
	// groups and writes count the groups taken and the writes in them.
	groups, writes atomic.Int64
}

// do runs fn in the next group and returns its error. A write whose ctx
// ends before its group starts is not run.
func (g *groupCommit) do(ctx context.Context, fn func(ctx context.Context, q execer) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, w)
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	// Not cancellable: once its group started, the write may commit, and
	// the caller must learn whether it did.
	<-w.done
	return w.err
}

// loop runs groups until none is waiting.
func (g *groupCommit) loop() {
	for {
		g.mu.Lock()
		n := min(len(g.pending), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		group := make([]*groupWrite, n)
		copy(group, g.pending)
		g.pending = append(g.pending[:0], g.pending[n:]...)
		g.mu.Unlock()
		g.groups.Add(1)
		g.writes.Add(int64(n))
		g.run(group)
		for _, w := range group {
			close(w.done)
		}
		runtime.Gosched()
	}
}

// run executes one group, setting each write's err.
func (g *groupCommit) run(group []*groupWrite) {
	live := group[:0:0]
	for _, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			continue
		}
		live = append(live, w)
	}
	for len(live) > 1 {
		failed, err := g.try(live)
		switch {
		case err == nil:
			return
		case failed < 0:
			// The transaction itself failed (begin or commit): run each
			// write on its own.
			for _, w := range live {
				w.err = w.fn(w.ctx, g.db)
			}
			return
		}
		// One statement failed: that is its write's answer; the group
		// runs again without it.
		live[failed].err = err
		live = append(live[:failed:failed], live[failed+1:]...)
	}
	if len(live) == 1 {
		live[0].err = live[0].fn(live[0].ctx, g.db)
	}
}

// try runs the writes in one transaction. It returns the index of the
// write whose statement failed and its error, or -1 and the error of the
// transaction; nil when all were committed.
func (g *groupCommit) try(group []*groupWrite) (int, error) {
	// The statements run without the writers' deadlines: on SQLite an
	// interrupted UPDATE rolls the whole transaction back, which would
	// fail the other writes of the group.
	ctx := context.Background()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return -1, err
	}
	for i, w := range group {
		if err := w.fn(ctx, tx); err != nil {
			// After an error SQLite may have rolled the transaction back
			// itself: run nothing more in it.
			_ = tx.Rollback()
			return i, err
		}
	}
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		return -1, err
	}
	return -1, nil
}
