package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/metrics"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/mailer"
)

func init() { register(newWorkerCmd) }

func newWorkerCmd(a *app) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the queue workers only (scale-out on PostgreSQL)",
		Long: "Works edition and send jobs until interrupted. Every worker also takes part in River's\n" +
			"leader election; the leader enqueues the periodic edition job on digest.schedule.\n" +
			"SIGTERM or SIGINT stops fetching jobs and waits (up to server.shutdown_timeout) for the\n" +
			"messages in flight to be sent and recorded. With --listen, /metrics, /healthz and\n" +
			"/readyz are served on that address.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ctx, stop := stopContext(cmd.Context(), a.log)
			defer stop()
			return runWorker(ctx, a, cfg, listen)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address for /metrics, /healthz and /readyz (e.g. 127.0.0.1:9101); empty: none")
	return cmd
}

func runWorker(ctx context.Context, a *app, cfg *config.Config, addr string) error {
	var ln net.Listener
	if addr != "" {
		var err error
		if ln, err = listen("--listen", addr); err != nil {
			return err
		}
		defer ln.Close()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// River cancels the jobs in flight when the context given to Start
	// ends (a hard stop); a signal must only stop fetching, so the queue
	// runs on a context that the signal does not cancel.
	stopDelivery, err := startDelivery(context.WithoutCancel(ctx), a, cfg, st, true)
	if err != nil {
		return err
	}
	var srvErr chan error
	if ln != nil {
		h := a.instrumentWeb(st, web.New(web.Options{Health: st, Log: a.log}))
		srvErr = make(chan error, 1)
		go func() { srvErr <- web.Serve(ctx, ln, h, cfg.Server.ShutdownTimeout, a.log) }()
	}
	<-ctx.Done()
	a.log.Info("stopping workers: waiting for sends in flight")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	err = stopDelivery(sctx)
	if srvErr != nil {
		if serr := <-srvErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, fmt.Errorf("worker: metrics listener: %w", serr))
		}
	}
	if err == nil {
		a.log.Info("workers stopped")
	}
	return err
}

// nodeMetrics returns this process's metrics, created on first use with
// the gauges read from st (queue depth, today's ledger).
func (a *app) nodeMetrics(st store.Store) *metrics.Metrics {
	if a.metrics != nil {
		return a.metrics
	}
	m := metrics.New()
	if st != nil {
		db := st.DB()
		m.AddGauges(metrics.Gauges{
			QueueDepth: func(ctx context.Context) (map[string]int, error) { return queueDepth(ctx, db) },
			Ledger: func(ctx context.Context) (map[string]int, error) {
				cfg := a.cfg
				day := time.Now().Format("2006-01-02")
				if cfg != nil {
					day = time.Now().In(cfg.Location()).Format("2006-01-02")
				}
				counts, err := st.DeliveryCounts(ctx, day)
				if err != nil {
					return nil, err
				}
				out := make(map[string]int, len(counts))
				for s, n := range counts {
					out[string(s)] = n
				}
				return out, nil
			},
		})
	}
	a.metrics = m
	return m
}

// queueDepth counts the send jobs in River's table by state (the same SQL
// on SQLite and PostgreSQL).
func queueDepth(ctx context.Context, db *sql.DB) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, `SELECT CAST(state AS text), count(*) FROM river_job WHERE kind = $1 GROUP BY state`,
		delivery.SendArgs{}.Kind())
	if err != nil {
		return nil, fmt.Errorf("metrics: queue depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("metrics: queue depth: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// instrumentWeb serves /metrics on h and counts its requests.
func (a *app) instrumentWeb(st store.Store, h http.Handler) http.Handler {
	m := a.nodeMetrics(st)
	return web.Instrument(h, m, m.Handler())
}

// rescueEvery is how often a running node looks for the jobs of dead
// nashra processes on its host (see delivery.Queue.RescueOrphans): a
// worker killed mid-send has its jobs taken over within seconds by the
// nodes left on its machine. Jobs of a dead machine wait for River's own
// rescuer (RescueStuckJobsAfter).
const rescueEvery = 3 * time.Second

// superviseQueue counts outcomes, latencies and editions from River's
// events into the node's metrics and rescues the jobs of dead local
// processes, until the client stops. startDelivery calls it before
// starting q.
func (a *app) superviseQueue(st store.Store, q *delivery.Queue) {
	m := a.nodeMetrics(st)
	events, cancel := q.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		t := time.NewTicker(rescueEvery)
		defer t.Stop()
		for {
			select {
			case <-q.Client.Stopped():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				observe(m, ev)
			case <-t.C:
				ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
				if n, err := q.RescueOrphans(ctx); err != nil {
					a.log.Debug("rescuing jobs of dead processes", "err", err)
				} else if n > 0 {
					a.log.Info("rescued jobs of dead processes", "jobs", n)
				}
				c()
			}
		}
	}()
}

// sendOutcome counts the result of every send attempt (the outcome the
// River event cannot tell: sent, assumed sent, skipped…).
func (a *app) sendOutcome(st store.Store) func(delivery.SendArgs, delivery.Outcome) {
	m := a.nodeMetrics(st)
	return func(_ delivery.SendArgs, o delivery.Outcome) { m.Send(o.String(), 0) }
}

func observe(m *metrics.Metrics, ev *river.Event) {
	if ev == nil || ev.Job == nil {
		return
	}
	switch ev.Job.Kind {
	case delivery.EditionArgs{}.Kind():
		if ev.Kind == river.EventKindJobCompleted {
			m.Edition("completed")
		} else {
			m.Edition("error")
		}
	case delivery.SendArgs{}.Kind():
		if ev.JobStats != nil {
			m.SendLatency(ev.JobStats.RunDuration)
		}
	}
}

// sharedLimiter is the global mail.rate on PostgreSQL, where several
// processes send: one limiter row in the database. On SQLite (one
// process) it returns nil and the transport paces itself with mail.rate.
func sharedLimiter(cfg *config.Config, st store.Store) mailer.Limiter {
	if cfg.Store.Driver != "postgres" || cfg.Mail.Rate <= 0 || cfg.Mail.Transport != "smtp" {
		return nil
	}
	return delivery.NewSharedLimiter(st.DB(), "mail", cfg.Mail.Rate)
}

// migrateShared applies River's migrations and creates the shared rate
// limit's table. On PostgreSQL it holds a session advisory lock for the
// whole step, so that two `nashra migrate` at once do not collide inside
// River's migrator (the store's own migrations take their own lock).
func migrateShared(ctx context.Context, cfg *config.Config, st store.Store) error {
	if cfg.Store.Driver != "postgres" {
		return migrateQueue(ctx, cfg, st)
	}
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Close()
	const key = `hashtextextended('nashra.migrate-queue:' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`)
	if err := migrateQueue(ctx, cfg, st); err != nil {
		return err
	}
	return delivery.MigrateRateLimit(ctx, st.DB())
}
