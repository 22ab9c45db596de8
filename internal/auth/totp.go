package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP follows RFC 6238 with the parameters every authenticator app
// supports: HMAC-SHA1, 6 digits, 30-second steps. A code is accepted one
// step early or late, for clock drift.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new base32 secret (160 bits).
func NewTOTPSecret() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return b32.EncodeToString(b)
}

// TOTPURI is the otpauth:// URI authenticator apps import (as a QR code or
// typed in).
func TOTPURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(totpDigits))
	v.Set("period", fmt.Sprint(int(totpStep/time.Second)))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// TOTPCode is the code for secret at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("auth: TOTP secret: %w", err)
	}
	return hotp(key, uint64(t.Unix())/uint64(totpStep/time.Second)), nil
}

// CheckTOTP reports whether code is valid for secret at time t (±1 step).
func CheckTOTP(secret, code string, t time.Time) bool {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits {
		return false
	}
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil || len(key) == 0 {
		return false
	}
	step := uint64(t.Unix()) / uint64(totpStep/time.Second)
	ok := false
	for _, s := range []uint64{step - 1, step, step + 1} {
		if Equal(hotp(key, s), code) {
			ok = true
		}
	}
	return ok
}

// hotp is RFC 4226's HOTP value of counter c.
func hotp(key []byte, c uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], c)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1_000_000)
}

// NewRecoveryCodes returns n one-time codes to show the user once, and
// their hashes to store.
func NewRecoveryCodes(n int) (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no look-alikes
	for range n {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			panic("auth: crypto/rand failed: " + err.Error())
		}
		var sb strings.Builder
		for i, x := range b {
			if i == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(alphabet[int(x)%len(alphabet)])
		}
		codes = append(codes, sb.String())
		hashes = append(hashes, HashSecret(sb.String()))
	}
	return codes, hashes
}

// UseRecoveryCode looks code up among hashes; when found it returns the
// remaining hashes (the code is spent) and true.
func UseRecoveryCode(hashes []string, code string) ([]string, bool) {
	h := HashSecret(strings.ToLower(strings.TrimSpace(code)))
	for i, x := range hashes {
		if Equal(x, h) {
			return append(append([]string(nil), hashes[:i]...), hashes[i+1:]...), true
		}
	}
	return hashes, false
}
