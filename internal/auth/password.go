// Package auth is what console and API sign-in rests on: password hashes
// (argon2id), API tokens and session ids (random secrets stored as
// SHA-256), TOTP second factors with recovery codes, and the login flow
// with its rate limits and audit entries. It keeps no state of its own:
// users, sessions and the audit log live in the store, so every serve
// process on one database agrees.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes (RFC 9106's second recommended set,
// scaled to a small server: 19 MiB, 2 passes, 1 lane, as OWASP lists).
// Hashes record their own parameters, so these may rise later.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ErrWeakPassword: a password shorter than MinPasswordLength.
var ErrWeakPassword = fmt.Errorf("auth: the password must have at least %d characters", MinPasswordLength)

// HashPassword returns the PHC-encoded argon2id hash of password:
// $argon2id$v=19$m=…,t=…,p=…$salt$key.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash. The
// comparison of the derived keys takes constant time; a malformed hash
// never matches.
func CheckPassword(encoded, password string) bool {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummyHash is checked against when there is no such user, so that the
// answer takes as long as for a real one. It is made on first use, not at
// package init: a hash takes argonMemory KiB, which every command importing
// auth (digest send too) would pay at start and keep as its GC's heap goal.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a password of anyone")
	if err != nil {
		panic(err)
	}
	return h
})

type argonParams struct {
	memory, time uint32
	threads      uint8
}

func parseHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory == 0 || p.time == 0 || p.threads == 0 {
		return p, nil, nil, errors.New("auth: bad argon2 parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errors.New("auth: bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("auth: bad key")
	}
	return p, salt, key, nil
}
