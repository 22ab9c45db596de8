package subscribe

import (
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// newService returns a service on st whose confirmation emails go to the
// file outbox it also returns.
func newService(t *testing.T, st Store, clock *testkit.Clock, o Options) (*Service, string) {
	t.Helper()
	outbox := filepath.Join(t.TempDir(), "outbox")
	tr, err := mailer.NewFileTransport(outbox)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := templates.NewConfirmMail("")
	if err != nil {
		t.Fatal(err)
	}
	o.SiteTitle, o.BaseURL, o.FromAddr, o.FromName = "نشرة الصباح", "https://news.example", "digest@news.example", "نشرة الصباح"
	o.Now = clock.Now
	o.Categories = []Category{{Name: "اقتصاد"}, {Name: "رياضة"}}
	svc, err := New(st, []byte("0123456789abcdef0123456789abcdef-test"), tr, mailer.NewComposer(nil), cm, o)
	if err != nil {
		t.Fatal(err)
	}
	return svc, outbox
}

// outboxTo reads the messages of outbox and returns their To headers.
func outboxTo(t *testing.T, outbox string) []string {
	t.Helper()
	ents, err := os.ReadDir(outbox)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var to []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		f, err := os.Open(filepath.Join(outbox, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		to = append(to, m.Header.Get("To"))
	}
	return to
}

// TestConfirmMailsPerAddressPerDay: sign-ups of one address however its
// case is spelt, through two services on one database (two serve
// processes), send at most MailsPerDay confirmation emails in 24 hours;
// the rest get the same answer and no email. The email's To is the bare
// address.
func TestConfirmMailsPerAddressPerDay(t *testing.T) {
	st := teststore.SQLite(t)
	clock := testkit.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	a, outA := newService(t, st, clock, Options{MailsPerDay: 3})
	b, outB := newService(t, st, clock, Options{MailsPerDay: 3})
	ctx := context.Background()
	spellings := []string{"reader@example.org", "Reader@example.org", "READER@example.org", "reader@EXAMPLE.org", "rEaDeR@Example.Org"}
	for i := range 10 {
		svc := a
		if i%2 == 1 {
			svc = b
		}
		if err := svc.Subscribe(ctx, SignUp{Email: spellings[i%len(spellings)]}); err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
		clock.Add(time.Minute)
	}
	sent := append(outboxTo(t, outA), outboxTo(t, outB)...)
	if len(sent) != 3 {
		t.Fatalf("%d confirmation emails for one address in a day, want 3: %v", len(sent), sent)
	}
	for _, to := range sent {
		if a, err := mail.ParseAddress(to); err != nil || a.Name != "" {
			t.Errorf("To %q: want the bare address", to)
		}
	}
	clock.Add(24 * time.Hour)
	if err := a.Subscribe(ctx, SignUp{Email: "Reader@Example.org"}); err != nil {
		t.Fatal(err)
	}
	if n := len(outboxTo(t, outA)) + len(outboxTo(t, outB)); n != 4 {
		t.Errorf("a day later: %d emails in all, want 4", n)
	}
}

// TestPendingSignUpKept: a later sign-up of a pending address, with no
// name or another name and other categories, changes neither; the reader
// still gets a confirmation email.
func TestPendingSignUpKept(t *testing.T) {
	st := teststore.SQLite(t)
	clock := testkit.NewClock(time.Now())
	svc, outbox := newService(t, st, clock, Options{MailsPerDay: 10})
	ctx := context.Background()
	if err := svc.Subscribe(ctx, SignUp{Email: "sara@example.org", Name: "سارة الشمري", Categories: []string{"اقتصاد"}}); err != nil {
		t.Fatal(err)
	}
	for _, later := range []SignUp{
		{Email: "Sara@Example.org"},
		{Email: "sara@example.org", Categories: []string{"رياضة"}},
		{Email: "SARA@example.org", Name: "Claim your prize", Categories: []string{"رياضة"}},
	} {
		clock.Add(time.Second) // a message ID of its own
		if err := svc.Subscribe(ctx, later); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := st.SubscriberByEmail(ctx, "sara@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Name != "سارة الشمري" || len(sub.Categories) != 1 || sub.Categories[0] != "اقتصاد" || sub.Status != store.StatusPending {
		t.Errorf("after later sign-ups: %+v", sub)
	}
	if n := len(outboxTo(t, outbox)); n != 4 {
		t.Errorf("%d confirmation emails, want 4", n)
	}
}

// TestPurgePendingSignUps: sign-ups unconfirmed for longer than
// PendingTTL are erased by Purge; confirmed readers stay.
func TestPurgePendingSignUps(t *testing.T) {
	st := teststore.SQLite(t)
	ctx := context.Background()
	clock := testkit.NewClock(time.Now())
	svc, _ := newService(t, st, clock, Options{PendingTTL: 7 * 24 * time.Hour})
	for _, e := range []string{"stale@example.org", "reader@example.org"} {
		if err := svc.Subscribe(ctx, SignUp{Email: e}); err != nil {
			t.Fatal(err)
		}
	}
	reader, _ := st.SubscriberByEmail(ctx, "reader@example.org")
	if out, _, err := svc.Confirm(ctx, svc.tokens.Issue(PurposeConfirm, reader.ID, reader.Email, clock.Now(), time.Hour)); err != nil || out != Confirmed {
		t.Fatalf("confirm: %v %v", out, err)
	}
	if n, err := svc.Purge(ctx); err != nil || n != 0 {
		t.Fatalf("fresh sign-ups purged: %d %v", n, err)
	}
	clock.Add(7*24*time.Hour + time.Minute)
	if n, err := svc.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("Purge after a week = %d, %v; want 1", n, err)
	}
	if _, err := st.SubscriberByEmail(ctx, "stale@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stale sign-up: %v", err)
	}
	if s, err := st.SubscriberByEmail(ctx, "reader@example.org"); err != nil || s.Status != store.StatusConfirmed {
		t.Errorf("confirmed reader: %+v %v", s, err)
	}
}

// TestExpiredConfirmLink: an expired confirmation link is expired for a
// reader who confirmed long ago too, and gives nothing back but the error.
func TestExpiredConfirmLink(t *testing.T) {
	st := teststore.SQLite(t)
	ctx := context.Background()
	clock := testkit.NewClock(time.Now())
	svc, _ := newService(t, st, clock, Options{TokenTTL: 7 * 24 * time.Hour})
	if err := svc.Subscribe(ctx, SignUp{Email: "reader@example.org"}); err != nil {
		t.Fatal(err)
	}
	sub, _ := st.SubscriberByEmail(ctx, "reader@example.org")
	link := svc.tokens.Issue(PurposeConfirm, sub.ID, sub.Email, clock.Now(), 7*24*time.Hour)
	if out, _, err := svc.Confirm(ctx, link); err != nil || out != Confirmed {
		t.Fatalf("confirm: %v %v", out, err)
	}
	if out, _, err := svc.CheckConfirm(ctx, link); err != nil || out != AlreadyConfirmed {
		t.Errorf("replay within a week: %v %v", out, err)
	}
	clock.Add(30 * 24 * time.Hour)
	for _, f := range []func(context.Context, string) (Outcome, *store.Subscriber, error){svc.CheckConfirm, svc.Confirm} {
		if _, _, err := f(ctx, link); !errors.Is(err, ErrExpiredToken) {
			t.Errorf("a month-old confirmation link of a confirmed reader: %v, want ErrExpiredToken", err)
		}
	}
}

// TestSignUpNames: names that carry a link, a host name or an address are
// refused on the public form; ordinary names, Arabic or Latin, pass.
func TestSignUpNames(t *testing.T) {
	for _, bad := range []string{
		"Visit https://evil.example/login",
		"Support Team <support@paypal.com>",
		"Winner! claim at http://evil.example",
		"www.evil.example",
		"اربح الآن evil.example",
		"PAYPAL.COM support",
		"ftp://files",
		"سارة\u202Egnp.exe",
		"سارة\r\nBcc: x@example.org",
		strings.Repeat("س", MaxNameLength+1),
	} {
		if _, err := CleanSignUpName(bad); err == nil {
			t.Errorf("CleanSignUpName(%q) accepted", bad)
		}
	}
	for _, good := range []string{"سارة الشمري", "Dr.Ahmed", "J. R. R. Tolkien", `Zaid O'Brien (ACME Corp.)`, "عبد الله بن محمد", `<b>علي</b> & "ليلى"`, ""} {
		if _, err := CleanSignUpName(good); err != nil {
			t.Errorf("CleanSignUpName(%q): %v", good, err)
		}
	}
}

// TestSignUpLimitsSharedOnPostgres: two services on one PostgreSQL
// database (two serve nodes) share the per-address limit.
func TestSignUpLimitsSharedOnPostgres(t *testing.T) {
	dsn := testkit.PostgresSchema(t, "the shared sign-up limits", "nashra_subscribe")
	ctx := context.Background()
	open := func() *postgres.Store {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st1, st2 := open(), open()
	if err := st1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Now())
	a, outA := newService(t, st1, clock, Options{MailsPerDay: 2})
	b, outB := newService(t, st2, clock, Options{MailsPerDay: 2})
	for i := range 6 {
		svc := []*Service{a, b}[i%2]
		if err := svc.Subscribe(ctx, SignUp{Email: "Reader@Example.org"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(outboxTo(t, outA)) + len(outboxTo(t, outB)); n != 2 {
		t.Errorf("two nodes sent %d confirmation emails to one address, want 2", n)
	}
	// The sign-up form's per-client buckets live there too.
	got := ""
	for i := range 4 {
		ok, err := []*Service{a, b}[i%2].Allow(ctx, "signup:192.0.2.7", 10*time.Second, 3)
		if err != nil {
			t.Fatal(err)
		}
		got += map[bool]string{true: "y", false: "n"}[ok]
	}
	if got != "yyyn" {
		t.Errorf("per-client bucket of 3 across two nodes: %s, want yyyn", got)
	}
}
