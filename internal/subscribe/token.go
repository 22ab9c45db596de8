// Package subscribe is the mailing list's self-service: double opt-in
// sign-up, confirmation, preferences, unsubscribe (including RFC 8058
// one-click), and the admin's CSV import and export.
//
// Every link in an email carries a Token: HMAC-SHA256 with the site secret
// (security.secret) over a purpose, a subscriber ID, the issue and expiry
// times and the subscriber's address, so a link works for one purpose,
// one subscriber and a bounded time, and stops working when the record's
// address changes. Forms are protected by a signed double-submit cookie
// (CSRF); sign-ups by a bot trap and by rate limits kept in the store
// (per client address, and per address signed up, so that the form cannot
// flood an inbox), shared by every process on the database. The package
// holds no HTTP handlers: internal/web renders its pages.
package subscribe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// Purpose says what a token may be used for; it is signed into the token,
// so a preferences link cannot be replayed as an unsubscribe link.
type Purpose byte

// Token purposes.
const (
	PurposeConfirm     Purpose = 'c'
	PurposePreferences Purpose = 'p'
	PurposeUnsubscribe Purpose = 'u'
)

func (p Purpose) String() string {
	switch p {
	case PurposeConfirm:
		return "confirm"
	case PurposePreferences:
		return "preferences"
	case PurposeUnsubscribe:
		return "unsubscribe"
	}
	return fmt.Sprintf("purpose(%d)", byte(p))
}

// Named token errors; branch with errors.Is.
var (
	// ErrInvalidToken: malformed, tampered with, signed for another
	// purpose or subscriber, or naming a subscriber that no longer exists.
	ErrInvalidToken = errors.New("subscribe: invalid link")
	// ErrExpiredToken: a genuine token past its expiry.
	ErrExpiredToken = errors.New("subscribe: expired link")
)

// macLen is the length of the truncated HMAC-SHA256 in a token (128 bits).
const macLen = 16

// maxTokenLen bounds the tokens Parse looks at.
const maxTokenLen = 128

// Token is a decoded link token. Its signature has not been checked yet:
// call Tokens.Verify with the subscriber it names.
type Token struct {
	Purpose Purpose
	ID      int64
	// Newsletter is the slug the link acts on ("" = the default
	// newsletter, and every token issued before there were several).
	Newsletter string
	// Issued and Expires are kept to the millisecond.
	Issued, Expires time.Time
	mac             []byte
	payload         []byte
}

// Tokens issues and verifies link tokens with one key.
//
// A token is base64url (no padding) of: purpose (1 byte), subscriber ID,
// issue and expiry times in Unix milliseconds (uvarints), for a newsletter
// other than the default one its slug (a length byte, then the slug),
// then the first 16 bytes of HMAC-SHA256(key, "nashra-link-v1" 0 payload
// 0 lower(email)). A token without a slug has the layout of the tokens
// issued before there were several newsletters.
type Tokens struct {
	key []byte
}

// NewTokens returns a token signer keyed by secret (security.secret).
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("subscribe: secret shorter than 16 bytes")
	}
	return &Tokens{key: append([]byte(nil), secret...)}, nil
}

func (t *Tokens) mac(payload []byte, email string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("nashra-link-v1\x00"))
	m.Write(payload)
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(email)))
	return m.Sum(nil)[:macLen]
}

// Issue returns a token for subscriber id with address email, valid for
// purpose from now until now+ttl.
func (t *Tokens) Issue(p Purpose, id int64, email string, now time.Time, ttl time.Duration) string {
	return t.IssueFor(p, id, email, "", now, ttl)
}

// IssueFor is Issue for a link that acts on one newsletter (slug, "" =
// the default one). A slug that is not valid (store.ValidSlug) panics:
// slugs come from the validated configuration.
func (t *Tokens) IssueFor(p Purpose, id int64, email, newsletter string, now time.Time, ttl time.Duration) string {
	if newsletter != "" && !store.ValidSlug(newsletter) {
		panic(fmt.Sprintf("subscribe: newsletter slug %q", newsletter))
	}
	payload := make([]byte, 0, 1+3*binary.MaxVarintLen64+1+len(newsletter))
	payload = append(payload, byte(p))
	payload = binary.AppendUvarint(payload, uint64(id))
	issued := now.UnixMilli()
	payload = binary.AppendUvarint(payload, uint64(issued))
	payload = binary.AppendUvarint(payload, uint64(now.Add(ttl).UnixMilli()))
	if newsletter != "" {
		payload = append(payload, byte(len(newsletter)))
		payload = append(payload, newsletter...)
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, t.mac(payload, email)...))
}

// Parse decodes a token without checking its signature; anything
// malformed gives ErrInvalidToken.
func Parse(s string) (*Token, error) {
	if s == "" || len(s) > maxTokenLen {
		return nil, ErrInvalidToken
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1+3+macLen {
		return nil, ErrInvalidToken
	}
	payload, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	tok := &Token{Purpose: Purpose(payload[0]), mac: mac, payload: payload}
	rest := payload[1:]
	var v [3]uint64
	for i := range v {
		n, k := binary.Uvarint(rest)
		if k <= 0 {
			return nil, ErrInvalidToken
		}
		v[i], rest = n, rest[k:]
	}
	if len(rest) > 0 {
		n := int(rest[0])
		if len(rest) != 1+n || !store.ValidSlug(string(rest[1:])) {
			return nil, ErrInvalidToken
		}
		tok.Newsletter, rest = string(rest[1:]), nil
	}
	if v[0] == 0 || v[0] > 1<<62 || v[1] > 1<<50 || v[2] > 1<<50 {
		return nil, ErrInvalidToken
	}
	switch tok.Purpose {
	case PurposeConfirm, PurposePreferences, PurposeUnsubscribe:
	default:
		return nil, ErrInvalidToken
	}
	tok.ID = int64(v[0])
	tok.Issued = time.UnixMilli(int64(v[1])).UTC()
	tok.Expires = time.UnixMilli(int64(v[2])).UTC()
	return tok, nil
}

// Verify checks that tok was signed for purpose p and for the subscriber
// with address email, and that it has not expired at now. A bad signature
// or purpose gives ErrInvalidToken, a genuine but old token
// ErrExpiredToken.
func (t *Tokens) Verify(tok *Token, p Purpose, email string, now time.Time) error {
	if tok.Purpose != p || !hmac.Equal(tok.mac, t.mac(tok.payload, email)) {
		return ErrInvalidToken
	}
	if !now.Before(tok.Expires) {
		return ErrExpiredToken
	}
	return nil
}
