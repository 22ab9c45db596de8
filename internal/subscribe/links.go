package subscribe

import (
	"net/url"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// Links makes the per-subscriber links of emails with this package's
// tokens; it implements delivery.Links, so the digest's unsubscribe and
// preferences links are the ones the web pages accept.
//
//	Unsubscribe: BASE/unsubscribe?t=TOKEN  (valid DefaultUnsubscribeTTL)
//	Preferences: BASE/preferences?t=TOKEN  (valid security.token_ttl)
//	Mailto:      mailto:MAILBOX?subject=unsubscribe%20TOKEN
//
// Unsubscribe and mailto tokens name the newsletter they leave (the slug
// is signed into the token); the default newsletter's carry none, as the
// links of the single digest did, so those old links leave the default
// newsletter only.
type Links struct {
	tokens   *Tokens
	base     string
	mailbox  string
	prefTTL  time.Duration
	unsubTTL time.Duration
	now      func() time.Time
}

// NewLinks returns links under baseURL (site.base_url) signed with secret;
// preferences links live tokenTTL (security.token_ttl), unsubscribe links
// DefaultUnsubscribeTTL; mailbox ("" = none) receives mailto: requests.
func NewLinks(secret []byte, baseURL, mailbox string, tokenTTL time.Duration) (*Links, error) {
	tokens, err := NewTokens(secret)
	if err != nil {
		return nil, err
	}
	if tokenTTL <= 0 {
		tokenTTL = 7 * 24 * time.Hour
	}
	return &Links{tokens: tokens, base: strings.TrimRight(baseURL, "/"),
		mailbox: mailbox, prefTTL: tokenTTL, unsubTTL: DefaultUnsubscribeTTL, now: time.Now}, nil
}

// Token issues a token of purpose p for s acting on newsletter ("" = the
// default one), with the link's lifetime.
func (l *Links) Token(s *store.Subscriber, p Purpose, newsletter string) string {
	ttl := l.prefTTL
	if p == PurposeUnsubscribe {
		ttl = l.unsubTTL
	}
	return l.tokens.IssueFor(p, s.ID, s.Email, newsletter, l.now(), ttl)
}

// Unsubscribe implements delivery.Links: the RFC 8058 one-click URL that
// leaves newsletter ("" = the default one), which is also the link of the
// page with the unsubscribe button.
func (l *Links) Unsubscribe(s *store.Subscriber, newsletter string) string {
	return l.base + "/unsubscribe?t=" + url.QueryEscape(l.Token(s, PurposeUnsubscribe, newsletter))
}

// Preferences implements delivery.Links: the page for every newsletter.
func (l *Links) Preferences(s *store.Subscriber) string {
	return l.base + "/preferences?t=" + url.QueryEscape(l.Token(s, PurposePreferences, ""))
}

// Mailto implements delivery.Links: the mailto: request that leaves
// newsletter; "" when no mailbox is configured.
func (l *Links) Mailto(s *store.Subscriber, newsletter string) string {
	if l.mailbox == "" {
		return ""
	}
	return "mailto:" + l.mailbox + "?subject=" + url.PathEscape("unsubscribe "+l.Token(s, PurposeUnsubscribe, newsletter))
}
