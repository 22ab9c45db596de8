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
	"github.com/nashra/nashra/templates"
)

// newConsole wires the admin console (/admin/) and the API (/api/v1/):
// sign-in on the store's users and sessions, its own subscription service
// (confirmation emails, closed when ctx ends), and editors for articles.
func newConsole(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, articles admin.ArticleEditor) (*admin.Console, error) {
	st := b.Store
	pages, err := templates.NewConsole(cfg.Digest.Templates)
	if err != nil {
		return nil, err
	}
	proxies, err := cfg.Server.Proxies()
	if err != nil {
		return nil, err
	}
	svc, secret, tr, err := newSubscribeService(ctx, a, cfg, b)
	if err != nil {
		return nil, err
	}
	go func() {
		<-ctx.Done()
		tr.Close()
	}()
	cats := make([]string, len(cfg.Feeds.Categories))
	for i, c := range cfg.Feeds.Categories {
		cats[i] = c.Name
	}
	fo := feedOptions(cfg)
	loc := cfg.Location()
	sched, _ := delivery.Schedule(cfg.Digest.Schedule, loc) // validated with the config
	return admin.New(admin.Options{
		Store: st, Auth: newAuth(cfg, st), Pages: pages, Subscribe: svc, Articles: articles,
		Secret: secret, SiteTitle: cfg.Site.Title, BaseURL: cfg.Site.BaseURL, Location: loc,
		TrustedProxies: proxies, Categories: cats, Log: a.log,
		ArticleURL: func(x *article.Article) string { return feeds.ArticleURL(fo, *x) },
		NextEdition: func(now time.Time) time.Time {
			if sched == nil {
				return time.Time{}
			}
			return sched.Next(now)
		},
	}), nil
}
