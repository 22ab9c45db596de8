package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/store"
)

// Link purposes, signed into the token.
const (
	PurposeUnsubscribe = "unsubscribe"
	PurposePreferences = "preferences"
)

// HMACLinks signs links with HMAC-SHA256 over (purpose, subscriber ID,
// email): a token is "<id>.<mac>", the MAC truncated to 128 bits and
// base64url-encoded. It is deterministic, which the tests need to compare
// renders byte for byte; nashra itself signs with subscribe.Links, whose
// tokens carry their issue time.
type HMACLinks struct {
	key     []byte
	base    string
	mailbox string
}

// NewHMACLinks returns links under baseURL (site.base_url); mailbox is the
// address of mailto: unsubscribe requests.
func NewHMACLinks(key []byte, baseURL, mailbox string) *HMACLinks {
	return &HMACLinks{key: key, base: strings.TrimRight(baseURL, "/"), mailbox: mailbox}
}

func (l *HMACLinks) mac(purpose string, id int64, email string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(id, 10)))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(email)))
	return m.Sum(nil)[:16]
}

// Token returns the signed token of s for purpose.
func (l *HMACLinks) Token(s *store.Subscriber, purpose string) string {
	return strconv.FormatInt(s.ID, 10) + "." + base64.RawURLEncoding.EncodeToString(l.mac(purpose, s.ID, s.Email))
}

// Unsubscribe implements Links: BaseURL/unsubscribe?t=TOKEN.
func (l *HMACLinks) Unsubscribe(s *store.Subscriber, newsletter string) string {
	u := l.base + "/unsubscribe?t=" + url.QueryEscape(l.Token(s, PurposeUnsubscribe))
	if newsletter != "" { // which newsletter it leaves, for tests to see
		u += "&n=" + url.QueryEscape(newsletter)
	}
	return u
}

// Preferences implements Links: BaseURL/preferences?t=TOKEN.
func (l *HMACLinks) Preferences(s *store.Subscriber) string {
	return l.base + "/preferences?t=" + url.QueryEscape(l.Token(s, PurposePreferences))
}

// Mailto implements Links: mailto:MAILBOX?subject=unsubscribe%20TOKEN, or
// "" when no mailbox is configured.
func (l *HMACLinks) Mailto(s *store.Subscriber, _ string) string {
	if l.mailbox == "" {
		return ""
	}
	return "mailto:" + l.mailbox + "?subject=" + url.PathEscape("unsubscribe "+l.Token(s, PurposeUnsubscribe))
}
