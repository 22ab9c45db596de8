package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

// signUp loads the form with c and posts it.
func signUp(t *testing.T, e *subEnv, c *http.Client, form url.Values) (*http.Response, string) {
	t.Helper()
	_, page := get(t, c, e.srv.URL+"/subscribe")
	form.Set("csrf", csrfOf(t, page))
	return post(t, c, e.srv.URL+"/subscribe", form)
}

func wantPage(t *testing.T, what string, res *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.StatusCode, status, body)
	}
	if !strings.Contains(body, `<html lang="ar" dir="rtl">`) {
		t.Errorf("%s: not an Arabic RTL page:\n%s", what, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("%s: page lacks %q:\n%s", what, c, body)
		}
	}
	if strings.Contains(body, "goroutine") || strings.Contains(body, "subscribe:") || strings.Contains(body, "store:") {
		t.Errorf("%s: page shows internals:\n%s", what, body)
	}
}

// TestSubscribeJourney: form -> confirmation email -> confirm -> replay ->
// preferences -> unsubscribe page -> button, with an Arabic name holding HTML.
func TestSubscribeJourney(t *testing.T) {
	e := newSubEnv(t, 5)
	c := client(t)
	res, page := get(t, c, e.srv.URL+"/subscribe")
	wantPage(t, "form", res, page, 200, "ثقافة وفنون", `name="website"`, `value="رياضة"`)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("form Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	name := `سارة <script>alert(1)</script> & "الشمري"`
	res, page = signUp(t, e, c, url.Values{"email": {" Sara@Example.ORG "}, "name": {name}, "categories": {"اقتصاد"}})
	wantPage(t, "sent", res, page, 200, "تحقّق من بريدك")
	if res.Request.URL.Path != "/subscribe/sent" {
		t.Errorf("after sign-up at %s, want /subscribe/sent", res.Request.URL)
	}
	sub := subscriber(t, e.st, "Sara@example.org")
	if sub.Status != store.StatusPending || sub.Name != name || sub.Source != store.SourceForm || len(sub.Categories) != 1 {
		t.Fatalf("stored %+v", sub)
	}
	mails := readOutbox(t, e.outbox)
	if len(mails) != 1 {
		t.Fatalf("%d emails, want 1", len(mails))
	}
	m := mails[0]
	subj, _ := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
	if m.To() != "Sara@example.org" || !strings.Contains(subj, "أكّد اشتراكك في «نشرة الصباح»") {
		t.Errorf("email to %q subject %q", m.To(), subj)
	}
	if !strings.Contains(string(m.Raw), "Content-Transfer-Encoding: base64") || !strings.Contains(m.Header.Get("Subject"), "=?UTF-8?B?") {
		t.Errorf("confirmation email not base64-encoded:\n%.600s", m.Raw)
	}
	if m.Header.Get("List-Id") != "" || m.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("confirmation email with list headers: %v", m.Header)
	}
	// The email carries nothing the stranger who signed up typed: no name
	// in To, in the greeting or anywhere else.
	if to := m.Header.Get("To"); to != "<Sara@example.org>" && to != "Sara@example.org" {
		t.Errorf("To header %q, want the bare address", to)
	}
	if strings.Contains(m.HTML, "script") || strings.Contains(m.Text, "script") || strings.Contains(m.Text, "الشمري") || !strings.Contains(m.HTML, `dir="rtl"`) {
		t.Errorf("the confirmation email shows the typed name:\n%s\n%s", m.Text, m.HTML)
	}
	confirm := linkIn(m.Text, "confirm")
	if confirm == "" || linkIn(m.HTML, "confirm") == "" {
		t.Fatalf("no confirmation link in:\n%s", m.Text)
	}

	// Opening the link (as a mail scanner would) changes nothing: the page
	// asks for a click.
	res, page = get(t, c, confirm)
	wantPage(t, "confirm page", res, page, 200, "أكّد اشتراكك", `id="confirm"`, "&lt;script&gt;")
	if strings.Contains(page, "<script>") {
		t.Error("confirm page does not escape the name")
	}
	if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "no-store" {
		t.Error("token page may leak its token through Referer or a cache")
	}
	get(t, http.DefaultClient, confirm) // a scanner, without cookies
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusPending {
		t.Fatalf("opening the confirmation link confirmed: %+v", s)
	}
	ct, _ := url.Parse(confirm)
	res, page = post(t, c, e.srv.URL+"/confirm", url.Values{"t": {ct.Query().Get("t")}}) // no CSRF token
	wantPage(t, "confirm without CSRF", res, page, 403)
	res, page = post(t, c, e.srv.URL+"/confirm", url.Values{"csrf": {csrfOf(t, mustGet(t, c, confirm))}, "t": {"garbage"}})
	wantPage(t, "confirm with a bad token", res, page, 400, "هذا الرابط غير صالح")
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusPending {
		t.Fatalf("a refused POST confirmed: %+v", s)
	}
	res, page = confirmVia(t, c, e.srv.URL, confirm)
	wantPage(t, "confirm", res, page, 200, "تأكّد اشتراكك", "&lt;script&gt;")
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusConfirmed || s.ConfirmedAt.IsZero() {
		t.Fatalf("after confirm: %+v", s)
	}
	res, page = get(t, c, confirm) // a replay
	wantPage(t, "replayed confirm", res, page, 200, "مؤكَّد من قبل")

	prefs := linkIn(page, "preferences")
	if prefs == "" {
		t.Fatalf("no preferences link on the confirm page:\n%s", page)
	}
	prefs = strings.ReplaceAll(prefs, "&amp;", "&")
	res, page = get(t, c, prefs)
	wantPage(t, "preferences", res, page, 200, `value="اقتصاد" checked`, "&lt;script&gt;")
	tok, _ := url.Parse(prefs)
	res, page = post(t, c, e.srv.URL+"/preferences", url.Values{
		"csrf": {csrfOf(t, page)}, "t": {tok.Query().Get("t")}, "categories": {"رياضة", "ثقافة"}, "paused": {"1"}})
	wantPage(t, "saved preferences", res, page, 200, "حُفظت إعداداتك", `value="رياضة" checked`, `value="ثقافة" checked`)
	s := subscriber(t, e.st, "Sara@example.org")
	if strings.Join(s.Categories, ",") != "رياضة,ثقافة" || !s.Paused || s.Status != store.StatusConfirmed {
		t.Errorf("after saving preferences: %+v", s)
	}
	res, page = post(t, c, e.srv.URL+"/preferences", url.Values{
		"csrf": {csrfOf(t, page)}, "t": {tok.Query().Get("t")}, "categories": {"طقس\r\nBcc: x@evil.example"}})
	wantPage(t, "unknown category", res, page, 400, "اختر الأقسام من القائمة")

	leave := strings.ReplaceAll(linkIn(page, "unsubscribe"), "&amp;", "&")
	res, page = get(t, c, leave)
	wantPage(t, "unsubscribe page", res, page, 200, `id="unsubscribe"`, "Sara@example.org")
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusConfirmed {
		t.Fatalf("GET on the unsubscribe link changed the record: %+v", s)
	}
	lt, _ := url.Parse(leave)
	res, page = post(t, c, e.srv.URL+"/unsubscribe", url.Values{"t": {lt.Query().Get("t")}}) // no CSRF token
	wantPage(t, "unsubscribe without CSRF", res, page, 403)
	res, page = post(t, c, e.srv.URL+"/unsubscribe", url.Values{"csrf": {csrfOf(t, mustGet(t, c, leave))}, "t": {lt.Query().Get("t")}})
	wantPage(t, "unsubscribed", res, page, 200, `id="done"`)
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusUnsubscribed || s.UnsubscribedAt.IsZero() {
		t.Fatalf("after unsubscribing: %+v", s)
	}

	// The old confirmation link does not bring her back; signing up again
	// and confirming the new link does, with the categories of the new
	// sign-up.
	res, page = get(t, c, confirm)
	wantPage(t, "old confirm after leaving", res, page, 200, "أقدم من إلغائك")
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusUnsubscribed {
		t.Fatalf("an old confirmation link re-subscribed: %+v", s)
	}
	// The store stamps the unsubscription with the real clock; move the
	// service's clock well past it, however slowly this test ran.
	e.clock.Add(10 * time.Minute)
	signUp(t, e, c, url.Values{"email": {"Sara@example.org"}, "categories": {"اقتصاد"}})
	again := ""
	for _, m := range readOutbox(t, e.outbox) { // the one new confirmation link
		if l := linkIn(m.Text, "confirm"); l != "" && l != confirm {
			again = l
		}
	}
	res, page = confirmVia(t, c, e.srv.URL, again)
	wantPage(t, "rejoin", res, page, 200, "أهلًا بعودتك")
	if s := subscriber(t, e.st, "Sara@example.org"); s.Status != store.StatusConfirmed || !s.UnsubscribedAt.IsZero() ||
		strings.Join(s.Categories, ",") != "اقتصاد" {
		t.Fatalf("after rejoining: %+v", s)
	}

	// A month later her confirmation link is expired, confirmed as she is:
	// the page shows no link, and its button mails her the preferences link.
	e.clock.Add(30 * 24 * time.Hour)
	at, _ := url.Parse(again)
	res, page = get(t, c, again)
	wantPage(t, "expired confirm of a confirmed reader", res, page, 410, "انتهت صلاحية رابط التأكيد", `id="resend"`)
	if linkIn(page, "preferences") != "" || strings.Contains(page, "?t=") {
		t.Errorf("an expired confirmation link hands out a link:\n%s", page)
	}
	res, page = post(t, c, e.srv.URL+"/confirm", url.Values{"csrf": {csrfOf(t, page)}, "t": {at.Query().Get("t")}})
	wantPage(t, "expired confirm posted", res, page, 410, "انتهت صلاحية رابط التأكيد")
	before := len(readOutbox(t, e.outbox))
	res, page = post(t, c, e.srv.URL+"/confirm/resend", url.Values{"csrf": {csrfOf(t, page)}, "t": {at.Query().Get("t")}})
	wantPage(t, "new link asked for", res, page, 200, "أرسلنا رسالة جديدة")
	if linkIn(page, "preferences") != "" || linkIn(page, "confirm") != "" {
		t.Errorf("the resend page shows a link:\n%s", page)
	}
	mails = readOutbox(t, e.outbox)
	if len(mails) != before+1 {
		t.Fatalf("%d emails after asking for a new link, want %d", len(mails), before+1)
	}
	var prefsMail *testkit.Mail
	for i := range mails {
		if linkIn(mails[i].Text, "preferences") != "" {
			prefsMail = &mails[i]
		}
	}
	if prefsMail == nil || prefsMail.To() != "Sara@example.org" {
		t.Errorf("no preferences link mailed to Sara@example.org")
	}
}

// confirmVia opens a confirmation link and presses the page's button.
func confirmVia(t *testing.T, c *http.Client, base, link string) (*http.Response, string) {
	t.Helper()
	page := mustGet(t, c, link)
	if !strings.Contains(page, `id="confirm"`) {
		t.Fatalf("no confirm button behind %s:\n%s", link, page)
	}
	u, _ := url.Parse(link)
	return post(t, c, base+"/confirm", url.Values{"csrf": {csrfOf(t, page)}, "t": {u.Query().Get("t")}})
}

func mustGet(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	_, b := get(t, c, u)
	return b
}

// TestSignUpNoEnumeration: a new, a pending, a confirmed and an
// unsubscribed address get byte-identical answers.
func TestSignUpNoEnumeration(t *testing.T) {
	e := newSubEnv(t, 100)
	ctx := context.Background()
	for email, st := range map[string]store.Status{"on@example.org": store.StatusConfirmed, "left@example.org": store.StatusUnsubscribed, "wait@example.org": store.StatusPending} {
		if _, err := e.st.AddSubscriber(ctx, &store.Subscriber{Email: email, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	var first string
	for _, email := range []string{"new@example.org", "on@example.org", "left@example.org", "wait@example.org"} {
		c := client(t)
		res, page := signUp(t, e, c, url.Values{"email": {email}, "name": {"قارئ"}})
		got := fmt.Sprintf("%d %s %s", res.StatusCode, res.Request.URL.Path, page)
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s: answer differs:\n%s\nvs\n%s", email, got, first)
		}
	}
	if s := subscriber(t, e.st, "left@example.org"); s.Status != store.StatusUnsubscribed {
		t.Errorf("a sign-up re-subscribed without confirmation: %+v", s)
	}
	mails := readOutbox(t, e.outbox)
	if len(mails) != 4 {
		t.Fatalf("%d emails, want one per sign-up", len(mails))
	}
	for _, m := range mails {
		switch m.To() {
		case "on@example.org":
			if linkIn(m.Text, "preferences") == "" || linkIn(m.Text, "confirm") != "" {
				t.Errorf("already subscribed: want the preferences link:\n%s", m.Text)
			}
		default:
			if linkIn(m.Text, "confirm") == "" {
				t.Errorf("%s: no confirmation link:\n%s", m.To(), m.Text)
			}
		}
	}
}

// TestSignUpBadInput: every bad input gets an Arabic form again (400),
// stores nothing and sends nothing.
func TestSignUpBadInput(t *testing.T) {
	e := newSubEnv(t, 100)
	tests := []struct {
		name string
		form url.Values
		msg  string
	}{
		{"empty email", url.Values{"email": {""}}, "اكتب عنوان بريدك"},
		{"invalid email", url.Values{"email": {"not-an-address"}}, "عنوان البريد غير صالح"},
		{"two @", url.Values{"email": {"a@b@example.org"}}, "عنوان البريد غير صالح"},
		{"oversized email", url.Values{"email": {strings.Repeat("a", 300) + "@example.org"}}, "أطول من المسموح"},
		{"long local part", url.Values{"email": {strings.Repeat("a", 65) + "@example.org"}}, "عنوان البريد غير صالح"},
		{"CRLF in email", url.Values{"email": {"victim@example.org\r\nBcc: all@example.org"}}, "عنوان البريد غير صالح"},
		{"LF in email", url.Values{"email": {"victim@example.org\nSubject: spam"}}, "عنوان البريد غير صالح"},
		{"CRLF in name", url.Values{"email": {"ok@example.org"}, "name": {"سارة\r\nBcc: all@example.org"}}, "رموز غير مسموح بها"},
		{"bidi override in name", url.Values{"email": {"ok@example.org"}, "name": {"سارة\u202Egnp.exe"}}, "رموز غير مسموح بها"},
		{"long name", url.Values{"email": {"ok@example.org"}, "name": {strings.Repeat("س", 101)}}, "الاسم أطول"},
		{"link in name", url.Values{"email": {"ok@example.org"}, "name": {"Winner! claim at http://evil.example"}}, "من غير روابط"},
		{"address in name", url.Values{"email": {"ok@example.org"}, "name": {"Support Team <support@paypal.com>"}}, "من غير روابط"},
		{"unknown category", url.Values{"email": {"ok@example.org"}, "categories": {"اقتصاد", "x\r\nBcc: y@example.org"}}, "اختر الأقسام"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, page := signUp(t, e, client(t), tt.form)
			wantPage(t, tt.name, res, page, 400, tt.msg)
			if strings.Contains(page, "\r\nBcc") || strings.Contains(page, "<script") {
				t.Errorf("input echoed unescaped")
			}
		})
	}
	e.wantNothingDone(t, "bad input")
}

// TestSignUpCSRFAndBotTrap: no token, a token without its cookie, or a
// token for another browser's cookie give 403; a filled bot trap gets the
// usual answer and nothing happens.
func TestSignUpCSRFAndBotTrap(t *testing.T) {
	e := newSubEnv(t, 100)
	a, b := client(t), client(t)
	_, pageA := get(t, a, e.srv.URL+"/subscribe")
	get(t, b, e.srv.URL+"/subscribe")
	tokA := csrfOf(t, pageA)
	plain := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range []struct {
		name string
		c    *http.Client
		form url.Values
	}{
		{"no token", a, url.Values{"email": {"x@example.org"}}},
		{"token without cookie", plain, url.Values{"email": {"x@example.org"}, "csrf": {tokA}}},
		{"another browser's token", b, url.Values{"email": {"x@example.org"}, "csrf": {tokA}}},
		{"tampered token", a, url.Values{"email": {"x@example.org"}, "csrf": {tokA[:len(tokA)-2] + "AA"}}},
	} {
		res, page := post(t, tt.c, e.srv.URL+"/subscribe", tt.form)
		wantPage(t, tt.name, res, page, 403, "أعد تحميل الصفحة")
	}
	// A client that makes up its own cookie gets a form token for a new,
	// signed one: the made-up cookie with that token is refused.
	madeUp := &http.Cookie{Name: csrfCookie, Value: "attacker-chosen-nonce-0123456789"}
	req, _ := http.NewRequest("GET", e.srv.URL+"/subscribe", nil)
	req.AddCookie(madeUp)
	res, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	req, _ = http.NewRequest("POST", e.srv.URL+"/subscribe", strings.NewReader(url.Values{
		"email": {"x@example.org"}, "csrf": {csrfOf(t, string(body))}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(madeUp)
	if res, err = plain.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	wantPage(t, "made-up cookie", res, string(body), 403)

	e.clock.Add(3 * time.Hour) // the form's token expired
	res, page := post(t, a, e.srv.URL+"/subscribe", url.Values{"email": {"x@example.org"}, "csrf": {tokA}})
	wantPage(t, "expired form", res, page, 403)

	res, page = signUp(t, e, a, url.Values{"email": {"bot@example.org"}, "website": {"https://spam.example"}})
	wantPage(t, "bot trap", res, page, 200, "تحقّق من بريدك")
	e.wantNothingDone(t, "refused sign-ups and a filled bot trap")
}

// TestSignUpRateLimit: 50 sign-ups in a second from one address; all but
// the burst get 429 with an Arabic page.
func TestSignUpRateLimit(t *testing.T) {
	e := newSubEnv(t, 5)
	c := client(t)
	_, page := get(t, c, e.srv.URL+"/subscribe")
	tok := csrfOf(t, page)
	var mu sync.Mutex
	codes := map[int]int{}
	var tooMany string
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := post(t, c, e.srv.URL+"/subscribe", url.Values{"csrf": {tok}, "email": {fmt.Sprintf("r%d@example.org", i)}})
			mu.Lock()
			codes[res.StatusCode]++
			if res.StatusCode == 429 {
				tooMany = body
				if res.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("50 sign-ups in %v: %v", time.Since(start), codes)
	if codes[429] < 44 || codes[200] > 6 || codes[200]+codes[429] != 50 {
		t.Errorf("codes %v: want about 45 × 429", codes)
	}
	if !strings.Contains(tooMany, `dir="rtl"`) || !strings.Contains(tooMany, "طلبات كثيرة") {
		t.Errorf("429 page:\n%s", tooMany)
	}
}

// TestExpiredConfirmResend: a pending reader's expired confirmation link
// offers a new email; its confirmation link works. A tampered link gets
// nothing sent.
func TestExpiredConfirmResend(t *testing.T) {
	e := newSubEnv(t, 100)
	c := client(t)
	signUp(t, e, c, url.Values{"email": {"late@example.org"}})
	old := linkIn(readOutbox(t, e.outbox)[0].Text, "confirm")
	e.clock.Add(8 * 24 * time.Hour)
	res, page := get(t, c, old)
	wantPage(t, "expired confirm", res, page, 410, `id="resend"`)
	ot, _ := url.Parse(old)
	res, body := post(t, c, e.srv.URL+"/confirm/resend", url.Values{"csrf": {csrfOf(t, page)}, "t": {ot.Query().Get("t") + "A"}})
	wantPage(t, "tampered resend", res, body, 400, "هذا الرابط غير صالح")
	e.clock.Add(time.Second) // a message ID of its own
	res, body = post(t, c, e.srv.URL+"/confirm/resend", url.Values{"csrf": {csrfOf(t, page)}, "t": {ot.Query().Get("t")}})
	wantPage(t, "resend", res, body, 200, "أرسلنا رسالة جديدة")
	mails := readOutbox(t, e.outbox)
	if len(mails) != 2 {
		t.Fatalf("%d emails, want 2", len(mails))
	}
	var fresh string // the new email's link (both may bear the same time)
	for _, m := range mails {
		if l := linkIn(m.Text, "confirm"); l != old {
			fresh = l
		}
	}
	res, body = confirmVia(t, c, e.srv.URL, fresh)
	wantPage(t, "confirm the new link", res, body, 200, "تأكّد اشتراكك")
	if s := subscriber(t, e.st, "late@example.org"); s.Status != store.StatusConfirmed {
		t.Errorf("after the new link: %+v", s)
	}

	// A sign-up erased for being left unconfirmed: its link says to sign
	// up again.
	signUp(t, e, c, url.Values{"email": {"gone@example.org"}})
	var gone string
	for _, m := range readOutbox(t, e.outbox) {
		if m.To() == "gone@example.org" {
			gone = linkIn(m.Text, "confirm")
		}
	}
	e.clock.Add(8 * 24 * time.Hour)
	if n, err := e.svc.Purge(context.Background()); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	res, page = get(t, c, gone)
	wantPage(t, "erased sign-up", res, page, 400, "اشترك من جديد")
}

// TestSignUpRateLimitChargedLast: requests refused by the CSRF check or by
// validation do not use up the client's sign-ups; valid ones do.
func TestSignUpRateLimitChargedLast(t *testing.T) {
	e := newSubEnv(t, 2)
	c := client(t)
	_, page := get(t, c, e.srv.URL+"/subscribe")
	tok := csrfOf(t, page)
	for i := range 6 {
		res, body := post(t, http.DefaultClient, e.srv.URL+"/subscribe", url.Values{"email": {fmt.Sprintf("j%d@example.org", i)}})
		wantPage(t, "bare POST", res, body, 403)
	}
	for range 6 {
		res, body := post(t, c, e.srv.URL+"/subscribe", url.Values{"csrf": {tok}, "email": {"not-an-address"}})
		wantPage(t, "invalid sign-up", res, body, 400)
	}
	for i, want := range []int{200, 200, 429} {
		res, body := post(t, c, e.srv.URL+"/subscribe", url.Values{"csrf": {tok}, "email": {fmt.Sprintf("ok%d@example.org", i)}})
		wantPage(t, fmt.Sprintf("sign-up %d", i), res, body, want)
	}
}

// TestLinkTokens: tampered, expired, wrong-purpose and unknown tokens get
// Arabic pages, never a change.
func TestLinkTokens(t *testing.T) {
	e := newSubEnv(t, 100)
	ctx := context.Background()
	sub := &store.Subscriber{Email: "reader@example.org", Status: store.StatusConfirmed}
	if _, err := e.st.AddSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	links := e.svc.Links()
	unsub, prefs := links.Unsubscribe(sub, ""), links.Preferences(sub)
	tamper := func(u string) string {
		i := strings.LastIndex(u, "=") + 12
		ch := "A"
		if u[i] == 'A' {
			ch = "B"
		}
		return u[:i] + ch + u[i+1:]
	}
	c := client(t)
	for _, tt := range []struct {
		name, method, url string
		status            int
		msg               string
	}{
		{"tampered unsubscribe", "GET", tamper(unsub), 400, "هذا الرابط غير صالح"},
		{"tampered one-click", "ONECLICK", tamper(unsub), 400, "هذا الرابط غير صالح"},
		{"tampered preferences", "GET", tamper(prefs), 400, "هذا الرابط غير صالح"},
		{"truncated", "GET", unsub[:len(unsub)-5], 400, "هذا الرابط غير صالح"},
		{"no token", "GET", e.srv.URL + "/confirm", 400, "هذا الرابط غير صالح"},
		{"garbage", "GET", e.srv.URL + "/confirm?t=%00%0d%0a<script>", 400, "هذا الرابط غير صالح"},
		{"preferences token to unsubscribe", "ONECLICK", e.srv.URL + "/unsubscribe?" + strings.SplitN(prefs, "?", 2)[1], 400, "هذا الرابط غير صالح"},
		{"unsubscribe token to confirm", "GET", e.srv.URL + "/confirm?" + strings.SplitN(unsub, "?", 2)[1], 400, "هذا الرابط غير صالح"},
	} {
		var res *http.Response
		var page string
		if tt.method == "ONECLICK" {
			res, page = post(t, c, tt.url, url.Values{"List-Unsubscribe": {"One-Click"}})
		} else {
			res, page = get(t, c, tt.url)
		}
		wantPage(t, tt.name, res, page, tt.status, tt.msg)
	}
	e.clock.Add(8 * 24 * time.Hour) // past security.token_ttl
	res, page := get(t, c, prefs)
	wantPage(t, "expired preferences", res, page, 410, "انتهت صلاحية رابط الإعدادات")
	res, page = get(t, c, unsub) // unsubscribe links live a year
	wantPage(t, "week-old unsubscribe", res, page, 200, `id="unsubscribe"`)
	e.clock.Add(366 * 24 * time.Hour)
	res, page = post(t, c, unsub, url.Values{"List-Unsubscribe": {"One-Click"}})
	wantPage(t, "year-old one-click", res, page, 410, "انتهت صلاحية رابط إلغاء الاشتراك")
	if s := subscriber(t, e.st, "reader@example.org"); s.Status != store.StatusConfirmed {
		t.Fatalf("a bad link changed the record: %+v", s)
	}
	e.clock.Add(-370 * 24 * time.Hour)

	// RFC 8058: the one-click POST needs no cookie, no CSRF token, no page,
	// and comes as multipart/form-data (what RFC 8058 recommends, curl -F)
	// or urlencoded.
	var mp strings.Builder
	mw := multipart.NewWriter(&mp)
	mw.WriteField("List-Unsubscribe", "One-Click")
	mw.Close()
	for _, body := range []struct{ ct, body string }{
		{mw.FormDataContentType(), mp.String()},
		{"application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"},
	} {
		sub.Status = store.StatusConfirmed
		if err := e.st.UpdateSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(unsub, body.ct, strings.NewReader(body.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("one-click as %s: %d\n%s", body.ct, res.StatusCode, b)
		}
		if s := subscriber(t, e.st, "reader@example.org"); s.Status != store.StatusUnsubscribed {
			t.Fatalf("after one-click as %s: %+v", body.ct, s)
		}
	}
	// Elsewhere a multipart form is not a form: the CSRF-protected pages
	// read urlencoded bodies only.
	_, page = get(t, c, e.srv.URL+"/subscribe")
	mp.Reset()
	mw = multipart.NewWriter(&mp)
	mw.WriteField("csrf", csrfOf(t, page))
	mw.WriteField("email", "multi@example.org")
	mw.Close()
	res, err := c.Post(e.srv.URL+"/subscribe", mw.FormDataContentType(), strings.NewReader(mp.String()))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("multipart sign-up: %d, want 403", res.StatusCode)
	}
}

func TestClientAddr(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	lb := append(slices.Clone(loopback), netip.MustParsePrefix("10.0.0.0/8"))
	for _, tt := range []struct {
		remote, xff, want string
		trusted           []netip.Prefix
	}{
		{"192.0.2.7:4000", "", "192.0.2.7:4000", loopback},
		{"192.0.2.7:4000", "198.51.100.1", "192.0.2.7:4000", loopback}, // a remote peer cannot pick its bucket
		{"127.0.0.1:4000", "", "127.0.0.1:4000", loopback},
		{"127.0.0.1:4000", "198.51.100.1", "198.51.100.1", loopback},
		{"127.0.0.1:4000", "203.0.113.9, 198.51.100.1", "198.51.100.1", loopback}, // the proxy's own hop
		{"[::1]:4000", "2001:db8::5", "2001:db8::5", loopback},
		{"127.0.0.1:4000", "not-an-ip", "127.0.0.1:4000", loopback},
		// A load balancer on another host (10.0.0.0/8 trusted) in front of
		// a local proxy: skip both, take the first outside address.
		{"127.0.0.1:4000", "203.0.113.9, 198.51.100.1, 10.1.2.3", "198.51.100.1", lb},
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1", lb},
		{"10.1.2.3:4000", "198.51.100.1", "10.1.2.3:4000", loopback}, // not trusted by default
		{"127.0.0.1:4000", "10.9.9.9, 10.1.2.3", "10.9.9.9", lb},     // only proxies: the farthest
		{"127.0.0.1:4000", "junk, 10.1.2.3", "10.1.2.3", lb},
		// trusted_proxies: [] behind a local forwarder that does not append
		// the header: the header is never believed.
		{"127.0.0.1:4000", "198.51.100.1", "127.0.0.1:4000", []netip.Prefix{}},
	} {
		r, _ := http.NewRequest("POST", "/subscribe", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientAddr(r, tt.trusted); got != tt.want {
			t.Errorf("ClientAddr(%s, XFF %q, %v) = %q, want %q", tt.remote, tt.xff, tt.trusted, got, tt.want)
		}
	}
}
