package web

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// subEnv is the subscription pages on a real SQLite file and a file outbox.
type subEnv struct {
	st     *sqlite.Store
	svc    *subscribe.Service
	srv    *httptest.Server
	outbox string
	clock  *testkit.Clock
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-test-secret")

func newSubEnv(t *testing.T, burst int) *subEnv {
	t.Helper()
	e := &subEnv{st: teststore.SQLite(t), outbox: filepath.Join(t.TempDir(), "outbox"), clock: testkit.NewClock(time.Now())}
	tr, err := mailer.NewFileTransport(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := templates.NewConfirmMail("")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.svc, err = subscribe.New(e.st, testSecret, tr, mailer.NewComposer(nil), cm, subscribe.Options{
		SiteTitle: "نشرة الصباح", BaseURL: e.srv.URL, FromAddr: "digest@news.example", FromName: "نشرة الصباح",
		TokenTTL: 7 * 24 * time.Hour, Now: e.clock.Now, MailsPerDay: 100,
		Categories: []subscribe.Category{{Name: "اقتصاد"}, {Name: "رياضة"}, {Name: "ثقافة", Title: "ثقافة وفنون"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := NewSubscribe(SubscribeOptions{Service: e.svc, Pages: tpl, SiteTitle: "نشرة الصباح", BaseURL: e.srv.URL,
		Secret: testSecret, Now: e.clock.Now, SignUpBurst: burst})
	srv := New(Options{Pages: tpl, SiteTitle: "نشرة الصباح", BaseURL: e.srv.URL, Routes: h.Routes})
	mux.Handle("/", srv)
	return e
}

// wantNothingDone fails the test if a subscriber was stored or an email
// sent, after what.
func (e *subEnv) wantNothingDone(t *testing.T, after string) {
	t.Helper()
	if n, err := e.st.CountSubscribers(context.Background(), ""); err != nil || n != 0 {
		t.Errorf("%d subscribers stored after %s (%v)", n, after, err)
	}
	if m := readOutbox(t, e.outbox); len(m) != 0 {
		t.Errorf("%d emails sent after %s", len(m), after)
	}
}

// client is a browser-like client: a cookie jar, redirects followed.
func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, b := testkit.Request(t, c, "GET", u)
	return res, string(b)
}

func post(t *testing.T, c *http.Client, u string, form map[string][]string) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of a page's form.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return m[1]
}

// readOutbox reads every message in the outbox dir, oldest first.
func readOutbox(t *testing.T, dir string) []testkit.Mail {
	t.Helper()
	mails, err := testkit.ReadOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	return mails
}

var linkRe = regexp.MustCompile(`https?://[^\s"<>]+/(confirm|preferences|unsubscribe)\?t=[A-Za-z0-9_%-]+`)

// linkIn returns the first link of kind (confirm, preferences…) in text.
func linkIn(text, kind string) string {
	for _, m := range linkRe.FindAllStringSubmatch(text, -1) {
		if m[1] == kind {
			return m[0]
		}
	}
	return ""
}

func subscriber(t *testing.T, st *sqlite.Store, email string) *store.Subscriber {
	t.Helper()
	s, err := st.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("subscriber %s: %v", email, err)
	}
	return s
}

// mimeDecoder decodes RFC 2047 headers.
type mimeDecoder = mime.WordDecoder
