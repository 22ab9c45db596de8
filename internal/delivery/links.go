package delivery

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/store"
)

// Links gives the per-subscriber links a digest carries.
type Links interface {
	// Unsubscribe is the https one-click unsubscribe URL (RFC 8058).
	Unsubscribe(s *store.Subscriber) string
	// Preferences is the page where the reader changes what they get.
	Preferences(s *store.Subscriber) string
	// Mailto is the "mailto:" unsubscribe address of List-Unsubscribe.
	Mailto(s *store.Subscriber) string
}

// Link purposes, signed into the token so that a preferences link cannot
// be replayed as an unsubscribe link.
const (
	PurposeUnsubscribe = "unsubscribe"
	PurposePreferences = "preferences"
)

// SecretSetting is the settings key holding the generated security secret.
const SecretSetting = "security.secret"

// Secret returns the key for link signatures: configured when not empty,
// else the one stored in kv (generated and stored on first use; the first
// writer wins when several processes start at once).
func Secret(ctx context.Context, kv store.KV, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	v, err := kv.GetSetting(ctx, SecretSetting)
	if err == nil && v != "" {
		return []byte(v), nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("delivery: secret: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("delivery: secret: %w", err)
	}
	v, err = kv.PutSettingIfAbsent(ctx, SecretSetting, hex.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("delivery: secret: %w", err)
	}
	return []byte(v), nil
}

// HMACLinks signs links with HMAC-SHA256 over (purpose, subscriber ID,
// email): a token is "<id>.<mac>", the MAC truncated to 128 bits and
// base64url-encoded. Changing the address invalidates old links.
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

// TokenID returns the subscriber ID a token names, without checking it.
func TokenID(token string) (int64, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok {
		return 0, errors.New("delivery: malformed token")
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("delivery: malformed token")
	}
	return n, nil
}

// Valid reports whether token was signed for s and purpose.
func (l *HMACLinks) Valid(token, purpose string, s *store.Subscriber) bool {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || id != strconv.FormatInt(s.ID, 10) {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, l.mac(purpose, s.ID, s.Email))
}

// Unsubscribe implements Links: BaseURL/unsubscribe?t=TOKEN.
func (l *HMACLinks) Unsubscribe(s *store.Subscriber) string {
	return l.base + "/unsubscribe?t=" + url.QueryEscape(l.Token(s, PurposeUnsubscribe))
}

// Preferences implements Links: BaseURL/preferences?t=TOKEN.
func (l *HMACLinks) Preferences(s *store.Subscriber) string {
	return l.base + "/preferences?t=" + url.QueryEscape(l.Token(s, PurposePreferences))
}

// Mailto implements Links: mailto:MAILBOX?subject=unsubscribe%20TOKEN, or
// "" when no mailbox is configured.
func (l *HMACLinks) Mailto(s *store.Subscriber) string {
	if l.mailbox == "" {
		return ""
	}
	return "mailto:" + l.mailbox + "?subject=" + url.PathEscape("unsubscribe "+l.Token(s, PurposeUnsubscribe))
}
