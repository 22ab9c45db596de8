package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/web"
)

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve feeds and pages, run the digest scheduler and workers",
		Args:  cobra.NoArgs,
		RunE: a.configRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config) error {
			for {
				// SIGHUP re-reads the config; when it is valid serve stops
				// cleanly and starts again on it.
				var next *config.Config
				reload := func() error {
					c, err := config.Load(a.configFile)
					next = c
					return err
				}
				ctx, stop, reloading := stopContext(cmd.Context(), a.log, reload)
				err := serve(ctx, a, cfg)
				stop()
				if err != nil || !reloading() {
					return err
				}
				// Services cached on a hold the stopped run's store: drop them.
				cfg, a.cfg, a.metrics, a.sources = next, next, nil, nil
				a.log = config.NewLogger(cfg.Log, a.err)
			}
		}),
	}
}

// serve runs `nashra serve`: it binds the listeners first, so that an
// address in use fails at once, then serves on the store (serveStore).
func serve(ctx context.Context, a *app, cfg *config.Config) error {
	ln, err := listen("server.listen", cfg.Server.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	var mln net.Listener // server.metrics_listen
	if cfg.Server.MetricsListen != "" {
		if mln, err = listen("server.metrics_listen", cfg.Server.MetricsListen); err != nil {
			return err
		}
		defer mln.Close()
	}
	debug.SetGCPercent(cfg.Server.GCPercent)
	for _, w := range cfg.Warnings() {
		a.log.Warn(w)
	}
	return onBackend(ctx, cfg, a.err, func(b *backend.Backend) error { return serveStore(ctx, a, cfg, b, ln, mln) })
}

// serveStore is serve on the open store: the import of the content
// folder, the feeds, the web server on ln (and the metrics one on mln,
// when set), the workers and the watcher, and their shutdown. It is long
// because it is the start-up order in one place: each step needs what the
// ones before it built.
func serveStore(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, ln, mln net.Listener) error {
	st := b.Store
	p := newPublisher(a, cfg, st)

	var snap publish.Snapshot
	if dir := cfg.Site.ContentDir; dir != "" {
		if _, err := os.Stat(dir); err == nil {
			snap = publish.Scan(dir)
			r, err := p.Import(ctx, []string{dir}, nil)
			if err != nil {
				return err
			}
			logImport(a, dir, r)
			gone, err := p.FilesMissing(ctx, dir)
			if err != nil {
				return err
			}
			if len(gone) > 0 {
				a.log.Info("articles whose files left the content folder while serve was stopped are unpublished", "articles", len(gone))
			}
		} else {
			a.log.Warn("content folder not found; nothing imported at start", "site.content_dir", dir)
		}
	}
	set, err := p.Build(ctx)
	if err != nil {
		return err
	}
	h := feeds.NewHandler(set)
	ping(ctx, a, cfg, nil, set)

	srv, err := newWebServer(ctx, a, cfg, b, h)
	if err != nil {
		return err
	}

	srv, metricsSrv, err := a.instrumentWeb(cfg, b, srv) // /metrics, request counts (worker.go)
	if err != nil {
		return err
	}
	// Not ctx: River cancels the jobs in flight when Start's context ends;
	// on SIGTERM the sends in flight finish (stopDelivery waits for them).
	stopDelivery, err := startDelivery(context.WithoutCancel(ctx), a, cfg, b, true)
	if err != nil {
		return err
	}

	if cfg.Server.WatchInterval > 0 {
		go watch(ctx, a, cfg, st, p, h, set, snap)
	}
	// A metrics listener that fails stops the site too.
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	metricsErr := make(chan error, 1)
	if mln != nil {
		go func() {
			err := web.Serve(sctx, mln, metricsSrv, serveOptions(cfg), a.log)
			stopServing()
			metricsErr <- err
		}()
	} else {
		metricsErr <- nil
	}
	serveErr := web.Serve(sctx, ln, srv, siteServeOptions(cfg, h, a.nodeMetrics(b)), a.log)
	stopServing()
	if err := <-metricsErr; err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
		serveErr = fmt.Errorf("metrics listener: %w", err)
	}

	dctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := stopDelivery(dctx); err != nil {
		a.log.Error("stopping workers", "err", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return nil
}

func logImport(a *app, what string, r publish.Report) {
	for _, e := range r.Errors {
		for _, line := range unjoinLines(e) {
			a.log.Warn("import failed", "err", line)
		}
	}
	a.log.Info("import", "from", what, "summary", r.String())
}

// watch rebuilds the feeds when files in the content folder change, or when
// another process (nashra import) changed the store.
func watch(ctx context.Context, a *app, cfg *config.Config, st store.Store, p *publish.Publisher, h *feeds.Handler, set *feeds.Set, snap publish.Snapshot) {
	t := time.NewTicker(cfg.Server.WatchInterval)
	defer t.Stop()
	last, _ := st.LastChange(ctx)
	files := publish.NewWatcher(cfg.Site.ContentDir, snap)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if dir := cfg.Site.ContentDir; dir != "" {
			changed, removed := files.Next()
			if len(removed) > 0 {
				ids, err := p.FilesRemoved(ctx, removed)
				if err != nil && ctx.Err() == nil {
					a.log.Error("unpublish the articles of removed files", "err", err)
				}
				a.log.Info("files removed: their articles unpublished", "files", len(removed), "articles", len(ids))
			}
			if len(changed) > 0 {
				r, err := p.Import(ctx, changed, nil)
				if err != nil {
					if ctx.Err() == nil {
						a.log.Error("import changed files", "err", err)
					}
					continue
				}
				logImport(a, dir, r)
			}
		}
		lc, err := st.LastChange(ctx)
		if err != nil {
			if ctx.Err() == nil { // not a shutdown
				a.log.Error("watch store", "err", err)
			}
			continue
		}
		if lc.Equal(last) && !p.ReleaseDue(time.Now()) {
			continue
		}
		last = lc
		p.Invalidate()
		next, err := p.Build(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Error("rebuild feeds", "err", err)
			}
			continue
		}
		h.Swap(next)
		a.log.Info("feeds rebuilt", "changed", len(feeds.Changed(set, next)))
		ping(ctx, a, cfg, set, next)
		set = next
	}
}

// ping tells the WebSub hub which feeds changed.
func ping(ctx context.Context, a *app, cfg *config.Config, prev, next *feeds.Set) {
	if cfg.Feeds.WebSubHub == "" {
		return
	}
	topics := feeds.Changed(prev, next)
	if len(topics) == 0 {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := feeds.PingHub(pctx, http.DefaultClient, cfg.Feeds.WebSubHub, topics); err != nil {
		a.log.Warn("websub ping failed", "hub", cfg.Feeds.WebSubHub, "err", err)
	}
}
