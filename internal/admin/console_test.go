package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
)

// seed adds a subscriber and an article whose text is an XSS payload.
func (s *site) seed(name, title string) (*store.Subscriber, *article.Article) {
	s.t.Helper()
	sub := &store.Subscriber{Email: "reader@example.org", Name: name, Status: store.StatusPending, Categories: []string{"اقتصاد"}}
	if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
		s.t.Fatal(err)
	}
	a := &article.Article{Key: "file:test-article", Slug: "test-article", Title: title, Category: "اقتصاد",
		Summary: title, BodyText: "نص", Published: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)}
	if _, _, err := s.st.UpsertArticle(s.ctx, a); err != nil {
		s.t.Fatal(err)
	}
	return sub, a
}

// TestRouteWalk visits every registered route: without credentials the
// console redirects to the login page and the API answers 401; a viewer
// gets 403 on every route that changes something, even with a valid CSRF
// token; an editor gets 403 on every admin-only route. A route added
// later is walked without touching this test.
func TestRouteWalk(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	sub, _ := s.seed("قارئ", "مقال")
	vals := map[string]string{"id": "1", "slug": "test-article", "file": "console.css", "date": "2026-05-01"}
	_ = sub
	routes := s.console.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	anon := s.browser()
	viewer := s.signedIn("viewer@example.com")
	editor := s.signedIn("editor@example.com")
	bearer := map[store.Role]string{store.RoleViewer: s.token("viewer@example.com", "viewer"), store.RoleEditor: s.token("editor@example.com", "editor")}
	call := func(b *browser, method, path, token string) int {
		var req *http.Request
		form := url.Values{"csrf": {b.csrf}}
		if method == http.MethodGet {
			req, _ = http.NewRequest(method, s.srv.URL+path, nil)
		} else {
			req, _ = http.NewRequest(method, s.srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.HasPrefix(path, "/api/") && resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/admin/login" {
			return -1 // redirected to the login page
		}
		return resp.StatusCode
	}
	for _, r := range routes {
		path := fill(r.Pattern, vals)
		name := r.Method + " " + r.Pattern
		if r.Role == "" {
			continue
		}
		got := call(anon, r.Method, path, "")
		if r.API && got != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", name, got)
		}
		if !r.API && got != -1 {
			t.Errorf("%s without a session: %d, want a redirect to /admin/login", name, got)
		}
		if r.API {
			if got := call(anon, r.Method, path, "nashra_"+strings.Repeat("A", 43)); got != http.StatusUnauthorized {
				t.Errorf("%s with an unknown token: %d, want 401", name, got)
			}
		}
		if !r.Mutates() {
			continue
		}
		if r.Role == store.RoleViewer && !r.API && r.Pattern == "/admin/logout" {
			continue // a viewer may end their own session
		}
		if r.Role == store.RoleViewer {
			t.Errorf("%s changes something but a viewer may call it", name)
		}
		if r.API {
			if got := call(anon, r.Method, path, bearer[store.RoleViewer]); got != http.StatusForbidden {
				t.Errorf("%s with a viewer's token: %d, want 403", name, got)
			}
		} else if got := call(viewer, r.Method, path, ""); got != http.StatusForbidden {
			t.Errorf("%s as a viewer: %d, want 403", name, got)
		}
		if r.Role == store.RoleAdmin {
			if r.API {
				if got := call(anon, r.Method, path, bearer[store.RoleEditor]); got != http.StatusForbidden {
					t.Errorf("%s with an editor's token: %d, want 403", name, got)
				}
			} else if got := call(editor, r.Method, path, ""); got != http.StatusForbidden {
				t.Errorf("%s as an editor: %d, want 403", name, got)
			}
		}
	}
	// Admin-only pages are refused to an editor even for reading.
	for _, p := range []string{"/admin/users", "/admin/tokens"} {
		if code, _, _ := editor.get(p); code != http.StatusForbidden {
			t.Errorf("editor GET %s: %d, want 403", p, code)
		}
	}
	// Nothing a viewer tried changed the subscriber or the article.
	if got, _ := s.st.GetSubscriber(s.ctx, 1); got == nil || got.Status != store.StatusPending {
		t.Errorf("subscriber changed by refused requests: %+v", got)
	}
	if len(s.edits.ops) != 0 {
		t.Errorf("article operations ran for refused requests: %v", s.edits.ops)
	}
}

// TestConsoleHeaders: every console page is framed by nobody, cached by
// nobody and runs no inline script.
func TestConsoleHeaders(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signedIn("admin@example.com")
	for _, p := range []string{"/admin/", "/admin/login", "/admin/subscribers", "/admin/users"} {
		code, body, h := b.get(p)
		if p == "/admin/login" && code == http.StatusSeeOther {
			code, body, h = s.browser().get(p)
		}
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", p, code)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: X-Frame-Options %q, Cache-Control %q", p, h.Get("X-Frame-Options"), h.Get("Cache-Control"))
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
			t.Errorf("%s has inline script or style", p)
		}
		if !strings.Contains(body, `<html lang="ar" dir="rtl">`) {
			t.Errorf("%s is not marked Arabic right-to-left", p)
		}
	}
}

// TestCSRFRefused: a signed-in editor's POST without the session's CSRF
// token, with another session's token, or from another site's page
// changes nothing.
func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	sub, _ := s.seed("قارئ", "مقال")
	b := s.signedIn("editor@example.com")
	other := s.signedIn("admin@example.com")
	path := "/admin/subscribers/1/unsubscribe"
	for name, form := range map[string]url.Values{
		"no token":          {"csrf": {""}},
		"another session's": {"csrf": {other.csrf}},
		"a made-up token":   {"csrf": {strings.Repeat("a", 43)}},
	} {
		if code, _, _ := b.post(path, form); code != http.StatusForbidden {
			t.Errorf("POST with %s: %d, want 403", name, code)
		}
	}
	req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST from another origin with the right token: %d, want 403", resp.StatusCode)
	}
	if got, _ := s.st.GetSubscriber(s.ctx, sub.ID); got.Status != store.StatusPending {
		t.Fatalf("a refused POST unsubscribed the reader")
	}
	if code, _, h := b.post(path, nil); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=unsubscribed") {
		t.Errorf("POST with the right token: %d %s", code, h.Get("Location"))
	}
	if got, _ := s.st.GetSubscriber(s.ctx, sub.ID); got.Status != store.StatusUnsubscribed {
		t.Errorf("the accepted POST did not unsubscribe")
	}
	// The login form has its own token.
	anon := s.browser()
	if code, _, _ := anon.post("/admin/login", url.Values{"email": {"admin@example.com"}, "password": {password}}); code != http.StatusForbidden {
		t.Errorf("login POST without the form's token: %d, want 403", code)
	}
}

// TestSessionFixation: a session id the browser holds before signing in
// (made up, or a real session of someone else's choosing) is not the one
// after, and the old one grants nothing.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	attacker := s.signedIn("viewer@example.com")
	planted := attacker.sessionCookie()
	victim := s.browser()
	u, _ := url.Parse(s.srv.URL)
	victim.get("/admin/login")
	victim.c.Jar.SetCookies(u, []*http.Cookie{{Name: "nashra_session", Value: planted, Path: "/"}})
	if code, _, _ := victim.post("/admin/login", url.Values{"email": {"admin@example.com"}, "password": {password}}); code != http.StatusSeeOther {
		t.Fatalf("victim login: %d", code)
	}
	after := victim.sessionCookie()
	if after == "" || after == planted {
		t.Fatalf("session id after login %q, planted %q", after, planted)
	}
	// The planted id is dead: the attacker is not signed in as anyone.
	if code, _, _ := attacker.get("/admin/users"); code != http.StatusSeeOther {
		t.Errorf("planted session after the victim's login: %d, want a redirect to the login page", code)
	}
	made := s.browser()
	made.c.Jar.SetCookies(u, []*http.Cookie{{Name: "nashra_session", Value: "chosen-by-attacker-0123456789", Path: "/"}})
	made.login("editor@example.com")
	if _, _, err := s.auth.Session(s.ctx, "chosen-by-attacker-0123456789"); err == nil {
		t.Error("the made-up id names a session")
	}
	if made.sessionCookie() == "chosen-by-attacker-0123456789" {
		t.Error("a made-up session id survived login")
	}
	// Logout ends the session on the server, not only in the browser.
	old := victim.sessionCookie()
	victim.get("/admin/")
	if code, _, h := victim.post("/admin/logout", nil); code != http.StatusSeeOther || h.Get("Location") != "/admin/login" {
		t.Fatalf("logout: %d", code)
	}
	if _, _, err := s.auth.Session(s.ctx, old); err == nil {
		t.Error("the session outlived logout")
	}
}

// TestWrongPasswordsSlowed: 20 wrong passwords over HTTP get 401 five
// times, then 429 without the password being checked; all 20 are in the
// audit log with the client's address; the answer for an unknown account
// reads the same as for a wrong password.
func TestWrongPasswordsSlowed(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	b.get("/admin/login")
	var codes []int
	var firstBody string
	for i := range 20 {
		code, body, _ := b.post("/admin/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong-password-123"}})
		codes = append(codes, code)
		if i == 0 {
			firstBody = body
		}
	}
	for i, c := range codes {
		want := http.StatusUnauthorized
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if c != want {
			t.Errorf("attempt %d: %d, want %d", i+1, c, want)
		}
	}
	failed, _ := s.st.CountAudit(s.ctx, store.AuditQuery{Action: auth.ActionLoginFailed, Target: "admin@example.com", Addr: "127.0.0.1"})
	throttled, _ := s.st.CountAudit(s.ctx, store.AuditQuery{Action: auth.ActionLoginThrottled, Target: "admin@example.com", Addr: "127.0.0.1"})
	if failed+throttled != 20 || failed != 5 {
		t.Errorf("audited %d failed + %d throttled from 127.0.0.1, want 5 + 15", failed, throttled)
	}
	if code, _, _ := b.post("/admin/login", url.Values{"email": {"admin@example.com"}, "password": {password}}); code != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: %d", code)
	}
	other := s.browser()
	other.get("/admin/login")
	_, unknown, _ := other.post("/admin/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong-password-123"}})
	msg := "البريد أو كلمة المرور غير صحيحة."
	if !strings.Contains(firstBody, msg) || !strings.Contains(unknown, msg) {
		t.Errorf("wrong password and unknown account answer differently")
	}
}

// TestXSSInert puts script payloads in a subscriber's name and an article's
// title and checks that no console page carries them as markup.
func TestXSSInert(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	payload := `<script>alert(1)</script><img src=x onerror=alert(2)>"'><svg onload=alert(3)>`
	s.seed("نورة "+payload, "عنوان "+payload)
	if err := s.st.Audit(s.ctx, store.AuditEntry{Actor: payload, Action: "test", Target: payload, Detail: payload}); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("admin@example.com")
	pages := []string{"/admin/", "/admin/subscribers", "/admin/subscribers?q=" + url.QueryEscape(payload), "/admin/subscribers/1",
		"/admin/articles", "/admin/articles?q=" + url.QueryEscape(payload), "/admin/articles/test-article", "/admin/audit",
		"/admin/audit?action=" + url.QueryEscape(payload), "/admin/users", "/admin/tokens"}
	for _, p := range pages {
		code, body, _ := b.get(p)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", p, code)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "onerror=alert(2)>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s carries %q unescaped", p, bad)
			}
		}
	}
	if _, body, _ := b.get("/admin/subscribers/1"); !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the subscriber page does not show the name (escaped)")
	}
}

// TestTOTPLoginAndExport: an account with a second factor gets the code
// form after its password, a wrong code is refused, the right one signs
// in with a new session id; the export is CSV and audited.
func TestTOTPLoginAndExport(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.seed("نورة", "مقال")
	setup, err := s.auth.EnableTOTP(s.ctx, auth.Actor{Name: "test"}, "viewer@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.get("/admin/login")
	code, _, h := b.post("/admin/login", url.Values{"email": {"viewer@example.com"}, "password": {password}})
	if code != http.StatusSeeOther || h.Get("Location") != "/admin/login" {
		t.Fatalf("password step: %d %s", code, h.Get("Location"))
	}
	pending := b.sessionCookie()
	if code, _, _ := b.get("/admin/"); code != http.StatusSeeOther {
		t.Fatalf("a pending session reached the dashboard: %d", code)
	}
	if _, body, _ := b.get("/admin/login"); !strings.Contains(body, `action="/admin/login/code"`) {
		t.Fatal("no code form after the password")
	}
	if code, _, _ := b.post("/admin/login/code", url.Values{"code": {"000000"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong code: %d", code)
	}
	totp, _ := auth.TOTPCode(setup.Secret, time.Now())
	if code, _, h := b.post("/admin/login/code", url.Values{"code": {totp}}); code != http.StatusSeeOther || h.Get("Location") != "/admin/" {
		t.Fatalf("right code: %d %s", code, h.Get("Location"))
	}
	if b.sessionCookie() == pending {
		t.Error("the session id did not change at the second factor")
	}
	code, body, h := b.get("/admin/subscribers/export.csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(body, "reader@example.org,نورة") {
		t.Errorf("export: %d %s\n%s", code, h.Get("Content-Type"), body)
	}
	if n, _ := s.st.CountAudit(s.ctx, store.AuditQuery{Action: "subscribers.export", Actor: "viewer@example.com"}); n != 1 {
		t.Errorf("export audited %d times", n)
	}
}

// TestConsoleImportRefusesUnknownCategories: a CSV uploaded in the console
// is held to the same categories as the command line: names or slugs of
// known ones, any other row rejected with the valid list.
func TestConsoleImportRefusesUnknownCategories(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signedIn("editor@example.com")
	b.get("/admin/subscribers")
	code, page, _ := b.upload("/admin/subscribers/import", "list.csv", "email,categories\nnoura@example.org,اقتصاد\nsaad@example.org,sprots\n")
	if !strings.Contains(page, `unknown category &#34;sprots&#34;`) && !strings.Contains(page, `unknown category "sprots"`) {
		t.Errorf("import page does not report the unknown category (%d):\n%s", code, page)
	}
	if _, err := s.st.SubscriberByEmail(s.ctx, "saad@example.org"); err == nil {
		t.Error("the row with an unknown category was imported")
	}
	if _, err := s.st.SubscriberByEmail(s.ctx, "noura@example.org"); err != nil {
		t.Errorf("the good row: %v", err)
	}
}

// countingStore counts the calls of the one-at-a-time counts the
// dashboard must not make (one query per edition, per status).
type countingStore struct {
	store.Store
	calls *atomic.Int32
}

func (c countingStore) DeliveryCounts(ctx context.Context, id string) (map[store.DeliveryState]int, error) {
	c.calls.Add(1)
	return c.Store.DeliveryCounts(ctx, id)
}

func (c countingStore) CountSubscribers(ctx context.Context, st store.Status) (int, error) {
	c.calls.Add(1)
	return c.Store.CountSubscribers(ctx, st)
}

// TestDashboardFigures: the dashboard shows the subscribers of each state
// and the sent and failed deliveries of the last editions, read with one
// query for the states and one for the editions, however many there are.
func TestDashboardFigures(t *testing.T) {
	s := newSite(t)
	var subs []store.Subscriber
	for i, st := range []store.Status{store.StatusConfirmed, store.StatusConfirmed, store.StatusConfirmed,
		store.StatusPending, store.StatusPending, store.StatusUnsubscribed, store.StatusBounced} {
		sub := &store.Subscriber{Email: fmt.Sprintf("reader%d@example.org", i), Status: st}
		if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, *sub)
	}
	// Three editions to the confirmed readers: the first with one sent
	// and one failed, the second all sent, the third queued.
	for _, e := range []struct {
		day    string
		states []store.DeliveryState
	}{
		{"2026-05-01", []store.DeliveryState{store.DeliverySent, store.DeliveryFailed}},
		{"2026-05-02", []store.DeliveryState{store.DeliverySent, store.DeliverySent, store.DeliverySent}},
		{"2026-05-03", nil},
	} {
		day := e.day
		if _, err := s.st.CreateEdition(s.ctx, &store.Edition{ID: day, Subject: "نشرة " + day}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.st.EnqueueDeliveries(s.ctx, day, subs[:3]); err != nil {
			t.Fatal(err)
		}
		for i, st := range e.states {
			if err := s.st.MarkDelivery(s.ctx, day, subs[i].ID, st, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	var calls atomic.Int32
	o := s.opts
	o.Store = countingStore{Store: s.st, calls: &calls}
	s.mount(o)
	b := s.signedIn("viewer@example.com")
	calls.Store(0)
	_, page, _ := b.get("/admin/")

	stats := map[string]string{}
	for _, m := range regexp.MustCompile(`<span class="n">(\d+)</span><span class="l">([^<]+)</span>`).FindAllStringSubmatch(page, -1) {
		stats[m[2]] = m[1]
	}
	want := map[string]string{"كل المشتركين": "7", "مؤكَّدون": "3", "بانتظار التأكيد": "2", "ألغوا الاشتراك": "1", "ارتدّت رسائلهم": "1", "مقالات": "0"}
	if !reflect.DeepEqual(stats, want) {
		t.Errorf("dashboard figures = %v, want %v", stats, want)
	}
	var rows []string
	for _, m := range regexp.MustCompile(`<tr><td><a href="/admin/editions/([^"]+)" dir="ltr">[^<]+</a></td><td[^>]*>(?:<bdi>[^<]*</bdi>)?</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td></tr>`).FindAllStringSubmatch(page, -1) {
		rows = append(rows, strings.Join(m[1:], " "))
	}
	if got, want := strings.Join(rows, "; "), "2026-05-03 3 0 0; 2026-05-02 3 3 0; 2026-05-01 3 1 1"; got != want {
		t.Errorf("dashboard editions:\n got %s\nwant %s", got, want)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the dashboard counted one edition or one state at a time %d times", n)
	}
}
