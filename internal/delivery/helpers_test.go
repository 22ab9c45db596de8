package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// testDay is the edition day of the fixtures (testdata/articles.json).
const testDay = "2026-03-10"

func riyadh(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// openStore opens a migrated SQLite store with River's tables, loaded with
// the Arabic fixture articles.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st := teststore.SQLite(t)
	st.DB().SetMaxOpenConns(1)
	if err := Migrate(ctx, "sqlite", st.DB()); err != nil {
		t.Fatal(err)
	}
	if err := teststore.ImportArticles(ctx, st, "testdata/articles.json"); err != nil {
		t.Fatal(err)
	}
	return st
}

// addSubscribers adds n confirmed subscribers user0000@example.org…; every
// seventh one chooses only the sports category.
func addSubscribers(t testing.TB, st store.Store, n int) []store.Subscriber {
	t.Helper()
	ctx := context.Background()
	out := make([]store.Subscriber, 0, n)
	for i := 0; i < n; i++ {
		s := store.Subscriber{Email: fmt.Sprintf("user%04d@example.org", i), Name: fmt.Sprintf("قارئ %d", i),
			Status: store.StatusConfirmed, Source: store.SourceAdmin}
		if i%7 == 3 {
			s.Categories = []string{"رياضة"}
		}
		if _, err := st.AddSubscriber(ctx, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func testOptions(t testing.TB) Options {
	return Options{
		SiteTitle: "نشرة الصباح",
		BaseURL:   "https://digest.example.com",
		FromAddr:  "digest@digest.example.com",
		FromName:  "نشرة الصباح",
		Digest: digest.Options{
			Location: riyadh(t), SendTime: 7 * time.Hour, Related: 2,
			SiteTitle: "نشرة الصباح", BaseURL: "https://digest.example.com",
		},
		MaxAttempts:  5,
		MaxBounces:   2,
		RetryBackoff: 20 * time.Millisecond,
		MaxBackoff:   100 * time.Millisecond,
	}
}

func newService(t testing.TB, st store.Store, tr mailer.Transport, comp *mailer.Composer, o Options) *Service {
	t.Helper()
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	if comp == nil {
		comp = mailer.NewComposer(nil)
	}
	svc, err := New(st, tr, comp, tpl, NewHMACLinks([]byte("test secret"), o.BaseURL, "unsubscribe@digest.example.com"), o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// smtpSink is a real SMTP server on 127.0.0.1 recording what it accepts.
type smtpSink = testkit.SMTPSink

// startSink starts a sink; fault, when set, answers RCPT TO for a
// recipient on its nth attempt (1-based) with an error, or nil to accept.
func startSink(t testing.TB, fault func(rcpt string, attempt int) error) *smtpSink {
	return testkit.StartSMTPSink(t, fault, 0)
}

// bucket maps an address to [0, 100) deterministically.
func bucket(addr string) int {
	sum := sha256.Sum256([]byte(addr))
	return int(binary.BigEndian.Uint32(sum[:4]) % 100)
}

// smtpTransport is a pool of four plain connections to sink.
func smtpTransport(t testing.TB, sink *smtpSink) *mailer.SMTPTransport {
	t.Helper()
	tr, err := mailer.NewSMTPTransport(mailer.SMTPOptions{Host: sink.Host, Port: sink.Port, TLS: mailer.TLSNone, Pool: 4, Timeout: 10 * time.Second, HELO: "nashra.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// runEdition sends the edition of testDay with SendEdition and returns
// the ledger's counts once no delivery is open (queued, sending or
// retrying), or fails after timeout.
func runEdition(t testing.TB, st store.Store, svc *Service, workers int, timeout time.Duration) map[store.DeliveryState]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	q := sqliteQueue(t, st, svc, QueueOptions{Workers: workers})
	r, err := q.SendEdition(ctx, testDay, RunOptions{Wait: timeout})
	if err != nil {
		t.Fatalf("edition not delivered within %s: %v", timeout, err)
	}
	if r.Waiting > 0 {
		t.Fatalf("edition not delivered within %s: %v", timeout, r.Counts)
	}
	return r.Counts
}

// sqliteQueue is NewQueue of svc on st's SQLite database with o (its
// Driver set to sqlite), failing the test if it cannot be made.
func sqliteQueue(t testing.TB, st store.Store, svc *Service, o QueueOptions) *Queue {
	t.Helper()
	o.Driver = "sqlite"
	q, err := NewQueue(st.DB(), svc, o)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func header(t testing.TB, raw []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	return strings.TrimSpace(m.Header.Get(name))
}

// walkParts calls f with the content type and decoded body of each leaf
// part of raw.
func walkParts(t *testing.T, raw []byte, f func(ct string, body []byte)) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	walkEntity(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, f)
}

func walkEntity(t *testing.T, ct, cte string, body io.Reader, f func(string, []byte)) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("content type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkEntity(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, f)
		}
	}
	var r io.Reader = body
	if strings.EqualFold(cte, "base64") {
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s part: %v", mt, err)
	}
	f(mt, b)
}
