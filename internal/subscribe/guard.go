package subscribe

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
	"time"
)

// CSRF implements the signed double-submit cookie: the browser holds a
// cookie that the server issued (a random nonce with the server's HMAC of
// it), every form carries a token that is the HMAC of that cookie and an
// expiry. Another site can make the browser send the cookie but can
// neither read it nor forge the matching token; a cookie the client made
// up is refused, so a client cannot choose the nonce its tokens are bound
// to. No server-side session is needed.
type CSRF struct {
	key []byte
	ttl time.Duration
}

// NewCSRF returns a CSRF guard keyed by secret; form tokens live for ttl
// (a form left open longer must be reloaded).
func NewCSRF(secret []byte, ttl time.Duration) *CSRF {
	return &CSRF{key: append([]byte(nil), secret...), ttl: ttl}
}

// cookieNonceLen is the length of the nonce part of a cookie (18 random
// bytes in base64url); the cookie is that nonce, ".", and its MAC.
const cookieNonceLen = 24

// NewCookie returns a fresh signed cookie value.
func (c *CSRF) NewCookie() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:])
	return nonce + "." + base64.RawURLEncoding.EncodeToString(c.mac("nashra-csrf-cookie-v1", nonce, nil))
}

// CookieValid reports whether cookie is one NewCookie issued with this key.
func (c *CSRF) CookieValid(cookie string) bool {
	nonce, sig, ok := strings.Cut(cookie, ".")
	if !ok || len(nonce) != cookieNonceLen || len(sig) > 32 {
		return false
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(mac, c.mac("nashra-csrf-cookie-v1", nonce, nil))
}

func (c *CSRF) mac(domain, cookie string, exp []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write(exp)
	m.Write([]byte{0})
	m.Write([]byte(cookie))
	return m.Sum(nil)[:macLen]
}

// Token returns the form token for the cookie.
func (c *CSRF) Token(cookie string, now time.Time) string {
	exp := binary.AppendUvarint(nil, uint64(now.Add(c.ttl).Unix()))
	return base64.RawURLEncoding.EncodeToString(append(exp, c.mac("nashra-csrf-v2", cookie, exp)...))
}

// Valid reports whether cookie was issued by the server and token was
// issued for it and is still fresh.
func (c *CSRF) Valid(cookie, token string, now time.Time) bool {
	if len(token) > 64 || !c.CookieValid(cookie) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= macLen {
		return false
	}
	exp, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	v, n := binary.Uvarint(exp)
	if n != len(exp) || v > 1<<40 {
		return false
	}
	return hmac.Equal(mac, c.mac("nashra-csrf-v2", cookie, exp)) && now.Unix() < int64(v)
}

// ClientKey is the rate-limit key of a client address ("ip" or
// "ip:port"): the address itself for IPv4, its /64 network for IPv6 (one
// host usually holds a whole /64).
func ClientKey(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	var ip netip.Addr
	if err == nil {
		ip = ap.Addr()
	} else if ip, err = netip.ParseAddr(addr); err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
