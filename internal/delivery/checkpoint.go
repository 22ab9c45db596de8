package delivery

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the queue checkpoints SQLite's WAL while it
// runs.
const checkpointEvery = 200 * time.Millisecond

// checkpointer moves SQLite's WAL checkpoints out of the commits.
//
// By default SQLite checkpoints inside the commit that takes the WAL past
// 1,000 pages: it copies the WAL into the database file and syncs both
// before the statement returns, milliseconds during which the queue's one
// connection is held and every claim and mark waits. While the queue runs,
// automatic checkpoints are off on its connection and this loop
// checkpoints (PASSIVE: it waits for no reader) every checkpointEvery,
// between statements.
type checkpointer struct {
	db   *sql.DB
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}
	runs atomic.Int64 // checkpoints made by the loop
}

func startCheckpoints(ctx context.Context, db *sql.DB, log *slog.Logger) (*checkpointer, error) {
	if _, err := db.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return nil, err
	}
	c := &checkpointer{db: db, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.checkpoint(context.Background()); err != nil {
				c.log.Warn("checkpointing the SQLite WAL", "err", err)
			} else {
				c.runs.Add(1)
			}
		}
	}
}

// checkpoint runs one PASSIVE checkpoint.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var busy, logFrames, done int
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
}

// Stop ends the loop, checkpoints once more and gives the checkpoints back
// to SQLite (its default of 1,000 pages).
func (c *checkpointer) Stop(ctx context.Context) error {
	close(c.stop)
	<-c.done
	err := c.checkpoint(ctx)
	if _, rerr := c.db.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 1000"); err == nil {
		err = rerr
	}
	return err
}
