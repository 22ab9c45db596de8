package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// dateLine formats a time as the configured Arabic date line.
func dateLine(cfg *config.Config) func(time.Time) string {
	o := dateOptions(cfg)
	loc := cfg.Location()
	return func(t time.Time) string { return arabic.FormatDate(t.In(loc), o) }
}

// newWebServer wires the HTTP handler: feeds from memory, article pages,
// the web copy of editions, health checks, the subscription pages (whose
// confirmation emails go through a transport closed when ctx ends) and the
// WebSub callbacks of the sources.
func newWebServer(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, fh *feeds.Handler) (http.Handler, error) {
	st := b.Store
	tmpl, err := templates.New(cfg.Digest.Templates)
	if err != nil {
		return nil, err
	}
	subPages, err := newSubscribePages(ctx, a, cfg, b, tmpl)
	if err != nil {
		return nil, err
	}
	sources, err := a.sourceService(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	con, err := newConsole(ctx, a, cfg, b)
	if err != nil {
		return nil, err
	}
	o := pageOptions(a, cfg, st, tmpl)
	o.Feeds = fh
	o.Health = st
	o.Routes = func(mux *http.ServeMux) {
		subPages.Routes(mux)
		mux.Handle("/websub/", sources.Handler()) // WebSub callbacks of the sources
		con.Mount(mux)
	}
	// Feeds are served from memory and need no deadline of their own.
	o.RequestTimeout = cfg.Server.RequestTimeout
	return web.New(o), nil
}

// pageOptions wires the public pages that are the same for every reader:
// articles, editions and their archive (serve, and build --out).
func pageOptions(a *app, cfg *config.Config, st store.Store, tmpl *templates.Set) web.Options {
	fo := feedOptions(cfg)
	return web.Options{
		Articles:   st,
		Pages:      tmpl,
		SiteTitle:  cfg.Site.Title,
		BaseURL:    cfg.Site.BaseURL,
		Location:   cfg.Location(),
		DateLine:   dateLine(cfg),
		IsNotFound: func(err error) bool { return errors.Is(err, store.ErrNotFound) },
		Log:        a.log,
		Related: func(ctx context.Context, id string) []web.Link {
			rel, err := st.Related(ctx, id, cfg.Text.RelatedK)
			if err != nil {
				a.log.Warn("related links", "id", id, "err", err)
				return nil
			}
			links := make([]web.Link, 0, len(rel))
			now := time.Now()
			for _, r := range rel {
				if r.Published.After(now) {
					continue // embargoed: not even its title yet
				}
				links = append(links, web.Link{Title: r.Title, URL: feeds.ArticleURL(fo, r)})
			}
			return links
		},
		Newsletters: archiveNewsletters(cfg),
		Editions: func(ctx context.Context, newsletter string) ([]web.EditionLink, error) {
			eds, err := st.NewsletterEditions(ctx, newsletter, 5000)
			if err != nil {
				return nil, err
			}
			links := make([]web.EditionLink, 0, len(eds))
			for _, e := range eds {
				if publicEdition(e) {
					_, day, _ := store.SplitEditionID(e.ID)
					links = append(links, web.EditionLink{Day: day, Subject: e.Subject, Time: e.CreatedAt,
						URL: strings.TrimRight(cfg.Site.BaseURL, "/") + editionPath(e.ID)})
				}
			}
			return links, nil
		},
		Edition: func(ctx context.Context, day string) ([]byte, bool, error) {
			ed, err := st.GetEdition(ctx, day)
			if errors.Is(err, store.ErrNotFound) || (err == nil && !publicEdition(*ed)) {
				return nil, false, nil
			} else if err != nil {
				return nil, false, err
			}
			var e digest.Edition
			if err := json.Unmarshal(ed.Body, &e); err != nil {
				return nil, false, fmt.Errorf("edition %s: %w", day, err)
			}
			title := cfg.Site.Title
			if e.Newsletter != "" && e.Name != "" {
				title = e.Name
			}
			page, err := tmpl.EditionPage(templates.EmailData{
				Edition: &e, SiteTitle: title, BaseURL: cfg.Site.BaseURL,
			})
			return page, err == nil, err
		},
	}
}

// archiveNewsletters are the configured newsletters as the archive
// links them.
func archiveNewsletters(cfg *config.Config) []web.Newsletter {
	var out []web.Newsletter
	for _, n := range cfg.NewsletterList() {
		out = append(out, web.Newsletter{Slug: n.Slug, Name: n.Name})
	}
	return out
}

// editionPath is the web copy's path of edition id (templates.EditionPath).
func editionPath(id string) string {
	nl, day, err := store.SplitEditionID(id)
	if err != nil {
		return "/digest/" + id
	}
	return templates.EditionPath(nl, day)
}

// newSubscribePages wires /subscribe, /confirm, /preferences and
// /unsubscribe: the subscription service on the configured mail transport,
// links and CSRF keyed by security.secret (generated and stored on first run).
func newSubscribePages(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, tmpl *templates.Set) (*web.Subscribe, error) {
	proxies, err := cfg.Server.Proxies() // validated with the config
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
	go purgeSignUps(ctx, a, svc)
	return web.NewSubscribe(web.SubscribeOptions{
		Service: svc, Pages: tmpl, SiteTitle: cfg.Site.Title, BaseURL: cfg.Site.BaseURL,
		Secret: secret, TrustedProxies: proxies, Log: a.log,
	}), nil
}

// newSubscribeService builds the subscription service on the configured
// mail transport (for confirmation emails; the caller closes it) with its
// key, security.secret (generated and stored on first run).
func newSubscribeService(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend) (*subscribe.Service, []byte, mailer.Transport, error) {
	st := b.Store
	secret, err := delivery.Secret(ctx, st, cfg.Security.Secret)
	if err != nil {
		return nil, nil, nil, err
	}
	confirmMail, err := templates.NewConfirmMail(cfg.Digest.Templates)
	if err != nil {
		return nil, nil, nil, err
	}
	comp, err := newComposer(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	tr, err := newTransport(cfg, b.Limiter(cfg.Mail.Transport, cfg.Mail.Rate))
	if err != nil {
		return nil, nil, nil, err
	}
	svc, err := subscribe.New(st, secret, tr, comp, confirmMail, subscribe.Options{
		SiteTitle: cfg.Site.Title, BaseURL: cfg.Site.BaseURL,
		FromAddr: cfg.Mail.From, FromName: cfg.Mail.FromName, ReplyTo: cfg.Mail.ReplyTo,
		MessageDomain: cfg.Mail.DKIM.Domain, Mailbox: unsubscribeMailbox(cfg),
		TokenTTL: cfg.Security.TokenTTL, Categories: subscribeCategories(cfg), Log: a.log,
		Newsletters: subscribeNewsletters(cfg),
		MailsPerDay: cfg.Subscribe.ConfirmMailsPerDay, PendingTTL: cfg.Subscribe.PendingTTL,
	})
	if err != nil {
		tr.Close()
		return nil, nil, nil, err
	}
	return svc, secret, tr, nil
}

// subscribeNewsletters is the configured newsletters as the forms offer
// them, the default one first.
func subscribeNewsletters(cfg *config.Config) []subscribe.Newsletter {
	var out []subscribe.Newsletter
	for _, n := range cfg.NewsletterList() {
		out = append(out, subscribe.Newsletter{Slug: n.Slug, Name: n.Name, Description: n.Description, Categories: n.Categories})
	}
	return out
}

// purgeEvery is how often serve erases stale sign-ups (subscribe.pending_ttl)
// and full rate-limit buckets.
const purgeEvery = time.Hour

// purgeSignUps runs svc.Purge at start and every purgeEvery until ctx
// ends. Several serve nodes may run it at once: a purge is idempotent.
func purgeSignUps(ctx context.Context, a *app, svc *subscribe.Service) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		switch n, err := svc.Purge(ctx); {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("purging unconfirmed sign-ups", "err", err)
		case n > 0:
			a.log.Info("unconfirmed sign-ups erased", "count", n, "older_than", svc.Options().PendingTTL)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publicEdition reports whether an edition's web copy is out: it went (or
// is going) to readers. One that is scheduled, held, approved or
// cancelled is not shown, nor listed in the archive.
func publicEdition(e store.Edition) bool {
	if !e.Built() {
		return false
	}
	switch e.State {
	case store.EditionSending, store.EditionPaused, store.EditionSent:
		return true
	}
	return false
}
