package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Validate checks every key and the rules between keys. Each error names the
// file and the key; all problems are reported, one per line. It is long
// because it is the one list of rules, one short check per key in the order
// of config.yaml; split up, the rules between keys would be scattered.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Source: c.source(), Key: key, Msg: fmt.Sprintf(format, args...)})
	}

	if strings.TrimSpace(c.Site.Title) == "" {
		bad("site.title", "must not be empty")
	}
	if u, err := url.Parse(c.Site.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("site.base_url", "must be an absolute http(s) URL, got %q", c.Site.BaseURL)
	} else if u.RawQuery != "" || u.Fragment != "" {
		bad("site.base_url", "must not have a query or fragment, got %q", c.Site.BaseURL)
	}
	if c.Site.Language == "" || strings.ContainsAny(c.Site.Language, " _/") {
		bad("site.language", "must be a language tag such as ar or en, got %q", c.Site.Language)
	}
	if _, err := time.LoadLocation(c.Site.Timezone); err != nil || c.Site.Timezone == "" {
		bad("site.timezone", "must be an IANA time zone such as Asia/Riyadh, got %q", c.Site.Timezone)
	}
	if c.Site.Email != "" {
		if _, err := mail.ParseAddress(c.Site.Email); err != nil {
			bad("site.email", "must be an email address, got %q", c.Site.Email)
		}
	}

	oneOf(bad, "store.driver", c.Store.Driver, "sqlite", "postgres")
	if strings.TrimSpace(c.Store.DSN) == "" {
		bad("store.dsn", "must not be empty")
	}

	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		bad("server.listen", "must be host:port such as 127.0.0.1:8080, got %q", c.Server.Listen)
	}
	if c.Server.ShutdownTimeout < 0 {
		bad("server.shutdown_timeout", "must not be negative")
	}
	if c.Server.GCPercent < -1 || c.Server.GCPercent == 0 {
		bad("server.gc_percent", "must be a positive percentage (100 is Go's default) or -1 to turn the collector off, got %d", c.Server.GCPercent)
	}
	if _, err := c.Server.Proxies(); err != nil {
		bad("server.trusted_proxies", "%v", err)
	}
	if _, err := c.Server.MetricsClients(); err != nil {
		bad("server.metrics_allow", "%v", err)
	}
	if c.Server.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.MetricsListen); err != nil {
			bad("server.metrics_listen", "must be host:port such as 127.0.0.1:9100, or empty, got %q", c.Server.MetricsListen)
		} else if c.Server.MetricsListen == c.Server.Listen {
			bad("server.metrics_listen", "must differ from server.listen (%s); leave it empty to serve /metrics there", c.Server.Listen)
		}
	}
	if c.Server.ReadTimeout <= 0 {
		bad("server.read_timeout", "must be positive, got %v", c.Server.ReadTimeout)
	}
	if c.Server.RequestTimeout <= 0 {
		bad("server.request_timeout", "must be positive, got %v", c.Server.RequestTimeout)
	}
	if c.Server.WatchInterval < 0 {
		bad("server.watch_interval", "must not be negative (0 turns watching off)")
	}

	if c.Feeds.Items < 1 || c.Feeds.Items > 10000 {
		bad("feeds.items", "must be 1-10000, got %d", c.Feeds.Items)
	}
	if c.Feeds.WebSubHub != "" {
		if u, err := url.Parse(c.Feeds.WebSubHub); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			bad("feeds.websub_hub", "must be an http(s) URL, got %q", c.Feeds.WebSubHub)
		}
	}
	seen := map[string]bool{}
	for i, cat := range c.Feeds.Categories {
		key := fmt.Sprintf("feeds.categories[%d]", i)
		if strings.TrimSpace(cat.Name) == "" {
			bad(key+".name", "must not be empty")
		}
		if !validSlug(cat.Slug) {
			bad(key+".slug", "must be lower-case letters, digits and hyphens, got %q", cat.Slug)
		} else if seen[cat.Slug] {
			bad(key+".slug", "%q is used twice", cat.Slug)
		}
		seen[cat.Slug] = true
	}
	if c.Feeds.CacheMaxAge < 0 {
		bad("feeds.cache_max_age", "must not be negative")
	}
	for i, al := range c.Feeds.CategoryAliases {
		key := fmt.Sprintf("feeds.category_aliases[%d]", i)
		if strings.TrimSpace(al.From) == "" {
			bad(key+".from", "must not be empty")
		}
		if strings.TrimSpace(al.To) == "" {
			bad(key+".to", "must not be empty")
		}
	}
	c.validateSources(bad)

	if c.Text.SummaryWords < 10 || c.Text.SummaryWords > 1000 {
		bad("text.summary_words", "must be 10-1000, got %d", c.Text.SummaryWords)
	}
	if c.Text.RelatedK < 0 || c.Text.RelatedK > 50 {
		bad("text.related_k", "must be 0-50, got %d", c.Text.RelatedK)
	}
	if c.Text.RelatedMinScore < 0 || c.Text.RelatedMinScore >= 1 || math.IsNaN(c.Text.RelatedMinScore) {
		bad("text.related_min_score", "must be at least 0 and under 1, got %v", c.Text.RelatedMinScore)
	}
	if w := c.Text.RelatedTopicWeight; w < 0 || w > 1 || math.IsNaN(w) {
		bad("text.related_topic_weight", "must be from 0 to 1, got %v", w)
	}

	switch c.Mail.Transport {
	case "file":
		if strings.TrimSpace(c.Mail.Outbox) == "" {
			bad("mail.outbox", "must not be empty when mail.transport is file")
		}
	case "smtp":
		if c.Mail.SMTP.Host == "" {
			bad("mail.smtp.host", "must not be empty when mail.transport is smtp")
		}
		if c.Mail.SMTP.Port < 1 || c.Mail.SMTP.Port > 65535 {
			bad("mail.smtp.port", "must be 1-65535, got %d", c.Mail.SMTP.Port)
		}
	default:
		bad("mail.transport", "must be file or smtp, got %q", c.Mail.Transport)
	}
	oneOf(bad, "mail.smtp.tls", c.Mail.SMTP.TLS, "none", "opportunistic", "mandatory")
	if c.Mail.SMTP.Pool < 1 || c.Mail.SMTP.Pool > 100 {
		bad("mail.smtp.pool", "must be 1-100, got %d", c.Mail.SMTP.Pool)
	}
	if a, err := mail.ParseAddress(c.Mail.From); err != nil || a.Name != "" {
		bad("mail.from", "must be an email address or 'Name <address>', got %q", c.Mail.From)
	}
	if strings.ContainsAny(c.Mail.FromName, "\r\n") {
		bad("mail.from_name", "must be one line")
	}
	if c.Mail.Rate < 0 {
		bad("mail.rate", "must be 0 (unlimited) or a positive number of messages per second, got %g", c.Mail.Rate)
	}
	if c.Mail.MaxBounces < 1 {
		bad("mail.max_bounces", "must be at least 1, got %d", c.Mail.MaxBounces)
	}
	if c.Mail.MaxAttempts < 1 || c.Mail.MaxAttempts > 100 {
		bad("mail.max_attempts", "must be 1-100, got %d", c.Mail.MaxAttempts)
	}
	d := c.Mail.DKIM
	if (d.Domain != "" || d.Selector != "" || d.KeyFile != "") && (d.Domain == "" || d.Selector == "" || d.KeyFile == "") {
		bad("mail.dkim", "domain, selector and key_file must be set together")
	}

	if _, err := cron.ParseStandard(c.Digest.Schedule); err != nil {
		bad("digest.schedule", "must be a cron expression such as \"0 7 * * *\": %v", err)
	}
	if c.Digest.Window < time.Hour {
		bad("digest.window", "must be at least 1h, got %s", c.Digest.Window)
	}
	oneOf(bad, "digest.approval", c.Digest.Approval, "none", "required")
	if c.Digest.PrepareBefore < time.Minute || c.Digest.PrepareBefore > 23*time.Hour {
		bad("digest.prepare_before", "must be between 1m and 23h, got %s", c.Digest.PrepareBefore)
	}
	if c.Digest.MaxArticles < 1 {
		bad("digest.max_articles", "must be at least 1, got %d", c.Digest.MaxArticles)
	}
	if c.Digest.Related < 0 || c.Digest.Related > 10 {
		bad("digest.related", "must be 0-10, got %d", c.Digest.Related)
	}
	oneOf(bad, "digest.date_style", c.Digest.DateStyle, "gulf", "egypt", "levant", "maghreb")
	oneOf(bad, "digest.digits", c.Digest.Digits, "latin", "arabic")

	c.validateNewsletters(bad)

	if c.Security.Secret != "" && len(c.Security.Secret) < 32 {
		bad("security.secret", "must be at least 32 characters (or empty to generate one)")
	}
	if c.Security.TokenTTL < time.Minute {
		bad("security.token_ttl", "must be at least 1m, got %s", c.Security.TokenTTL)
	}
	if c.Subscribe.PendingTTL < c.Security.TokenTTL {
		bad("subscribe.pending_ttl", "must be at least security.token_ttl (%s), or confirmation links would outlive their sign-ups, got %s", c.Security.TokenTTL, c.Subscribe.PendingTTL)
	}
	if c.Subscribe.ConfirmMailsPerDay < 1 {
		bad("subscribe.confirm_mails_per_day", "must be at least 1, got %d", c.Subscribe.ConfirmMailsPerDay)
	}
	if c.Security.SessionIdle < time.Minute {
		bad("security.session_idle", "must be at least 1m, got %s", c.Security.SessionIdle)
	}
	if c.Security.SessionMaxAge < c.Security.SessionIdle {
		bad("security.session_max_age", "must be at least security.session_idle (%s), got %s", c.Security.SessionIdle, c.Security.SessionMaxAge)
	}

	oneOf(bad, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(bad, "log.format", c.Log.Format, "text", "json")
	return errors.Join(errs...)
}

// oneOf reports key through bad unless value is one of allowed, which the
// message lists: "must be a, b or c, got %q".
func oneOf(bad func(key, format string, args ...any), key, value string, allowed ...string) {
	if slices.Contains(allowed, value) {
		return
	}
	list := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	bad(key, "must be "+list+", got %q", value)
}

func (c *Config) source() string {
	if c.File == "" {
		return ""
	}
	return c.File
}

func validSlug(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// splitFrom accepts mail.from in the `Name <address>` form: the address
// stays in mail.from and the name, when there is one, replaces
// mail.from_name. A value that does not parse is left for Validate.
func (c *Config) splitFrom() {
	if !strings.Contains(c.Mail.From, "<") {
		return
	}
	a, err := mail.ParseAddress(c.Mail.From)
	if err != nil {
		return
	}
	c.Mail.From = a.Address
	if a.Name != "" {
		c.Mail.FromName = a.Name
	}
}

// Location returns the site time zone (validated by Validate).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Site.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Warnings lists settings that are valid but probably not what the admin
// wants, one line each naming the key. `config check` prints them and
// `serve` logs them at start.
func (c *Config) Warnings() []string {
	var w []string
	if u, err := url.Parse(c.Site.BaseURL); err == nil && u.Scheme == "http" {
		w = append(w, fmt.Sprintf("site.base_url: %s is plain http, so digests go out without one-click unsubscribe "+
			"(RFC 8058 needs https: mail clients show no unsubscribe button); readers can still leave by the link and the mailto", c.Site.BaseURL))
	}
	return w
}

// validateSources checks the sources.* keys.
func (c *Config) validateSources(bad func(key, format string, args ...any)) {
	s := c.Sources
	if s.Interval < time.Minute {
		bad("sources.interval", "must be at least 1m, got %s", s.Interval)
	}
	if s.Timeout < time.Second {
		bad("sources.timeout", "must be at least 1s, got %s", s.Timeout)
	}
	if c.Import.MaxBytes < 1024 {
		bad("import.max_bytes", "must be at least 1024 bytes, got %d", c.Import.MaxBytes)
	}
	if s.MaxBody < 1024 {
		bad("sources.max_body", "must be at least 1024 bytes, got %d", s.MaxBody)
	}
	if s.PerHostInterval < 0 {
		bad("sources.per_host_interval", "must not be negative (0: no pause between requests to one host)")
	}
	if s.FailAfter < 1 {
		bad("sources.fail_after", "must be at least 1, got %d", s.FailAfter)
	}
	if s.MaxBackoff < s.Interval {
		bad("sources.max_backoff", "must be at least sources.interval (%s), got %s", s.Interval, s.MaxBackoff)
	}
	if s.Workers < 1 || s.Workers > 256 {
		bad("sources.workers", "must be 1-256, got %d", s.Workers)
	}
	seen := map[string]int{}
	for i, e := range s.List {
		key := fmt.Sprintf("sources.list[%d].url", i)
		u, err := url.Parse(strings.TrimSpace(e.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key, "must be an absolute http(s) URL, got %q", e.URL)
			continue
		}
		if j, dup := seen[u.String()]; dup {
			bad(key, "%s is listed twice (also sources.list[%d])", e.URL, j)
		}
		seen[u.String()] = i
	}
}
