package subscribe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/nashra/nashra/internal/store"
)

// ErasedKey is the keyed hash an erased address is remembered by: HMAC-
// SHA-256 under security.secret of the normalised address in lower case
// (so that Sara@ and sara@ are one person here). Without the
// secret it cannot be turned back into the address or tested against a
// list of guesses.
func ErasedKey(secret []byte, email string) string {
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		norm = email
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("erased\x00" + strings.ToLower(norm)))
	return hex.EncodeToString(m.Sum(nil))
}

// ErasedCheck returns an ImportOptions.Erased on st keyed by secret.
func ErasedCheck(st interface {
	IsErased(ctx context.Context, hash string) (bool, error)
}, secret []byte) func(ctx context.Context, email string) (bool, error) {
	return func(ctx context.Context, email string) (bool, error) {
		return st.IsErased(ctx, ErasedKey(secret, email))
	}
}
