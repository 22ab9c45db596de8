package testkit_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/testkit"
)

// TestNewSite: the layers merge over the base key by key, $DIR and $ADDR
// are filled in, and nashra loads the result.
func TestNewSite(t *testing.T) {
	s := testkit.NewSite(t, "site:\n  title: أ\nmail:\n  from: a@example.org\n",
		"site:\n  title: \"نشرة المساء\"\n  content_dir: \"$DIR/content\"\n", testkit.SMTPLayer("127.0.0.1:2525"))
	cfg, err := config.Load(s.Config)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.ReadConfig(t))
	}
	for _, c := range []struct{ name, got, want string }{
		{"site.title", cfg.Site.Title, "نشرة المساء"},
		{"site.base_url", cfg.Site.BaseURL, s.Base},
		{"site.content_dir", cfg.Site.ContentDir, filepath.Join(s.Dir, "content")},
		{"store.dsn", cfg.Store.DSN, s.DB},
		{"server.listen", cfg.Server.Listen, s.Addr},
		{"mail.outbox", cfg.Mail.Outbox, s.Outbox},
		{"mail.from", cfg.Mail.From, "a@example.org"},
		{"mail.transport", cfg.Mail.Transport, "smtp"},
		{"mail.smtp.host", cfg.Mail.SMTP.Host, "127.0.0.1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.Mail.SMTP.Port != 2525 || !strings.HasPrefix(s.Base, "http://127.0.0.1:") {
		t.Errorf("mail.smtp.port %d, base %s", cfg.Mail.SMTP.Port, s.Base)
	}
}
