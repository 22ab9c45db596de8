package main

import (
	"context"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/admin"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/templates"
)

// newConsole wires the admin console (/admin/) and the API (/api/v1/):
// sign-in on the store's users and sessions, its own subscription service
// (confirmation emails, closed when ctx ends), and editors for articles.
func newConsole(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend) (*admin.Console, error) {
	st := b.Store
	pages, err := templates.NewConsole(cfg.Digest.Templates)
	if err != nil {
		return nil, err
	}
	proxies, err := cfg.Server.Proxies()
	if err != nil {
		return nil, err
	}
	sources, err := a.sourceService(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	svc, secret, tr, err := newSubscribeService(ctx, a, cfg, b)
	if err != nil {
		return nil, err
	}
	dv, dtr, err := newDelivery(ctx, a, cfg, b)
	if err != nil {
		tr.Close()
		return nil, err
	}
	closeMail := func() { tr.Close(); dtr.Close() }
	loc := cfg.Location()
	// "Send now" enqueues on River like the scheduler's edition job; this
	// client only inserts (serve's own workers, or `nashra worker`, send).
	sendQ, err := b.NewQueue(dv, delivery.QueueOptions{Location: loc, Log: a.log})
	if err != nil {
		closeMail()
		return nil, err
	}
	go func() {
		<-ctx.Done()
		closeMail()
	}()
	sessions := newAuth(cfg, st)
	go func() { // sessions past their limits are deleted when met; this sweeps the others
		t := time.NewTicker(30 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := sessions.Expire(ctx); err != nil && ctx.Err() == nil {
					a.log.Warn("expire console sessions", "err", err)
				}
			}
		}
	}()
	cats := make([]string, len(cfg.Feeds.Categories))
	for i, c := range cfg.Feeds.Categories {
		cats[i] = c.Name
	}
	fo := feedOptions(cfg)
	sched, _ := delivery.Schedule(cfg.Digest.Schedule, loc) // validated with the config
	return admin.New(admin.Options{
		Store: st, Auth: sessions, Pages: pages, Subscribe: svc,
		Articles: articleEditor{p: newPublisher(a, cfg, st), st: st},
		Editions: edition.New(st, dv, loc, nil).WithQueue(sendQ),
		Sources:  sources,
		Secret:   secret, SiteTitle: cfg.Site.Title, BaseURL: cfg.Site.BaseURL, Location: loc,
		TrustedProxies: proxies, Categories: cats, Log: a.log, Newsletters: subscribeNewsletters(cfg),
		ArticleURL: func(x *article.Article) string { return feeds.ArticleURL(fo, *x) },
		NextEdition: func(now time.Time) time.Time {
			if sched == nil {
				return time.Time{}
			}
			return sched.Next(now)
		},
	}), nil
}

// articleEditor gives the console and the API the publisher's article
// operations (serve's watch loop sees the change in the store and rebuilds
// the feeds).
type articleEditor struct {
	p  *publish.Publisher
	st store.Store
}

func (e articleEditor) Unpublish(ctx context.Context, slug string) error {
	_, err := e.p.Unpublish(ctx, slug)
	return err
}

func (e articleEditor) Publish(ctx context.Context, slug string) error {
	_, _, err := e.p.Publish(ctx, slug)
	return err
}

func (e articleEditor) Delete(ctx context.Context, slug string) error {
	_, _, err := e.p.Delete(ctx, slug)
	return err
}

// SetCategory files the article under another category, for good:
// re-importing its file or fetching its source again keeps it.
func (e articleEditor) SetCategory(ctx context.Context, slug, category string) error {
	x, err := e.st.ArticleBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if err := e.st.SetArticleCategory(ctx, x.ID, category); err != nil {
		return err
	}
	x.Category = category
	return e.p.Refresh(ctx, []article.Article{*x})
}
