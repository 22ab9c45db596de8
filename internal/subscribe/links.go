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

// Token issues a token of purpose p for s, with the link's lifetime.
func (l *Links) Token(s *store.Subscriber, p Purpose) string {
	ttl := l.prefTTL
	if p == PurposeUnsubscribe {
		ttl = l.unsubTTL
	}
	return l.tokens.Issue(p, s.ID, s.Email, l.now(), ttl)
}

// Unsubscribe implements delivery.Links: the RFC 8058 one-click URL, which
// is also the link of the page with the unsubscribe button.
func (l *Links) Unsubscribe(s *store.Subscriber) string {
	return l.base + "/unsubscribe?t=" + url.QueryEscape(l.Token(s, PurposeUnsubscribe))
}

// Preferences implements delivery.Links.
func (l *Links) Preferences(s *store.Subscriber) string {
	return l.base + "/preferences?t=" + url.QueryEscape(l.Token(s, PurposePreferences))
}

// Mailto implements delivery.Links: "" when no mailbox is configured.
func (l *Links) Mailto(s *store.Subscriber) string {
	if l.mailbox == "" {
		return ""
	}
	return "mailto:" + l.mailbox + "?subject=" + url.PathEscape("unsubscribe "+l.Token(s, PurposeUnsubscribe))
}
