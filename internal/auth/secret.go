package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one.
const TokenPrefix = "nashra_"

// NewToken returns a new API token (shown once) and the hash to store.
func NewToken() (token, hash string) {
	token = TokenPrefix + randomString(32)
	return token, HashSecret(token)
}

// NewSessionID returns a new session id (the cookie value) and its hash.
func NewSessionID() (id, hash string) {
	id = randomString(32)
	return id, HashSecret(id)
}

// NewCSRF returns a random token for a session's forms.
func NewCSRF() string { return randomString(32) }

// HashSecret is the hex SHA-256 of a high-entropy secret (token, session
// id, recovery code): what the store keeps and looks up by. A database
// dump then gives no usable credential.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Equal compares two secrets in constant time (for their length).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// LooksLikeToken reports whether s has the form of an API token, so that
// garbage is refused before any look-up.
func LooksLikeToken(s string) bool {
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(32) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never on Linux ≥ 3.17
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
