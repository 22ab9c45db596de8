package subscribe

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestTokens(t *testing.T) {
	tk, err := NewTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewTokens([]byte("another secret of at least sixteen"))
	now := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
	tok := tk.Issue(PurposeUnsubscribe, 4242, "Reader@example.org", now, time.Hour)
	if len(tok) > 64 || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q: want short and URL-safe", tok)
	}
	flip := func(s string, i int) string {
		b, _ := base64.RawURLEncoding.DecodeString(s)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name    string
		token   string
		purpose Purpose
		email   string
		at      time.Time
		keys    *Tokens
		want    error
	}{
		{"good", tok, PurposeUnsubscribe, "Reader@example.org", now.Add(59 * time.Minute), tk, nil},
		{"email case does not matter", tok, PurposeUnsubscribe, "reader@EXAMPLE.org", now, tk, nil},
		{"expired", tok, PurposeUnsubscribe, "Reader@example.org", now.Add(time.Hour), tk, ErrExpiredToken},
		{"other purpose", tok, PurposePreferences, "Reader@example.org", now, tk, ErrInvalidToken},
		{"other address", tok, PurposeUnsubscribe, "someone@example.org", now, tk, ErrInvalidToken},
		{"other key", tok, PurposeUnsubscribe, "Reader@example.org", now, other, ErrInvalidToken},
		{"purpose byte flipped", flip(tok, 0), PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"id flipped", flip(tok, 1), PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"expiry flipped", flip(tok, 9), PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"mac flipped", flip(tok, len(tok)*3/4-1), PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"truncated", tok[:len(tok)-3], PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"padded", tok + "AAAA", PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"empty", "", PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"not base64", "<script>", PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
		{"huge", strings.Repeat("A", 4096), PurposeUnsubscribe, "Reader@example.org", now, tk, ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.token)
			if err == nil {
				err = tt.keys.Verify(p, tt.purpose, tt.email, tt.at)
			}
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	p, _ := Parse(tok)
	if p.ID != 4242 || !p.Issued.Equal(now) || !p.Expires.Equal(now.Add(time.Hour)) || p.Purpose != PurposeUnsubscribe {
		t.Errorf("parsed %+v", p)
	}
}

func TestCSRF(t *testing.T) {
	c := NewCSRF(secret, time.Hour)
	now := time.Now()
	n1, n2 := c.NewCookie(), c.NewCookie()
	if n1 == n2 || !c.CookieValid(n1) || NewCSRF([]byte("another secret, 32 bytes long!!!"), time.Hour).CookieValid(n1) {
		t.Fatalf("cookies %q %q", n1, n2)
	}
	tok := c.Token(n1, now)
	// A cookie the client made up, with the token the server computes for
	// it (what a page would show the client), is refused.
	madeUp := "AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"
	forged := c.Token(madeUp, now)
	for _, tt := range []struct {
		name         string
		nonce, token string
		at           time.Time
		want         bool
	}{
		{"good", n1, tok, now.Add(59 * time.Minute), true},
		{"other cookie", n2, tok, now, false},
		{"expired", n1, tok, now.Add(time.Hour + time.Second), false},
		{"no cookie", "", tok, now, false},
		{"no token", n1, "", now, false},
		{"tampered", n1, tok[:len(tok)-1] + "x", now, false},
		{"token as cookie", tok, n1, now, false},
		{"client-made cookie", madeUp, forged, now, false},
		{"unsigned nonce", n1[:24], c.Token(n1[:24], now), now, false},
	} {
		if got := c.Valid(tt.nonce, tt.token, tt.at); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestClientKey(t *testing.T) {
	for _, tt := range [][2]string{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:1", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"unix-socket", "unix-socket"},
	} {
		if got := ClientKey(tt[0]); got != tt[1] {
			t.Errorf("ClientKey(%q) = %q, want %q", tt[0], got, tt[1])
		}
	}
}

// TestTokenNewsletter: a token may name a newsletter, signed with the
// rest; one that names none has the layout of the tokens issued before
// there were several newsletters (so those still parse, as the default).
func TestTokenNewsletter(t *testing.T) {
	tk, _ := NewTokens(secret)
	now := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
	old := tk.Issue(PurposeUnsubscribe, 7, "r@example.org", now, time.Hour)
	weekly := tk.IssueFor(PurposeUnsubscribe, 7, "r@example.org", "weekly", now, time.Hour)
	long := tk.IssueFor(PurposeUnsubscribe, 1<<62, "r@example.org", strings.Repeat("a", 40), now, 365*24*time.Hour)
	if len(long) > maxTokenLen {
		t.Errorf("longest token %d characters, over %d", len(long), maxTokenLen)
	}
	for _, c := range []struct{ tok, want string }{{old, ""}, {weekly, "weekly"}, {long, strings.Repeat("a", 40)}} {
		p, err := Parse(c.tok)
		if err != nil || p.Newsletter != c.want {
			t.Fatalf("Parse: %+v, %v; want newsletter %q", p, err, c.want)
		}
		if err := tk.Verify(p, PurposeUnsubscribe, "r@example.org", now); err != nil {
			t.Errorf("Verify %q: %v", c.want, err)
		}
	}
	// The slug is signed: swapping it (same length) breaks the signature.
	b, _ := base64.RawURLEncoding.DecodeString(weekly)
	i := strings.Index(string(b), "weekly")
	copy(b[i:], "wokkly")
	p, err := Parse(base64.RawURLEncoding.EncodeToString(b))
	if err != nil || p.Newsletter != "wokkly" {
		t.Fatalf("swapped slug: %+v %v", p, err)
	}
	if err := tk.Verify(p, PurposeUnsubscribe, "r@example.org", now); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("swapped slug verified: %v", err)
	}
	// A slug that is no slug, or a wrong length byte, does not parse.
	copy(b[i:], "WEEKLY")
	if _, err := Parse(base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("upper-case slug parsed: %v", err)
	}
	copy(b[i:], "weekly")
	b[i-1]++
	if _, err := Parse(base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("bad length byte parsed: %v", err)
	}
}
