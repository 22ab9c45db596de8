package config

import (
	"strings"
	"testing"
)

// TestMailFromWithName: mail.from takes the usual `Name <address>` form,
// from the file or the environment; the name replaces mail.from_name, a
// bare address keeps it.
func TestMailFromWithName(t *testing.T) {
	for _, c := range []struct {
		file       string
		env        map[string]string
		addr, name string
	}{
		{file: "mail:\n  from: 'نشرة الصباح <digest@example.org>'\n", addr: "digest@example.org", name: "نشرة الصباح"},
		{env: map[string]string{"NASHRA_MAIL_FROM": `"Al-Nashra, Daily" <d@example.org>`}, addr: "d@example.org", name: "Al-Nashra, Daily"},
		{file: "mail:\n  from: d@example.org\n  from_name: نشرتي\n", addr: "d@example.org", name: "نشرتي"},
		{file: "mail:\n  from: '<d@example.org>'\n  from_name: نشرتي\n", addr: "d@example.org", name: "نشرتي"},
	} {
		path := ""
		if c.file != "" {
			path = write(t, c.file)
		}
		cfg, err := LoadFrom(path, env(c.env))
		if err != nil {
			t.Fatalf("%q %v: %v", c.file, c.env, err)
		}
		if cfg.Mail.From != c.addr || cfg.Mail.FromName != c.name {
			t.Errorf("%q %v: from %q name %q, want %q %q", c.file, c.env, cfg.Mail.From, cfg.Mail.FromName, c.addr, c.name)
		}
	}
	_, err := LoadFrom(write(t, "mail:\n  from: 'نشرة <digest@example.org'\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "mail.from: must be an email address or 'Name <address>'") {
		t.Errorf("unclosed <: %v", err)
	}
}
