package subscribe

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
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

// Limiter is a set of token buckets keyed by string (a client address, an
// email address): each key may spend Burst requests at once and regains
// Rate per second. It is safe for concurrent use and forgets keys whose
// bucket has filled up again once it holds many.
type Limiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// limiterSweep is the number of keys above which full buckets are dropped.
const limiterSweep = 4096

// NewLimiter returns a limiter allowing burst requests at once and rate
// per second after that; now may be nil (time.Now).
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, burst: float64(max(burst, 1)), now: now, buckets: map[string]*bucket{}}
}

// Allow spends one token of key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= limiterSweep {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
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
