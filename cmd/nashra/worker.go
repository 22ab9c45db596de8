package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/metrics"
	"github.com/nashra/nashra/internal/web"
)

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
		RunE: a.configRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config) error {
			ctx, stop, _ := stopContext(cmd.Context(), a.log, nil)
			defer stop()
			return runWorker(ctx, a, cfg, listen)
		}),
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
	return onBackend(ctx, cfg, a.err, func(b *backend.Backend) error {
		// River cancels the jobs in flight when the context given to Start
		// ends (a hard stop); a signal must only stop fetching, so the queue
		// runs on a context that the signal does not cancel.
		stopDelivery, err := startDelivery(context.WithoutCancel(ctx), a, cfg, b, true)
		if err != nil {
			return err
		}
		var srvErr chan error
		if ln != nil {
			h := a.metricsListener(b)
			srvErr = make(chan error, 1)
			go func() { srvErr <- web.Serve(ctx, ln, h, serveOptions(cfg), a.log) }()
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
	})
}

// nodeMetrics returns this process's metrics, created on first use with
// the gauges read from st (queue depth, today's ledger).
func (a *app) nodeMetrics(b *backend.Backend) *metrics.Metrics {
	st := b.Store
	if a.metrics != nil {
		return a.metrics
	}
	m := metrics.New()
	if st != nil {
		m.AddGauges(metrics.Gauges{
			QueueDepth: b.QueueDepth,
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
			Followers: func(ctx context.Context) (map[string]int, error) {
				return followersBySlug(ctx, a.cfg, st)
			},
		})
	}
	a.metrics = m
	return m
}

// instrumentWeb counts the requests of the site h and serves /metrics as
// the config says: on server.listen to server.metrics_allow only, or, with
// server.metrics_listen set, not on the site but on the second handler it
// returns (nil otherwise), with /healthz and /readyz.
func (a *app) instrumentWeb(cfg *config.Config, b *backend.Backend, h http.Handler) (site, metricsOnly http.Handler, err error) {
	m := a.nodeMetrics(b)
	if cfg.Server.MetricsListen != "" {
		return web.Instrument(h, m, nil), a.metricsListener(b), nil
	}
	allow, err := cfg.Server.MetricsClients()
	if err != nil {
		return nil, nil, err
	}
	proxies, err := cfg.Server.Proxies()
	if err != nil {
		return nil, nil, err
	}
	return web.Instrument(h, m, &web.MetricsAccess{Handler: m.Handler(), Allow: allow, TrustedProxies: proxies}), nil, nil
}

// metricsListener is the handler of a listener of its own for /metrics
// (server.metrics_listen, worker --listen), /healthz and /readyz: open to
// whoever reaches the address.
func (a *app) metricsListener(b *backend.Backend) http.Handler {
	st := b.Store
	m := a.nodeMetrics(b)
	return web.Instrument(web.New(web.Options{Health: st, Log: a.log}), m, &web.MetricsAccess{Handler: m.Handler()})
}

// serveOptions are the HTTP server's timeouts from the config.
func serveOptions(cfg *config.Config) web.ServeOptions {
	return web.ServeOptions{ReadTimeout: cfg.Server.ReadTimeout, RequestTimeout: cfg.Server.RequestTimeout,
		ShutdownTimeout: cfg.Server.ShutdownTimeout}
}

// siteServeOptions are serveOptions for server.listen: the feeds and the
// index of h, polled all day, skip net/http (web.FastPath, counting into
// count) unless server.fast_path is off.
func siteServeOptions(cfg *config.Config, h *feeds.Handler, count web.RequestCounter) web.ServeOptions {
	so := serveOptions(cfg)
	if cfg.Server.FastPath {
		so.Fast = &web.FastPath{Feeds: h, Count: count}
	}
	return so
}

// rescueEvery is how often a running node takes over the jobs of dead
// nashra processes on its host (delivery.QueueOptions.RescueEvery).
const rescueEvery = 3 * time.Second

// observeQueue counts into the node's metrics the outcome of every send
// attempt (sent, assumed sent, skipped…), send latencies and editions.
func (a *app) observeQueue(b *backend.Backend, o *delivery.QueueOptions) {
	m := a.nodeMetrics(b)
	o.OnDelivered = func(_ delivery.SendArgs, out delivery.Outcome) { m.Send(out.String(), 0) }
	o.OnSendRun = m.SendLatency
	o.OnEditionEnd = func(completed bool) {
		if completed {
			m.Edition("completed")
		} else {
			m.Edition("error")
		}
	}
}
