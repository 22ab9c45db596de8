package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// newTransport builds the configured mail transport (mail.transport).
// lim, when not nil, replaces the per-process mail.rate (backend.Limiter).
func newTransport(cfg *config.Config, lim mailer.Limiter) (mailer.Transport, error) {
	switch cfg.Mail.Transport {
	case "file", "":
		return mailer.NewFileTransport(cfg.Mail.Outbox)
	case "smtp":
		s := cfg.Mail.SMTP
		return mailer.NewSMTPTransport(mailer.SMTPOptions{
			Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password,
			TLS: s.TLS, Pool: s.Pool, Timeout: s.Timeout, HELO: s.HELO, Rate: cfg.Mail.Rate, Limiter: lim,
		})
	}
	return nil, fmt.Errorf("mail.transport: must be file or smtp, got %q", cfg.Mail.Transport)
}

// newComposer builds the message composer, signing with DKIM when
// mail.dkim.domain, selector and key_file are all set.
func newComposer(cfg *config.Config) (*mailer.Composer, error) {
	d := cfg.Mail.DKIM
	if d.Domain == "" || d.Selector == "" || d.KeyFile == "" {
		return mailer.NewComposer(nil), nil
	}
	key, err := mailer.LoadDKIMKey(d.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("mail.dkim.key_file: %w", err)
	}
	return mailer.NewComposer(&mailer.DKIMOptions{Domain: d.Domain, Selector: d.Selector, Key: key}), nil
}

// dateOptions are the Arabic date lines of the digest.* configuration,
// for the emails and the web pages alike.
func dateOptions(cfg *config.Config) arabic.DateOptions {
	return arabic.DateOptions{
		Style:        arabic.DateStyle(cfg.Digest.DateStyle),
		Hijri:        cfg.Digest.Hijri,
		ArabicDigits: cfg.Digest.Digits == "arabic",
	}
}

// digestOptions maps the configuration onto digest.Options.
func digestOptions(cfg *config.Config) digest.Options {
	loc := cfg.Location()
	dopts := dateOptions(cfg)
	return digest.Options{
		Location:      loc,
		SendTime:      delivery.SendTime(cfg.Digest.Schedule),
		Window:        cfg.Digest.Window,
		MaxArticles:   cfg.Digest.MaxArticles,
		Related:       cfg.Digest.Related,
		CategoryOrder: cfg.Digest.CategoryOrder,
		SendEmpty:     cfg.Digest.SendEmpty,
		SiteTitle:     cfg.Site.Title,
		BaseURL:       cfg.Site.BaseURL,
		DateLine:      func(t time.Time) string { return arabic.FormatDate(t, dopts) },
		SpanLine:      func(first, last time.Time) string { return arabic.FormatSpan(first, last, dopts) },
	}
}

// newsletters maps the configured newsletters onto the delivery
// service's, the default one first: each builds with digestOptions and
// its own schedule, window, cap, categories and layout.
func newsletters(cfg *config.Config) []delivery.Newsletter {
	var out []delivery.Newsletter
	for i, n := range cfg.NewsletterList() {
		d := digestOptions(cfg)
		d.SendTime, d.Window, d.MaxArticles = delivery.SendTime(n.Schedule), n.Window, n.MaxArticles
		d.Categories, d.Weekly = n.Categories, n.Template == config.TemplateWeekly
		out = append(out, delivery.Newsletter{Slug: n.Slug, Default: i == 0, Name: n.Name, Digest: d,
			RequireApproval: n.RequireApproval(), FromName: n.FromName, Schedule: n.Schedule})
	}
	return out
}

// unsubscribeMailbox is mail.unsubscribe, or "unsubscribe@" the domain of
// mail.from.
func unsubscribeMailbox(cfg *config.Config) string {
	if cfg.Mail.Unsubscribe != "" {
		return cfg.Mail.Unsubscribe
	}
	if _, d, ok := strings.Cut(cfg.Mail.From, "@"); ok {
		return "unsubscribe@" + d
	}
	return ""
}

// newDelivery builds the delivery service and its transport (the caller
// closes the transport).
func newDelivery(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend) (*delivery.Service, mailer.Transport, error) {
	st := b.Store
	tpl, err := templates.New(cfg.Digest.Templates)
	if err != nil {
		return nil, nil, err
	}
	comp, err := newComposer(cfg)
	if err != nil {
		return nil, nil, err
	}
	secret, err := delivery.Secret(ctx, st, cfg.Security.Secret)
	if err != nil {
		return nil, nil, err
	}
	// The digest's links carry the tokens the subscription pages accept.
	links, err := subscribe.NewLinks(secret, cfg.Site.BaseURL, unsubscribeMailbox(cfg), cfg.Security.TokenTTL)
	if err != nil {
		return nil, nil, err
	}
	tr, err := newTransport(cfg, b.Limiter(cfg.Mail.Transport, cfg.Mail.Rate))
	if err != nil {
		return nil, nil, err
	}
	domain := cfg.Mail.DKIM.Domain
	svc, err := delivery.New(st, tr, comp, tpl, links, delivery.Options{
		SiteTitle:       cfg.Site.Title,
		BaseURL:         cfg.Site.BaseURL,
		FromAddr:        cfg.Mail.From,
		FromName:        cfg.Mail.FromName,
		ReplyTo:         cfg.Mail.ReplyTo,
		MessageDomain:   domain,
		MaxAttempts:     cfg.Mail.MaxAttempts,
		RetryBackoff:    cfg.Mail.RetryBackoff,
		MaxBounces:      cfg.Mail.MaxBounces,
		Digest:          digestOptions(cfg),
		RequireApproval: cfg.Digest.RequireApproval(),
		Newsletters:     newsletters(cfg),
		MaxRendered:     maxRendered(cfg),
		Log:             a.log,
	})
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return svc, tr, nil
}

// maxRendered is delivery.Options.MaxRendered: over SMTP, four messages
// per connection (one on the wire, the others ready for it); the file
// outbox runs few workers and needs no bound.
func maxRendered(cfg *config.Config) int {
	if cfg.Mail.Transport != "smtp" {
		return 0
	}
	return 4 * max(cfg.Mail.SMTP.Pool, 1)
}
