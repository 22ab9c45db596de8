package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
)

// migrateQueue applies River's migrations for the configured driver.
func migrateQueue(ctx context.Context, cfg *config.Config, st store.Store) error {
	return delivery.Migrate(ctx, cfg.Store.Driver, st.DB())
}

// prepareQueueDB readies the store's pool for River. On SQLite it keeps one
// connection (River and the store then take turns instead of meeting
// SQLITE_BUSY), gives it a 2 MB page cache instead of the store's 16 MB
// (sending touches the ledger and River's job indexes, not article pages:
// same CPU per message, peak RSS for 20,000 subscribers 77 -> 55 MB at
// 4 MB; 2 MB took 2.5 MB more off the peak for 100,000, no slower) and
// applies River's migrations, as openStore does for the store's own; on
// PostgreSQL migrations are `nashra migrate`'s job.
//
// On PostgreSQL it sizes the pool by the SMTP connections: each one needs a
// database connection for its commit mark and its "sent" mark, and River
// and the claims of the waiting workers a few more; all of them are kept
// open. With 20 open and 5 idle, one message in eight opened a new
// PostgreSQL session (a server process) and the commit mark, inside the
// SMTP transaction, queued for a connection: 245 msg/s from one process to
// smtp-sink with 4 connections, against 800-1,000 msg/s now
// (bench/send-pg.sh). Every node takes 2 x mail.smtp.pool + 8 of the
// server's max_connections.
func prepareQueueDB(ctx context.Context, cfg *config.Config, st store.Store) error {
	if cfg.Store.Driver != "sqlite" {
		n := pgConns(cfg)
		st.DB().SetMaxOpenConns(n)
		st.DB().SetMaxIdleConns(n)
		return nil
	}
	st.DB().SetMaxOpenConns(1)
	if _, err := st.DB().ExecContext(ctx, "PRAGMA cache_size = -2000"); err != nil {
		return fmt.Errorf("queue: page cache: %w", err)
	}
	return migrateQueue(ctx, cfg, st)
}

// openQueue builds the delivery service, its transport and the River
// client. The caller closes the transport after stopping the queue.
func openQueue(ctx context.Context, a *app, cfg *config.Config, st store.Store, withScheduler bool,
	onDelivered func(delivery.SendArgs, delivery.Outcome)) (*delivery.Queue, mailer.Transport, error) {
	if err := prepareQueueDB(ctx, cfg, st); err != nil {
		return nil, nil, err
	}
	svc, tr, err := newDelivery(ctx, a, cfg, st)
	if err != nil {
		return nil, nil, err
	}
	qo := delivery.QueueOptions{
		Driver:      cfg.Store.Driver,
		Workers:     sendWorkers(cfg),
		Location:    cfg.Location(),
		OnDelivered: onDelivered,
		Log:         a.log,
	}
	if withScheduler {
		qo.Schedule = cfg.Digest.Schedule
	}
	q, err := delivery.NewQueue(st.DB(), svc, qo)
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return q, tr, nil
}

// startDelivery starts the River workers (and, with withScheduler, the
// periodic edition job on digest.schedule, which River runs on its elected
// leader only). stop waits for running sends to finish, then closes the
// transport.
func startDelivery(ctx context.Context, a *app, cfg *config.Config, st store.Store, withScheduler bool) (func(context.Context) error, error) {
	q, tr, err := openQueue(ctx, a, cfg, st, withScheduler, a.sendOutcome(st))
	if err != nil {
		return nil, err
	}
	a.superviseQueue(st, q) // metrics, rescue of dead local processes (worker.go)
	if err := q.Start(ctx); err != nil {
		tr.Close()
		return nil, err
	}
	a.log.Info("delivery workers started", "queue", q.ID(), "schedule", qScheduleText(cfg, withScheduler))
	return func(sctx context.Context) error {
		return errors.Join(q.Stop(sctx), tr.Close())
	}, nil
}

func qScheduleText(cfg *config.Config, on bool) string {
	if !on {
		return "off"
	}
	return cfg.Digest.Schedule + " (" + cfg.Site.Timezone + ")"
}

// pgConns is the PostgreSQL pool size of a process that sends mail.
func pgConns(cfg *config.Config) int {
	return 2*max(cfg.Mail.SMTP.Pool, 1) + 8
}
