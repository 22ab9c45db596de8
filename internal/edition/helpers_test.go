package edition

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// backendKind is a real store of one kind.
type backendKind struct {
	name, dsn string
}

// backends lists SQLite (a file) and, when NASHRA_TEST_POSTGRES_URL is
// set, PostgreSQL (a fresh schema per test).
func eachBackend(t *testing.T, fn func(t *testing.T, b backendKind)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, backendKind{"sqlite", filepath.Join(t.TempDir(), "nashra.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, backendKind{"postgres", testkit.PostgresSchema(t, "the edition tests", "nashra_edition")})
	})
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// site is one nashra installation under test: a migrated store with
// River's tables, a delivery service sending to a real SMTP server, the
// edition service, and a clock.
type site struct {
	t     *testing.T
	b     backendKind
	bk    *backend.Backend
	st    store.Store
	dv    *delivery.Service
	ed    *Service
	sink  *testkit.SMTPSink
	clock *clock
	loc   *time.Location
}

func riyadh(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// renderWith returns what delivery renders editions with: the default
// templates, and links signed for https://digest.example.com with mailbox
// as the unsubscribe address ("" for none).
func renderWith(t *testing.T, mailbox string) (*templates.Set, *subscribe.Links) {
	t.Helper()
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	links, err := subscribe.NewLinks([]byte("edition test secret"), "https://digest.example.com", mailbox, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, links
}

// newSite opens b. now is the clock's start; approval sets
// digest.approval: required.
func newSite(t *testing.T, b backendKind, now time.Time, approval bool, delay time.Duration) *site {
	t.Helper()
	ctx := context.Background()
	if _, err := backend.Migrate(ctx, b.name, b.dsn); err != nil {
		t.Fatal(err)
	}
	bk, err := backend.Open(ctx, b.name, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bk.Close() })
	if err := bk.Sending(ctx, 2); err != nil {
		t.Fatal(err)
	}
	st := bk.Store
	s := &site{t: t, b: b, bk: bk, st: st, clock: &clock{t: now}, loc: riyadh(t)}
	s.sink = testkit.StartSMTPSink(t, nil, delay)
	tpl, links := renderWith(t, "unsubscribe@digest.example.com")
	tr, err := mailer.NewSMTPTransport(mailer.SMTPOptions{Host: s.sink.Host, Port: s.sink.Port, TLS: mailer.TLSNone, Pool: 2, Timeout: 10 * time.Second, HELO: "nashra.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	s.dv, err = delivery.New(st, tr, mailer.NewComposer(nil), tpl, links, delivery.Options{
		SiteTitle: "نشرة الصباح",
		BaseURL:   "https://digest.example.com",
		FromAddr:  "digest@digest.example.com",
		FromName:  "نشرة الصباح",
		Digest: digest.Options{Location: s.loc, SendTime: 7 * time.Hour, Window: 24 * time.Hour,
			SiteTitle: "نشرة الصباح", BaseURL: "https://digest.example.com"},
		MaxAttempts:     5,
		RetryBackoff:    20 * time.Millisecond,
		MaxBackoff:      100 * time.Millisecond,
		RequireApproval: approval,
		Now:             s.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.ed = New(st, s.dv, s.loc, s.clock.Now)
	return s
}

// at is a wall-clock time in Riyadh.
func (s *site) at(day string, h, m, sec int) time.Time {
	d, err := time.ParseInLocation(digest.DayLayout, day, s.loc)
	if err != nil {
		s.t.Fatal(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, sec, 0, s.loc)
}

// article stores an article published at t in category cat.
func (s *site) article(title, cat string, t time.Time) {
	s.t.Helper()
	a := &article.Article{Key: "test:" + title, Slug: fmt.Sprintf("a-%d", t.UnixNano()), Title: title, Category: cat,
		Summary: "ملخص " + title, Published: t, Language: "ar"}
	if _, _, err := s.st.UpsertArticle(context.Background(), a); err != nil {
		s.t.Fatal(err)
	}
}

// subscribers adds n confirmed readers user0000@example.org…
func (s *site) subscribers(n int) []store.Subscriber {
	s.t.Helper()
	out := make([]store.Subscriber, 0, n)
	for i := range n {
		sub := store.Subscriber{Email: fmt.Sprintf("user%04d@example.org", i), Name: fmt.Sprintf("قارئ %d", i),
			Status: store.StatusConfirmed, Source: store.SourceAdmin}
		if _, err := s.st.AddSubscriber(context.Background(), &sub); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, sub)
	}
	return out
}

// queue starts n River clients ("workers") on the site's database.
func (s *site) queue(n, workers int) []*delivery.Queue {
	s.t.Helper()
	var qs []*delivery.Queue
	for range n {
		q, err := s.bk.NewQueue(s.dv, delivery.QueueOptions{Workers: workers})
		if err != nil {
			s.t.Fatal(err)
		}
		if err := q.Start(context.Background()); err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := q.Stop(ctx); err != nil {
				s.t.Errorf("stop queue: %v", err)
			}
		})
		qs = append(qs, q)
	}
	return qs
}

// counts reads the ledger of day.
func (s *site) counts(day string) map[store.DeliveryState]int {
	s.t.Helper()
	c, err := s.st.DeliveryCounts(context.Background(), day)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds or fails the test after timeout.
func (s *site) waitFor(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not within %s (ledger %v, received %d)", what, timeout, s.counts(s.clockDay()), len(s.sink.Messages()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *site) clockDay() string { return s.clock.Now().In(s.loc).Format(digest.DayLayout) }

// header returns a decoded header of a raw message.
func header(t testing.TB, raw []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	v := m.Header.Get(name)
	if dec, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		v = dec
	}
	return strings.TrimSpace(v)
}
