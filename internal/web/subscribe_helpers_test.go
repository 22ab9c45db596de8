package web

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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

// sentMail is one message of the outbox, decoded.
type sentMail struct {
	Header     mail.Header
	Text, HTML string
	Raw        []byte
}

// outbox reads every message in dir, oldest first.
func readOutbox(t *testing.T, dir string) []sentMail {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	type f struct {
		name string
		mod  time.Time
	}
	var files []f
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
			info, _ := e.Info()
			files = append(files, f{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	var out []sentMail
	for _, fl := range files {
		raw, err := os.ReadFile(filepath.Join(dir, fl.name))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, raw))
	}
	return out
}

// parseMail decodes a message: headers, text and HTML parts.
func parseMail(t testing.TB, raw []byte) sentMail {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("parse mail: %v", err)
	}
	sm := sentMail{Header: m.Header, Raw: raw}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(ct, cte string, r io.Reader) {
		if strings.EqualFold(cte, "base64") {
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(ct, "text/html") {
			sm.HTML = string(b)
		} else {
			sm.Text = string(b)
		}
	}
	if !strings.HasPrefix(mt, "multipart/") {
		read(mt, m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return sm
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		read(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
	}
	return sm
}

// to returns the address of a message's To header.
func (m sentMail) to() string {
	a, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		return ""
	}
	return a.Address
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
