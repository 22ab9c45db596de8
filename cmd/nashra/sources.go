package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
)

// version is nashra's version as the build recorded it.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// categoryAliases maps feeds.category_aliases for article.Options.
func categoryAliases(cfg *config.Config) map[string]string {
	if len(cfg.Feeds.CategoryAliases) == 0 {
		return nil
	}
	m := make(map[string]string, len(cfg.Feeds.CategoryAliases))
	for _, al := range cfg.Feeds.CategoryAliases {
		m[article.AliasKey(al.From)] = strings.TrimSpace(al.To)
	}
	return m
}

// newSourceService builds the source service on st, its articles going
// through the publisher (related links); the sources listed in the config
// are added to the store.
func newSourceService(ctx context.Context, a *app, cfg *config.Config, st store.Store) (*source.Service, error) {
	o := source.Options{
		Fetch: source.FetchOptions{
			UserAgent:       fmt.Sprintf("nashra/%s (+%s)", version(), cfg.Site.BaseURL),
			Timeout:         cfg.Sources.Timeout,
			MaxBody:         int64(cfg.Sources.MaxBody),
			PerHostInterval: cfg.Sources.PerHostInterval,
			AllowPrivate:    cfg.Sources.AllowPrivate,
		},
		Parse:      sourceParseOptions(cfg),
		Interval:   cfg.Sources.Interval,
		MaxBackoff: cfg.Sources.MaxBackoff,
		FailAfter:  cfg.Sources.FailAfter,
		Related:    newPublisher(a, cfg, st),
		Log:        a.log,
	}
	if cfg.Store.Driver == "postgres" && cfg.Sources.PerHostInterval > 0 {
		// Every process sharing the database spaces its requests to a host
		// on one schedule.
		perSecond := 1 / cfg.Sources.PerHostInterval.Seconds()
		db := st.DB()
		o.Fetch.HostPace = func(ctx context.Context, host string) error {
			return delivery.NewSharedLimiter(db, "source-host:"+host, perSecond).Wait(ctx)
		}
	}
	if secret, err := delivery.Secret(ctx, st, cfg.Security.Secret); err == nil {
		o.WebSub = &source.WebSubOptions{
			CallbackBase: strings.TrimRight(cfg.Site.BaseURL, "/") + "/websub/",
			Key:          secret,
			Lease:        10 * 24 * time.Hour,
		}
	} else {
		return nil, err
	}
	svc := source.New(st, o)
	specs := make([]source.Spec, len(cfg.Sources.List))
	for i, e := range cfg.Sources.List {
		specs[i] = source.Spec{URL: e.URL, Name: e.Name, Category: e.Category, FullText: e.FullText}
	}
	if err := svc.Sync(ctx, specs); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgName(cfg), err)
	}
	return svc, nil
}

// sourceParseOptions are articleOptions with the Arabic summariser that
// imports use too.
func sourceParseOptions(cfg *config.Config) article.Options {
	o := articleOptions(cfg)
	words := cfg.Text.SummaryWords
	o.Summarize = func(title, text string) string { return arabic.Summarize(title, text, words) }
	return o
}

// sourceService is the process's source service, built once: the queue's
// fetch jobs and the WebSub callbacks of serve share it.
func (a *app) sourceService(ctx context.Context, cfg *config.Config, st store.Store) (*source.Service, error) {
	if a.sources != nil {
		return a.sources, nil
	}
	svc, err := newSourceService(ctx, a, cfg, st)
	if err != nil {
		return nil, err
	}
	a.sources = svc
	return svc, nil
}

// sourceJobs adapts the source service to the queue's fetch jobs: a fetch
// that fails is the source's state (its backoff schedules the next), not
// a job error; only store errors fail the job.
type sourceJobs struct{ svc *source.Service }

func (j sourceJobs) DueSources(ctx context.Context) ([]int64, error) { return j.svc.Due(ctx) }

func (j sourceJobs) FetchSource(ctx context.Context, id int64) error {
	r, err := j.svc.FetchID(ctx, id)
	switch {
	case errors.Is(err, source.ErrBusy), errors.Is(err, store.ErrNotFound):
		return nil // fetched by this process right now, or removed since
	case err != nil:
		return err
	}
	j.svc.Log(r)
	return nil
}

func cfgName(cfg *config.Config) string {
	if cfg.File == "" {
		return "config"
	}
	return cfg.File
}

// newSourcesCmd is `nashra sources` with its sub-commands.
func newSourcesCmd(a *app) *cobra.Command {
	cmd := group("sources", "Feeds and sitemaps pulled into articles: add, list, remove, fetch",
		newSourcesAddCmd(a), newSourcesListCmd(a), newSourcesRemoveCmd(a), newSourcesFetchCmd(a))
	cmd.Long = "Sources are RSS, Atom and JSON feeds and sitemaps (Google News ones too) that nashra\n" +
		"fetches on sources.interval and turns into articles. `serve` and `worker` fetch them\n" +
		"as queue jobs; `sources fetch` fetches them now."
	// Run bare, this group prints its help and succeeds.
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return cmd
}

func newSourcesAddCmd(a *app) *cobra.Command {
	var name, category string
	var fullText bool
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Add a feed or sitemap (fetched at the next run)",
		Args:  cobra.ExactArgs(1),
		RunE: a.sourcesRunE(func(cmd *cobra.Command, args []string, _ *config.Config, svc *source.Service) error {
			src, created, err := svc.Add(cmd.Context(), source.Spec{URL: args[0], Name: name, Category: category, FullText: fullText})
			if err != nil {
				return err
			}
			what := "added"
			if !created {
				what = "already there"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "source %d %s: %s\n", src.ID, what, src.URL)
			return nil
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "display name")
	cmd.Flags().StringVar(&category, "category", "", "category of every article of this source (default: each item's own, through feeds.category_aliases)")
	cmd.Flags().BoolVar(&fullText, "full-text", false, "fetch each item's page and extract the article (for feeds that carry only an excerpt)")
	return cmd
}

func newSourcesListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List sources: last fetch, status, items, next fetch, last error",
		Args:  cobra.NoArgs,
		RunE: a.sourcesRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, svc *source.Service) error {
			srcs, err := svc.List(cmd.Context())
			if err != nil {
				return err
			}
			return writeSources(cmd.OutOrStdout(), svc, srcs, cfg.Location())
		}),
	}
}

func newSourcesRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove URL|ID",
		Short: "Remove a source (its articles stay)",
		Args:  cobra.ExactArgs(1),
		RunE: a.sourcesRunE(func(cmd *cobra.Command, args []string, _ *config.Config, svc *source.Service) error {
			src, err := svc.Remove(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("sources remove: no source %q (see `nashra sources list`)", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "source %d removed: %s\n", src.ID, src.URL)
			if src.FromConfig {
				fmt.Fprintln(cmd.ErrOrStderr(), "nashra: note: it is listed in sources.list of the config and comes back at the next start unless removed there")
			}
			return nil
		}),
	}
}

func newSourcesFetchCmd(a *app) *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "fetch [URL|ID...]",
		Short: "Fetch sources now (all of them, or those named) and store their new items",
		Long: "Fetches the named sources, or every source, now, whatever their schedule, and prints\n" +
			"one line per source. Without --once it then keeps fetching each source when it is due,\n" +
			"until interrupted (a lone fetcher without the queue; `serve` and `worker` do this too).",
		RunE: a.sourcesRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, svc *source.Service) error {
			return runFetch(cmd.Context(), cmd.OutOrStdout(), cfg, svc, args, once)
		}),
	}
	cmd.Flags().BoolVar(&once, "once", false, "fetch once and exit")
	return cmd
}

// sourcesRunE is the RunE of a sources command: run gets the command, its
// arguments, the configuration and the source service on the open store.
func (a *app) sourcesRunE(run func(cmd *cobra.Command, args []string, cfg *config.Config, svc *source.Service) error) func(*cobra.Command, []string) error {
	return a.storeRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error {
		svc, err := newSourceService(cmd.Context(), a, cfg, st)
		if err != nil {
			return err
		}
		return run(cmd, args, cfg, svc)
	})
}

// runFetch fetches the named sources (all when none), prints a line each,
// and without once goes on fetching what falls due.
func runFetch(ctx context.Context, out io.Writer, cfg *config.Config, svc *source.Service, refs []string, once bool) error {
	var ids []int64
	for _, ref := range refs {
		src, err := svc.Find(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("sources fetch: no source %q (see `nashra sources list`)", ref)
		}
		if err != nil {
			return err
		}
		ids = append(ids, src.ID)
	}
	if len(refs) == 0 {
		srcs, err := svc.List(ctx)
		if err != nil {
			return err
		}
		for _, s := range srcs {
			ids = append(ids, s.ID)
		}
	}
	failed := 0
	for _, r := range svc.FetchMany(ctx, ids, cfg.Sources.Workers) {
		fmt.Fprintln(out, r.String())
		for _, e := range r.Errors {
			fmt.Fprintln(out, "  ", e)
		}
		if r.Err != nil {
			failed++
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if once {
		switch {
		case failed > 0 && failed == len(ids):
			return fmt.Errorf("sources fetch: all %d failed", failed)
		case failed > 0:
			return fmt.Errorf("sources fetch: %d of %d failed: %w", failed, len(ids), errPartial)
		}
		return nil
	}
	t := time.NewTicker(time.Minute / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		due, err := svc.Due(ctx)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			due = keep(due, ids)
		}
		for _, r := range svc.FetchMany(ctx, due, cfg.Sources.Workers) {
			fmt.Fprintln(out, r.String())
		}
	}
}

func keep(ids, allowed []int64) []int64 {
	ok := map[int64]bool{}
	for _, id := range allowed {
		ok[id] = true
	}
	var out []int64
	for _, id := range ids {
		if ok[id] {
			out = append(out, id)
		}
	}
	return out
}

// writeSources prints the sources as a table.
func writeSources(w io.Writer, svc *source.Service, srcs []store.Source, loc *time.Location) error {
	t := newTable(w, "ID", "URL", "NAME", "CATEGORY", "STATUS", "ITEMS", "LAST FETCH", "NEXT FETCH", "LAST ERROR")
	for _, s := range srcs {
		cat := s.Category
		if s.FullText {
			cat += " (full text)"
		}
		t.row(s.ID, s.URL, dash(s.Name), dash(strings.TrimSpace(cat)), svc.Status(s), s.Items, when(s.LastFetch, loc, minuteLayout), when(s.NextFetch, loc, minuteLayout), dash(s.LastError))
	}
	return t.flush()
}
