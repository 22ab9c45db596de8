// Package config defines nashra's configuration: one Config value, loaded by
// viper from a YAML file and NASHRA_* environment variables, filled with
// defaults and validated. It is the only package that reads the environment.
package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is the whole configuration. Every field has a `mapstructure` tag that
// is its key in config.yaml; the environment variable is NASHRA_ + the key in
// upper snake case (site.base_url -> NASHRA_SITE_BASE_URL).
type Config struct {
	Site   Site   `mapstructure:"site"`
	Store  Store  `mapstructure:"store"`
	Server Server `mapstructure:"server"`
	Feeds  Feeds  `mapstructure:"feeds"`
	Text   Text   `mapstructure:"text"`
	Mail   Mail   `mapstructure:"mail"`
	Digest Digest `mapstructure:"digest"`
	// Newsletters lists the site's newsletters, the default one first;
	// empty: one newsletter "daily" made of digest.* (NewsletterList).
	Newsletters []Newsletter `mapstructure:"newsletters"`
	Sources     Sources      `mapstructure:"sources"`
	Import      Import       `mapstructure:"import"`
	Security    Security     `mapstructure:"security"`
	Subscribe   Subscribe    `mapstructure:"subscribe"`
	Log         Log          `mapstructure:"log"`

	// File is the config file that was read ("" when none was).
	File string `mapstructure:"-"`
}

// Import limits the article files read by import and serve.
type Import struct {
	// MaxBytes is the largest article file imported; a larger one is
	// refused, naming the file and the limit.
	MaxBytes int64 `mapstructure:"max_bytes"`
}

// Site describes the publication.
type Site struct {
	Title       string `mapstructure:"title"`
	Description string `mapstructure:"description"`
	BaseURL     string `mapstructure:"base_url"`
	Language    string `mapstructure:"language"`
	Timezone    string `mapstructure:"timezone"`
	Author      string `mapstructure:"author"`
	Email       string `mapstructure:"email"`
	// ContentDir is the folder of article files that serve imports at start
	// and watches for changes ("" = none).
	ContentDir string `mapstructure:"content_dir"`
}

// Store selects the database.
type Store struct {
	Driver string `mapstructure:"driver"` // sqlite | postgres
	DSN    string `mapstructure:"dsn"`
}

// Server is the HTTP server.
type Server struct {
	Listen          string        `mapstructure:"listen"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// WatchInterval is how often serve looks at site.content_dir for changes.
	WatchInterval time.Duration `mapstructure:"watch_interval"`
	// GCPercent is the Go garbage collector's target for serve (GOGC);
	// feeds are served from memory and the heap is small, so collecting
	// less often buys requests per second for little memory.
	GCPercent int `mapstructure:"gc_percent"`
	// FastPath has serve answer the feeds and the index on the connection
	// itself (web.FastPath); false leaves every request to net/http, a
	// fallback should a client or proxy ever disagree with it.
	FastPath bool `mapstructure:"fast_path"`
	// TrustedProxies are the reverse proxies (addresses or CIDR ranges)
	// whose X-Forwarded-For is believed when the sign-up rate limit looks
	// for the client's address; default the loopback addresses.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// ReadTimeout bounds reading a request, headers and body: a client
	// that dribbles its body is cut off.
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// RequestTimeout bounds a whole request from the end of its headers:
	// reading the body, the handler's work (its context ends) and
	// writing the response.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// MetricsAllow are the client addresses (or CIDR ranges) that may read
	// /metrics on server.listen; default the loopback addresses.
	MetricsAllow []string `mapstructure:"metrics_allow"`
	// MetricsListen, when set, is an address of its own for /metrics,
	// /healthz and /readyz (open to whoever reaches it); /metrics is then
	// not served on server.listen at all.
	MetricsListen string `mapstructure:"metrics_listen"`
}

// Category gives an article category a stable slug (and optional display name).
type Category struct {
	Name  string `mapstructure:"name"`
	Slug  string `mapstructure:"slug"`
	Title string `mapstructure:"title"`
}

// Feeds controls the syndication feeds.
type Feeds struct {
	Items       int           `mapstructure:"items"`
	FullContent bool          `mapstructure:"full_content"`
	WebSubHub   string        `mapstructure:"websub_hub"`
	Categories  []Category    `mapstructure:"categories"`
	CacheMaxAge time.Duration `mapstructure:"cache_max_age"`
	// CategoryAliases map categories as files and sources spell them onto
	// the site's own ("اخبار اقتصادية" -> "اقتصاد").
	CategoryAliases []CategoryAlias `mapstructure:"category_aliases"`
}

// CategoryAlias maps one category name onto another.
type CategoryAlias struct {
	From string `mapstructure:"from"`
	To   string `mapstructure:"to"`
}

// Sources controls the fetching of feeds and sitemaps (nashra sources).
type Sources struct {
	// Interval is how often a source is fetched, before jitter and what
	// the source itself asks for (ttl, sy:updatePeriod, max-age, Retry-After).
	Interval time.Duration `mapstructure:"interval"`
	// Timeout bounds a whole request, the body of a slow sender included.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxBody is the most bytes read of one response, after decompression.
	MaxBody int `mapstructure:"max_body"`
	// PerHostInterval is the pause between two requests to one host
	// (requests to one host are never concurrent).
	PerHostInterval time.Duration `mapstructure:"per_host_interval"`
	// AllowPrivate lets fetches reach loopback, private, link-local and
	// multicast addresses (intranets, tests).
	AllowPrivate bool `mapstructure:"allow_private"`
	// FailAfter is the number of failed fetches in a row after which a
	// source shows as failing.
	FailAfter int `mapstructure:"fail_after"`
	// MaxBackoff caps the wait after errors (it doubles with each error).
	MaxBackoff time.Duration `mapstructure:"max_backoff"`
	// Workers is the number of sources fetched at once by one process.
	Workers int `mapstructure:"workers"`
	// List holds sources kept in sync with the store at start.
	List []SourceEntry `mapstructure:"list"`
}

// SourceEntry is one source listed in config.yaml.
type SourceEntry struct {
	URL      string `mapstructure:"url"`
	Name     string `mapstructure:"name"`
	Category string `mapstructure:"category"`
	FullText bool   `mapstructure:"full_text"`
}

// Text controls the Arabic text engine.
type Text struct {
	SummaryWords int `mapstructure:"summary_words"`
	RelatedK     int `mapstructure:"related_k"`
	// RelatedMinScore is the floor on a related link's score (0-1): an
	// article with no match that strong gets no related links.
	RelatedMinScore float64 `mapstructure:"related_min_score"`
	// RelatedTopicWeight is the weight (0-1) of the archive's topic model
	// in the order of related links; 0 orders them by their score alone.
	RelatedTopicWeight float64 `mapstructure:"related_topic_weight"`
}

// SMTP is the SMTP transport.
type SMTP struct {
	Host     string        `mapstructure:"host"`
	Port     int           `mapstructure:"port"`
	Username string        `mapstructure:"username"`
	Password string        `mapstructure:"password" secret:"true"`
	TLS      string        `mapstructure:"tls"` // none | opportunistic | mandatory
	Pool     int           `mapstructure:"pool"`
	Timeout  time.Duration `mapstructure:"timeout"`
	HELO     string        `mapstructure:"helo"`
}

// DKIM signs outgoing mail.
type DKIM struct {
	Domain   string `mapstructure:"domain"`
	Selector string `mapstructure:"selector"`
	KeyFile  string `mapstructure:"key_file"`
}

// Mail controls outgoing email.
type Mail struct {
	Transport string `mapstructure:"transport"` // file | smtp
	Outbox    string `mapstructure:"outbox"`
	From      string `mapstructure:"from"`
	FromName  string `mapstructure:"from_name"`
	ReplyTo   string `mapstructure:"reply_to"`
	// Unsubscribe is the mailbox for mailto: List-Unsubscribe ("" = derived from From).
	Unsubscribe string `mapstructure:"unsubscribe"`
	// Rate is the global limit in messages per second (0 = unlimited).
	Rate        float64 `mapstructure:"rate"`
	MaxBounces  int     `mapstructure:"max_bounces"`
	MaxAttempts int     `mapstructure:"max_attempts"`
	// RetryBackoff is the wait before the first retry of a temporary
	// failure; each further retry waits twice as long, up to 6h.
	RetryBackoff time.Duration `mapstructure:"retry_backoff"`
	SMTP         SMTP          `mapstructure:"smtp"`
	DKIM         DKIM          `mapstructure:"dkim"`
}

// Digest controls the daily edition.
type Digest struct {
	Schedule      string        `mapstructure:"schedule"`
	Window        time.Duration `mapstructure:"window"`
	MaxArticles   int           `mapstructure:"max_articles"`
	Related       int           `mapstructure:"related"`
	CategoryOrder []string      `mapstructure:"category_order"`
	SendEmpty     bool          `mapstructure:"send_empty"`
	Subject       string        `mapstructure:"subject"`
	Hijri         bool          `mapstructure:"hijri"`
	DateStyle     string        `mapstructure:"date_style"` // gulf | egypt | levant | maghreb
	Digits        string        `mapstructure:"digits"`     // latin | arabic
	Templates     string        `mapstructure:"templates"`  // folder overriding embedded templates
	// Approval is none (editions go out by themselves) or required (each
	// edition is built PrepareBefore its send time and held until an
	// editor approves it).
	Approval      string        `mapstructure:"approval"`
	PrepareBefore time.Duration `mapstructure:"prepare_before"`
}

// RequireApproval reports digest.approval: required.
func (d Digest) RequireApproval() bool { return d.Approval == "required" }

// Security holds secrets.
type Security struct {
	// Secret keys the HMAC of links in emails. Generated and stored under
	// the data folder on first run when unset.
	Secret string `mapstructure:"secret" secret:"true"`
	// TokenTTL is how long confirmation and preference links stay valid.
	TokenTTL time.Duration `mapstructure:"token_ttl"`
	// SessionIdle ends a console session unused for this long.
	SessionIdle time.Duration `mapstructure:"session_idle"`
	// SessionMaxAge ends a console session this long after sign-in.
	SessionMaxAge time.Duration `mapstructure:"session_max_age"`
}

// Subscribe controls the public sign-up form.
type Subscribe struct {
	// PendingTTL is how long a sign-up may stay unconfirmed; `serve`
	// erases older ones every hour.
	PendingTTL time.Duration `mapstructure:"pending_ttl"`
	// ConfirmMailsPerDay caps the confirmation emails sent to one address
	// (whatever its case) within any 24 hours.
	ConfirmMailsPerDay int `mapstructure:"confirm_mails_per_day"`
}

// Log controls structured logging.
type Log struct {
	Level  string `mapstructure:"level"`  // debug | info | warn | error
	Format string `mapstructure:"format"` // text | json
}

// Proxies parses TrustedProxies: CIDR ranges, or single addresses.
func (s Server) Proxies() ([]netip.Prefix, error) { return parsePrefixes(s.TrustedProxies) }

// MetricsClients parses MetricsAllow: CIDR ranges, or single addresses.
func (s Server) MetricsClients() ([]netip.Prefix, error) { return parsePrefixes(s.MetricsAllow) }

// parsePrefixes parses a list of CIDR ranges and single addresses.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, v := range list {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range such as 10.0.0.0/8", v)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
