package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
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

// digestSite is a test site sending through SMTP at addr, with the
// fixture articles imported and n confirmed subscribers.
type digestSite struct{ *testkit.Site }

func newDigestSite(t testing.TB, bin, smtpAddr string, n int) *digestSite {
	t.Helper()
	s := &digestSite{testkit.NewSite(t, morningDigest, testkit.SMTPLayer(smtpAddr), "mail:\n  smtp:\n    pool: 4\nlog:\n  level: warn\n")}
	arts := writeJSON(t, filepath.Join(s.Dir, "articles.json"), digestArticles)
	if out, err := exec.Command(bin, "--config", s.Config, "import", arts).CombinedOutput(); err != nil {
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
	st, err := sqlite.Open(context.Background(), s.DB)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// countingSMTP is a real SMTP server (testkit.SMTPSink) counting accepted
// messages by recipient.
type countingSMTP struct {
	*testkit.SMTPSink
	addr string
}

func startCountingSMTP(t testing.TB) *countingSMTP {
	t.Helper()
	s := testkit.StartSMTPSink(t, nil, 0)
	s.Discard = true
	return &countingSMTP{SMTPSink: s, addr: s.Addr}
}

// onMessage sets a function called after each accepted message with the
// running total.
func (c *countingSMTP) onMessage(f func(total int)) {
	c.SetOnMessage(func(_ testkit.Message, total int) { f(total) })
}

func (c *countingSMTP) counts() (total, distinct int, dups []string) {
	per := c.PerRecipient()
	for r, n := range per {
		total += n
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d", r, n))
		}
	}
	return total, len(per), dups
}

// received reports whether the server accepted a message for rcpt.
func (c *countingSMTP) received(rcpt string) bool { return c.PerRecipient()[rcpt] > 0 }
