package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
)

// digestTestDay is the edition day of digestArticles.
const digestTestDay = "2026-03-10"

// digestArticles are Arabic articles in the window of digestTestDay
// (Asia/Riyadh, schedule 07:00), in nashra's JSON import format.
var digestArticles = []map[string]string{
	{"title": "افتتاح معرض الرياض الدولي للكتاب بمشاركة ألف دار نشر", "url": "https://news.example.com/riyadh-book-fair",
		"published": "2026-03-09T18:30:00+03:00", "category": "ثقافة",
		"summary":      "افتتح معرض الرياض الدولي للكتاب أبوابه بمشاركة أكثر من ألف دار نشر من ثلاثين دولة.",
		"content_text": "افتتح معرض الرياض الدولي للكتاب أبوابه مساء اليوم بمشاركة أكثر من ألف دار نشر من ثلاثين دولة، ويستمر عشرة أيام."},
	{"title": "ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية", "url": "https://news.example.com/oil-prices",
		"published": "2026-03-10T06:10:00+03:00", "category": "اقتصاد",
		"summary":      "ارتفعت أسعار خام برنت بنسبة اثنين في المئة بعد بيانات أظهرت تراجع المخزونات.",
		"content_text": "ارتفعت أسعار النفط في التعاملات المبكرة بعد بيانات أظهرت تراجع المخزونات الأمريكية للأسبوع الثالث."},
	{"title": "الهلال يتأهل إلى نصف نهائي دوري أبطال آسيا", "url": "https://news.example.com/hilal-semi-final",
		"published": "2026-03-09T22:45:00+03:00", "category": "رياضة",
		"summary":      "تأهل الهلال إلى الدور نصف النهائي بعد فوزه بثلاثة أهداف مقابل هدف.",
		"content_text": "فاز الهلال على ضيفه بثلاثة أهداف مقابل هدف في إياب ربع النهائي وتأهل إلى نصف النهائي."},
}

// buildNashra builds the nashra binary into a temporary folder.
func buildNashra(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nashra")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// digestSite is a site folder with a config sending through SMTP at addr,
// the fixture articles imported and n confirmed subscribers.
type digestSite struct {
	dir, config, db string
}

func newDigestSite(t testing.TB, bin, smtpAddr string, n int) *digestSite {
	t.Helper()
	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(smtpAddr)
	s := &digestSite{dir: dir, config: filepath.Join(dir, "config.yaml"), db: filepath.Join(dir, "data", "nashra.db")}
	cfg := fmt.Sprintf(`site:
  title: "نشرة الصباح"
  base_url: "https://digest.example.com"
  timezone: "Asia/Riyadh"
  content_dir: ""
store:
  driver: sqlite
  dsn: %q
mail:
  transport: smtp
  from: digest@digest.example.com
  from_name: "نشرة الصباح"
  smtp:
    host: %q
    port: %s
    tls: none
    pool: 4
digest:
  schedule: "0 7 * * *"
log:
  level: warn
`, s.db, host, port)
	if err := os.WriteFile(s.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(digestArticles)
	arts := filepath.Join(dir, "articles.json")
	if err := os.WriteFile(arts, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--config", s.config, "import", arts).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	st := s.open(t)
	defer st.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		sub := &store.Subscriber{Email: fmt.Sprintf("reader%05d@example.org", i), Status: store.StatusConfirmed, Source: store.SourceAdmin}
		if _, err := st.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *digestSite) open(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// countingSMTP is a real SMTP server (go-smtp) counting accepted messages
// by recipient.
type countingSMTP struct {
	addr string
	mu   sync.Mutex
	per  map[string]int
	all  int
	// onMessage, when set, is called after each accepted message with the
	// running total.
	onMessage func(total int)
}

func startCountingSMTP(t testing.TB) *countingSMTP {
	t.Helper()
	c := &countingSMTP{per: map[string]int{}}
	c.addr = serveSMTP(t, c)
	return c
}

// serveSMTP runs a real SMTP server (go-smtp) on be at a free local port
// for the test and returns its address.
func serveSMTP(t testing.TB, be smtp.Backend) string {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "sink.test"
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func (c *countingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &countingSession{c: c}, nil
}

func (c *countingSMTP) counts() (total, distinct int, dups []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for r, n := range c.per {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d", r, n))
		}
	}
	return c.all, len(c.per), dups
}

// received reports whether the server accepted a message for rcpt.
func (c *countingSMTP) received(rcpt string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.per[rcpt] > 0
}

type countingSession struct {
	c  *countingSMTP
	to []string
}

func (s *countingSession) Reset()                               { s.to = nil }
func (s *countingSession) Logout() error                        { return nil }
func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.c.mu.Lock()
	for _, to := range s.to {
		s.c.per[to]++
	}
	s.c.all++
	total, f := s.c.all, s.c.onMessage
	s.c.mu.Unlock()
	if f != nil {
		f(total)
	}
	return nil
}
