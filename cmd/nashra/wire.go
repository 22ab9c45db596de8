package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/open"
)

// openStore opens the configured store. On the embedded default (SQLite)
// migrations are applied here, so a new user needs no separate step; on
// PostgreSQL they are `nashra migrate`'s job and a store with pending
// migrations is refused.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	st, err := open.Open(ctx, cfg.Store.Driver, cfg.Store.DSN)
	if err != nil {
		return nil, err
	}
	if cfg.Store.Driver == "sqlite" {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	}
	n, err := st.MigrationsPending(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if n > 0 {
		st.Close()
		return nil, fmt.Errorf("store: %d migrations pending: run `nashra migrate` first", n)
	}
	return st, nil
}

// withStore loads the configuration, opens the store (migrating SQLite),
// runs fn and closes the store: the set-up every store command shares.
func (a *app) withStore(ctx context.Context, fn func(cfg *config.Config, st store.Store) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st)
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
		Feeds:           feedOptions(cfg),
		Parse:           articleOptions(cfg),
		SummaryWords:    cfg.Text.SummaryWords,
		RelatedK:        cfg.Text.RelatedK,
		RelatedMinScore: cfg.Text.RelatedMinScore,
		Log:             a.log,
	})
}

// articleOptions are the article parsing options of the configuration.
func articleOptions(cfg *config.Config) article.Options {
	return article.Options{Language: cfg.Site.Language, Location: cfg.Location(), CategoryAliases: categoryAliases(cfg)}
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
