package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
)

// openStore opens the configured store with its queue (backend.Open:
// SQLite is migrated on the spot, PostgreSQL must be by `nashra migrate`)
// and records the configured newsletters in it (the first time, the
// default one takes over the single digest's subscribers and editions).
func openStore(ctx context.Context, cfg *config.Config) (*backend.Backend, error) {
	b, err := backend.Open(ctx, cfg.Store.Driver, cfg.Store.DSN)
	if err != nil {
		return nil, err
	}
	if err := b.Store.SyncNewsletters(ctx, cfg.NewsletterSlugs()); err != nil {
		b.Close()
		if errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("newsletters[0].slug: %w", err)
		}
		return nil, err
	}
	return b, nil
}

// withStore loads the configuration, opens the store (migrating SQLite),
// runs fn and closes the store: the set-up every store command shares.
func (a *app) withStore(ctx context.Context, fn func(cfg *config.Config, st store.Store) error) error {
	return a.withBackend(ctx, func(cfg *config.Config, b *backend.Backend) error { return fn(cfg, b.Store) })
}

// storeRunE is the RunE of a command that works on the store: run gets
// the command, its arguments, the configuration and the store (withStore).
func (a *app) storeRunE(run func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return a.withStore(cmd.Context(), func(cfg *config.Config, st store.Store) error { return run(cmd, args, cfg, st) })
	}
}

// withBackend is withStore for commands that run the queue.
func (a *app) withBackend(ctx context.Context, fn func(cfg *config.Config, b *backend.Backend) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	return onBackend(ctx, cfg, a.err, func(b *backend.Backend) error { return fn(cfg, b) })
}

// onBackend opens the store of cfg with its queue (openStore), reports on
// w the subscribers merged by the case-insensitive address migration
// (reportMerges), runs fn and closes the store.
func onBackend(ctx context.Context, cfg *config.Config, w io.Writer, fn func(b *backend.Backend) error) error {
	b, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := reportMerges(ctx, w, b.Store); err != nil {
		return err
	}
	return fn(b)
}

// feedOptions maps the configuration onto the feeds package's options.
func feedOptions(cfg *config.Config) feeds.Options {
	cats := make([]feeds.Category, len(cfg.Feeds.Categories))
	for i, c := range cfg.Feeds.Categories {
		cats[i] = feeds.Category{Name: c.Name, Slug: c.Slug, Title: c.Title}
	}
	return feeds.Options{
		Title:       cfg.Site.Title,
		Description: cfg.Site.Description,
		BaseURL:     cfg.Site.BaseURL,
		Language:    cfg.Site.Language,
		Author:      cfg.Site.Author,
		Email:       cfg.Site.Email,
		Location:    cfg.Location(),
		Items:       cfg.Feeds.Items,
		FullContent: cfg.Feeds.FullContent,
		WebSubHub:   cfg.Feeds.WebSubHub,
		Categories:  cats,
		MaxAge:      cfg.Feeds.CacheMaxAge,
	}
}

func newPublisher(a *app, cfg *config.Config, st store.Store) *publish.Publisher {
	return publish.New(st, publish.Options{
		Feeds:              feedOptions(cfg),
		Parse:              articleOptions(cfg),
		SummaryWords:       cfg.Text.SummaryWords,
		RelatedK:           cfg.Text.RelatedK,
		RelatedMinScore:    cfg.Text.RelatedMinScore,
		RelatedTopicWeight: cfg.Text.RelatedTopicWeight,
		Log:                a.log,
	})
}

// articleOptions are the article parsing options of the configuration.
func articleOptions(cfg *config.Config) article.Options {
	return article.Options{Language: cfg.Site.Language, Location: cfg.Location(), CategoryAliases: categoryAliases(cfg),
		MaxBytes: cfg.Import.MaxBytes}
}

// output is where a command writes with --out: standard output for "" or
// "-", else a file it creates.
type output struct {
	io.Writer
	file *os.File // nil on standard output
}

func createOutput(cmd *cobra.Command, path string) (*output, error) {
	if path == "" || path == "-" {
		return &output{Writer: cmd.OutOrStdout()}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &output{Writer: f, file: f}, nil
}

// Close closes the file; on standard output it does nothing.
func (o *output) Close() error {
	if o.file == nil {
		return nil
	}
	return o.file.Close()
}

// progress returns a progress callback drawing a bar on w when w is a
// terminal and the job is big enough to need one; otherwise nil.
func progress(w io.Writer, total int, what string) (func(string), func()) {
	f, ok := w.(*os.File)
	if !ok || total < 20 || !isatty.IsTerminal(f.Fd()) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
	return func(string) { _ = bar.Add(1) }, func() { _ = bar.Finish() }
}

// progressBar follows a count that starts at a known value: set moves the
// bar to n; a nil *progressBar does nothing.
type progressBar struct {
	tick     func(string)
	done     func()
	reported int
}

// newProgressBar draws a bar of total steps on w (see progress), counting
// from start.
func newProgressBar(w io.Writer, start, total int, what string) *progressBar {
	tick, done := progress(w, total, what)
	return &progressBar{tick: tick, done: done, reported: start}
}

func (p *progressBar) set(n int) {
	for ; p != nil && p.tick != nil && p.reported < n; p.reported++ {
		p.tick("")
	}
}

// finish clears the bar; a second call does nothing.
func (p *progressBar) finish() {
	if p != nil {
		p.done()
		p.done, p.tick = func() {}, nil
	}
}
