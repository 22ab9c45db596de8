package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/admin"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

const password = "كلمة-سر-طويلة-جدا"

// site is a console on a real SQLite file behind a real HTTP server.
type site struct {
	t       *testing.T
	ctx     context.Context
	st      *sqlite.Store
	auth    *auth.Service
	console *admin.Console
	srv     *httptest.Server
	edits   *fakeEditor
	// editions runs on a delivery service (dv) writing to outbox.
	editions *edition.Service
	dv       *delivery.Service
	outbox   string
	// opts are the console's options, for a test that serves it again
	// with one changed (mount).
	opts admin.Options
}

// newEditions is the edition service on st with a real delivery service
// whose transport writes .eml files to outbox; nls, when given, are its
// newsletters (daily at 06:00; "weekly" a weekly one, Fridays).
func newEditions(t *testing.T, st store.Store, outbox string, nls ...subscribe.Newsletter) (*edition.Service, *delivery.Service) {
	t.Helper()
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	links, err := subscribe.NewLinks([]byte("0123456789abcdef0123456789abcdef"), "http://example.test", "unsubscribe@example.test", 0)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mailer.NewFileTransport(outbox)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	do := digest.Options{Location: time.UTC, SendTime: 6 * time.Hour, Window: 24 * time.Hour,
		SiteTitle: "نشرة الاختبار", BaseURL: "http://example.test"}
	var dnls []delivery.Newsletter
	for _, n := range nls {
		dn := delivery.Newsletter{Slug: n.Slug, Name: n.Name, Digest: do, Schedule: "0 6 * * *"}
		if n.Slug == "weekly" {
			dn.Digest.Window, dn.Digest.Weekly, dn.Schedule = 7*24*time.Hour, true, "0 6 * * 5"
		}
		dnls = append(dnls, dn)
	}
	dv, err := delivery.New(st, tr, mailer.NewComposer(nil), tpl, links, delivery.Options{
		SiteTitle: "نشرة الاختبار", BaseURL: "http://example.test",
		FromAddr: "digest@example.test", FromName: "نشرة الاختبار",
		Digest: do, Newsletters: dnls,
		MaxAttempts: 3, RetryBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return edition.New(st, dv, time.UTC, nil), dv
}

// fakeEditor records article changes made through the console; it acts on
// the store's draft flag, as the publish service does.
type fakeEditor struct {
	mu  sync.Mutex
	st  store.Store
	ops []string
}

func (f *fakeEditor) set(ctx context.Context, slug string, fn func(a *article.Article)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.st.ArticleBySlug(ctx, slug)
	if err != nil {
		return err
	}
	fn(a)
	_, _, err = f.st.UpsertArticle(ctx, a)
	return err
}
func (f *fakeEditor) Unpublish(ctx context.Context, slug string) error {
	f.ops = append(f.ops, "unpublish "+slug)
	return f.set(ctx, slug, func(a *article.Article) { a.Draft = true })
}
func (f *fakeEditor) Publish(ctx context.Context, slug string) error {
	f.ops = append(f.ops, "publish "+slug)
	return f.set(ctx, slug, func(a *article.Article) { a.Draft = false })
}
func (f *fakeEditor) Delete(ctx context.Context, slug string) error {
	f.ops = append(f.ops, "delete "+slug)
	_, err := f.st.ArticleBySlug(ctx, slug)
	return err
}
func (f *fakeEditor) SetCategory(ctx context.Context, slug, cat string) error {
	f.ops = append(f.ops, "category "+slug+" "+cat)
	return f.set(ctx, slug, func(a *article.Article) { a.Category = cat })
}

// newSite is the console on a fresh store; nls, when given, are the
// site's newsletters (synced into the store), the default one first.
func newSite(t *testing.T, nls ...subscribe.Newsletter) *site {
	t.Helper()
	ctx := context.Background()
	st := teststore.SQLite(t)
	if len(nls) > 0 {
		var slugs []string
		for _, n := range nls {
			slugs = append(slugs, n.Slug)
		}
		if err := st.SyncNewsletters(ctx, slugs); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := templates.NewConsole("")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, ctx: ctx, st: st, auth: auth.New(st, auth.Options{}), edits: &fakeEditor{st: st}}
	s.outbox = filepath.Join(t.TempDir(), "outbox")
	s.editions, s.dv = newEditions(t, st, s.outbox, nls...)
	s.mount(admin.Options{
		Store: st, Auth: s.auth, Pages: pages, Articles: s.edits, Editions: s.editions, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Sources:   source.New(st, source.Options{Fetch: source.FetchOptions{AllowPrivate: true}}),
		SiteTitle: "نشرة الاختبار", BaseURL: "http://example.test", Location: time.UTC,
		Categories: []string{"اقتصاد", "رياضة", "ثقافة"}, Newsletters: nls,
		ArticleURL: func(a *article.Article) string { return "http://example.test/articles/" + a.Slug },
	})
	for _, u := range []struct {
		email string
		role  store.Role
	}{{"admin@example.com", store.RoleAdmin}, {"editor@example.com", store.RoleEditor}, {"viewer@example.com", store.RoleViewer}} {
		if _, err := s.auth.AddUser(ctx, auth.Actor{Name: "test"}, u.email, "", u.role, password); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// mount serves a console with options o behind a new HTTP server, which
// the site's browsers then reach.
func (s *site) mount(o admin.Options) {
	s.opts = o
	s.console = admin.New(o)
	mux := http.NewServeMux()
	s.console.Mount(mux)
	s.srv = httptest.NewServer(mux)
	s.t.Cleanup(s.srv.Close)
}

// token creates an API token called name acting as the user with that
// email and returns its secret.
func (s *site) token(email, name string) string {
	s.t.Helper()
	tok, _, err := s.auth.CreateToken(s.ctx, auth.Actor{Name: "test"}, email, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	s    *site
	c    *http.Client
	csrf string
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and remembers the page's CSRF token.
func (b *browser) get(path string) (int, string, http.Header) {
	b.s.t.Helper()
	resp, err := b.c.Get(b.s.srv.URL + path)
	return b.read(resp, err)
}

// post sends a form (with the last CSRF token seen unless form has one).
func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.c.PostForm(b.s.srv.URL+path, form)
	return b.read(resp, err)
}

// upload posts the file content named name as the form field "file",
// with the last CSRF token seen, as the import form does.
func (b *browser) upload(path, name, content string) (int, string, http.Header) {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.read(b.c.Do(req))
}

// read returns a response's status, body and header, and remembers the
// page's CSRF token; a failed request fails the test.
func (b *browser) read(resp *http.Response, err error) (int, string, http.Header) {
	b.s.t.Helper()
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body), resp.Header
}

// login signs in as email and fails the test otherwise.
func (b *browser) login(email string) {
	b.s.t.Helper()
	b.get("/admin/login")
	code, body, h := b.post("/admin/login", url.Values{"email": {email}, "password": {password}})
	if code != http.StatusSeeOther || h.Get("Location") != "/admin/" {
		b.s.t.Fatalf("login as %s: %d %s\n%s", email, code, h.Get("Location"), body)
	}
	if code, body, _ := b.get("/admin/"); code != http.StatusOK {
		b.s.t.Fatalf("dashboard after login: %d\n%s", code, body)
	}
}

// signedIn is a new browser signed in as email.
func (s *site) signedIn(email string) *browser {
	s.t.Helper()
	b := s.browser()
	b.login(email)
	return b
}

// sessionCookie is the browser's session cookie value.
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.s.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "nashra_session" {
			return c.Value
		}
	}
	return ""
}

// fill replaces a route pattern's wildcards with real values.
func fill(pattern string, vals map[string]string) string {
	return regexp.MustCompile(`\{([a-z]+)\$?\}`).ReplaceAllStringFunc(pattern, func(m string) string {
		name := strings.Trim(m, "{}$")
		if v, ok := vals[name]; ok {
			return v
		}
		return fmt.Sprintf("x-%s", name)
	})
}
