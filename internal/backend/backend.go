// Package backend opens nashra's database for the configured store.driver:
// the store, River's queue on the same database, and the tuning that goes
// with each choice (pool sizes, page cache, workers per SMTP connection,
// where mail.rate is enforced). It is the one place that knows what differs
// between SQLite and PostgreSQL outside the store's own packages, so that
// cmd/nashra only wires.
//
// On SQLite (the embedded default) one process owns the file: Open applies
// the store's migrations itself, and a sending process applies River's. On
// PostgreSQL several processes share the database: migrations are `nashra
// migrate`'s job (Migrate), and Open refuses a database with some pending.
package backend

import (
	"context"
	"fmt"
	"sync"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/mailer"
)

// Drivers are the accepted values of store.driver.
var Drivers = []string{"sqlite", "postgres"}

// Backend is an open store with what the queue needs to know about it.
type Backend struct {
	// Store is the concrete store (*sqlite.Store or *postgres.Store), with
	// the optional interfaces its backend implements (store.MarkSender,
	// store.ClaimLoader, store.MarkRecoverer): hand it on as it is, never
	// wrapped, or the delivery protocol loses them.
	Store  store.Store
	driver string

	jobsMu sync.Mutex
	jobs   *delivery.Jobs // River client for listing jobs, on first use
}

// Open opens the store for driver "sqlite" (dsn: a file path) or
// "postgres" (dsn: a libpq URL or key=value string), migrated: SQLite is
// migrated here, PostgreSQL must have been migrated by Migrate.
func Open(ctx context.Context, driver, dsn string) (*Backend, error) {
	b, err := openStore(ctx, driver, dsn)
	if err != nil {
		return nil, err
	}
	if b.driver == "sqlite" {
		if err := b.Store.Migrate(ctx); err != nil {
			b.Close()
			return nil, err
		}
		return b, nil
	}
	n, err := b.Store.MigrationsPending(ctx)
	if err != nil {
		b.Close()
		return nil, err
	}
	if n > 0 {
		b.Close()
		return nil, fmt.Errorf("store: %d migrations pending: run `nashra migrate` first", n)
	}
	return b, nil
}

// openStore opens the store without migrating it.
func openStore(ctx context.Context, driver, dsn string) (*Backend, error) {
	var st store.Store
	var err error
	switch driver {
	case "sqlite":
		st, err = sqlite.Open(ctx, dsn)
	case "postgres", "postgresql":
		driver = "postgres"
		st, err = postgres.Open(ctx, dsn)
	default:
		return nil, fmt.Errorf("store: unknown driver %q (want sqlite or postgres)", driver)
	}
	if err != nil {
		return nil, err
	}
	return &Backend{Store: st, driver: driver}, nil
}

// Migrate applies the store's and the queue's migrations and reports how
// many of the store's were pending before. Two processes migrating at once
// are safe: on PostgreSQL each step runs under an advisory lock.
func Migrate(ctx context.Context, driver, dsn string) (pending int, err error) {
	b, err := openStore(ctx, driver, dsn)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	if pending, err = b.Store.MigrationsPending(ctx); err != nil {
		return 0, err
	}
	if err := b.Store.Migrate(ctx); err != nil {
		return 0, err
	}
	return pending, b.migrateQueue(ctx)
}

// migrateQueue applies River's migrations. On PostgreSQL it holds a
// session advisory lock for the whole step, so that two `nashra migrate` at
// once do not collide inside River's migrator (the store's own migrations
// take their own lock).
func (b *Backend) migrateQueue(ctx context.Context) error {
	if b.driver != "postgres" {
		return delivery.Migrate(ctx, b.driver, b.Store.DB())
	}
	conn, err := b.Store.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Close()
	const key = `hashtextextended('nashra.migrate-queue:' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`)
	return delivery.Migrate(ctx, b.driver, b.Store.DB())
}

// Close closes the store.
func (b *Backend) Close() error { return b.Store.Close() }

// Driver is "sqlite" or "postgres".
func (b *Backend) Driver() string { return b.driver }

// Sending readies the database for a process that runs the queue's
// workers, sending over smtpPool SMTP connections.
//
// On SQLite it keeps one connection (River and the store then take turns
// instead of meeting SQLITE_BUSY) with a 2 MB page cache instead of the
// store's 16 MB (sending touches the ledger and River's job indexes, not
// article pages; the smaller cache keeps a send to 100,000 readers under
// the memory goal at the same speed), and applies River's migrations.
//
// On PostgreSQL it keeps PostgresConns connections open: each SMTP
// connection needs one for its commit mark and one for its "sent" mark,
// River and the claims of the waiting workers a few more; an idle pool
// smaller than that opens a server process for some messages while their
// SMTP transaction waits.
func (b *Backend) Sending(ctx context.Context, smtpPool int) error {
	if b.driver != "sqlite" {
		n := PostgresConns(smtpPool)
		b.Store.DB().SetMaxOpenConns(n)
		b.Store.DB().SetMaxIdleConns(n)
		return nil
	}
	b.Store.DB().SetMaxOpenConns(1)
	if _, err := b.Store.DB().ExecContext(ctx, "PRAGMA cache_size = -2000"); err != nil {
		return fmt.Errorf("queue: page cache: %w", err)
	}
	return b.migrateQueue(ctx)
}

// PostgresConns is the PostgreSQL pool size of a process that sends over
// smtpPool SMTP connections: every node takes that many of the server's
// max_connections.
func PostgresConns(smtpPool int) int { return 2*max(smtpPool, 1) + 8 }

// SendWorkers is the number of River send workers for mail.transport and
// mail.smtp.pool: several per SMTP connection, so that a rendered message
// waits at every connection while River fetches and completes jobs in
// batches (a worker waiting for a connection holds no database
// connection); 48 per connection on SQLite, where every worker takes turns
// on the one database connection and larger batches cost less per
// message, 16 on PostgreSQL; 8 for the file outbox.
func (b *Backend) SendWorkers(transport string, smtpPool int) int {
	if transport != "smtp" {
		return 8
	}
	if b.driver == "sqlite" {
		return max(48*smtpPool, 2)
	}
	return max(16*smtpPool, 2)
}

// Limiter is the process-wide limit of mail.rate messages a second over
// mail.transport: on PostgreSQL, where several processes send, one limiter
// row in the database (delivery.SharedLimiter); otherwise nil, and the
// SMTP transport paces itself.
func (b *Backend) Limiter(transport string, rate float64) mailer.Limiter {
	if b.driver != "postgres" || rate <= 0 || transport != "smtp" {
		return nil
	}
	return delivery.NewSharedLimiter(b.Store.DB(), "mail", rate)
}

// NewQueue builds the River client with its workers on this database
// (delivery.NewQueue with the driver filled in). Call Sending first.
func (b *Backend) NewQueue(svc *delivery.Service, o delivery.QueueOptions) (*delivery.Queue, error) {
	o.Driver = b.driver
	return delivery.NewQueue(b.Store.DB(), svc, o)
}

// QueueDepth counts the send jobs not yet finished, by River state, for
// the metrics (delivery.Jobs.SendCounts).
func (b *Backend) QueueDepth(ctx context.Context) (map[string]int, error) {
	b.jobsMu.Lock()
	if b.jobs == nil {
		j, err := delivery.NewJobs(b.driver, b.Store.DB())
		if err != nil {
			b.jobsMu.Unlock()
			return nil, err
		}
		b.jobs = j
	}
	j := b.jobs
	b.jobsMu.Unlock()
	return j.SendCounts(ctx)
}
