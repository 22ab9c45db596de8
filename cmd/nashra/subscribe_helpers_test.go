package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/testkit"
)

// mailSink is a real SMTP server (testkit.SMTPSink) keeping every accepted
// message and refusing the recipients in reject with 550 5.1.1.
type mailSink struct {
	*testkit.SMTPSink
	addr string
}

func startMailSink(t testing.TB, reject ...string) *mailSink {
	t.Helper()
	s := testkit.StartSMTPSink(t, func(rcpt string, _ int) error {
		if slices.Contains(reject, rcpt) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	}, 0)
	return &mailSink{SMTPSink: s, addr: s.Addr}
}

// messages returns what rcpt received.
func (s *mailSink) messages(rcpt string) [][]byte {
	var out [][]byte
	for _, m := range s.Messages() {
		if slices.Contains(m.To, rcpt) {
			out = append(out, m.Data)
		}
	}
	return out
}

// received fails the test unless rcpt received n messages, and returns
// them parsed.
func (s *mailSink) received(t *testing.T, rcpt string, n int) []testkit.Mail {
	t.Helper()
	raw := s.messages(rcpt)
	if len(raw) != n {
		t.Fatalf("%s received %d messages, want %d", rcpt, len(raw), n)
	}
	out := make([]testkit.Mail, n)
	for i, b := range raw {
		m, err := testkit.ParseMail(b)
		if err != nil {
			t.Fatalf("message %d to %s: %v", i+1, rcpt, err)
		}
		out[i] = m
	}
	return out
}

// attempts counts the RCPT TO commands for rcpt, refused ones too.
func (s *mailSink) attempts(rcpt string) int { return s.Attempts(rcpt) }

// subSite is a test site whose mail goes to a sink and whose base URL is
// the https address of a listener that the test starts serving later
// (RFC 8058 one-click needs https).
type subSite struct {
	*testkit.Site
	ln net.Listener
	// client trusts the test server's TLS certificate (serve starts it).
	client *http.Client
}

func newSubSite(t *testing.T, smtpAddr string, layers ...string) *subSite {
	t.Helper()
	site := testkit.NewSite(t, append([]string{morningDigest, testkit.SMTPLayer(smtpAddr), `
site:
  base_url: "https://$ADDR"
mail:
  max_bounces: 2
  smtp:
    pool: 2
log:
  level: error
`}, layers...)...)
	site.Base = "https://" + site.Addr
	ln, err := net.Listen("tcp", site.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &subSite{Site: site, ln: ln}
}

// nashra runs a nashra command in-process on the site and fails on error.
func (s *subSite) nashra(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, append([]string{"--config", s.Config}, args...)...)
	if err != nil {
		t.Fatalf("nashra %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// importArticles imports articles (nashra's JSON format).
func (s *subSite) importArticles(t *testing.T, name string, arts []map[string]string) {
	t.Helper()
	p := writeJSON(t, filepath.Join(s.Dir, name+".json"), arts)
	s.nashra(t, "import", p)
}

// serve serves `nashra serve`'s HTTP handler (newWebServer) on the site's
// listener until the test ends.
func (s *subSite) serve(t *testing.T) {
	t.Helper()
	var logs bytes.Buffer
	a := &app{configFile: s.Config, err: &logs, log: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg, err := a.config()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	set, err := newPublisher(a, cfg, b.Store).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newWebServer(ctx, a, cfg, b, feeds.NewHandler(set))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: s.ln, Config: &http.Server{Handler: h}}
	srv.StartTLS()
	s.client = srv.Client()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		b.Close()
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
}

// dayArticles returns two Arabic articles published the evening before day
// (in the window of day's 07:00 Riyadh edition), in two categories.
func dayArticles(day string) []map[string]string {
	prev, _ := time.Parse("2006-01-02", day)
	prevDay := prev.AddDate(0, 0, -1).Format("2006-01-02")
	return []map[string]string{
		{"title": "ارتفاع أسعار النفط في تعاملات " + day, "url": "https://news.example.com/oil-" + day,
			"published": prevDay + "T20:00:00+03:00", "category": "اقتصاد",
			"summary": "ارتفعت أسعار النفط بعد تراجع المخزونات.", "content_text": "ارتفعت أسعار النفط في التعاملات المسائية بعد بيانات أظهرت تراجع المخزونات."},
		{"title": "فوز الهلال في مباراة " + day, "url": "https://news.example.com/hilal-" + day,
			"published": prevDay + "T21:00:00+03:00", "category": "رياضة",
			"summary": "فاز الهلال بثلاثة أهداف.", "content_text": "فاز الهلال على ضيفه بثلاثة أهداف مقابل هدف في مباراة مثيرة."},
	}
}
