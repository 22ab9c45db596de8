package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// Links gives the per-subscriber links a digest carries.
type Links interface {
	// Unsubscribe is the https one-click unsubscribe URL (RFC 8058) that
	// leaves newsletter (a slug, "" = the default newsletter) only.
	Unsubscribe(s *store.Subscriber, newsletter string) string
	// Preferences is the page where the reader changes what they get.
	Preferences(s *store.Subscriber) string
	// Mailto is the "mailto:" unsubscribe address of List-Unsubscribe
	// that leaves newsletter only.
	Mailto(s *store.Subscriber, newsletter string) string
}

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
