package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

// TestEditionPages drives the edition service through the console and the
// API: the upcoming edition is listed, held, approved (audited with the
// editor's name), a wrong move is refused with the state named, and the
// progress JSON the page's script polls answers.
func TestEditionPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.seedNewsroom()
	day := s.editions.NextDue()
	b := s.signedIn("editor@example.com")
	code, body, _ := b.get("/admin/editions")
	if code != 200 || !strings.Contains(body, day) {
		t.Fatalf("editions list: %d, lacks %s", code, day)
	}
	code, body, _ = b.get("/admin/editions/" + day)
	if code != 200 || !strings.Contains(body, `action="/admin/editions/`+day+`/hold"`) || !strings.Contains(body, "/admin/static/progress.js") {
		t.Fatalf("edition page: %d\n%s", code, body)
	}
	if code, _, h := b.post("/admin/editions/"+day+"/hold", nil); code != 303 || !strings.Contains(h.Get("Location"), "ok=edition-hold") {
		t.Fatalf("hold: %d %s", code, h.Get("Location"))
	}
	if code, _, h := b.post("/admin/editions/"+day+"/pause", nil); code != 303 || !strings.Contains(h.Get("Location"), "err=edition-state") {
		t.Errorf("pausing a held edition: %d %s", code, h.Get("Location"))
	}
	if _, body, _ := b.get("/admin/editions/" + day + "?err=edition-state"); !strings.Contains(body, "لا يمكن ذلك في حالة الإصدار الحالية.") {
		t.Error("the refusal is not shown")
	}
	resp, err := b.c.Get(s.srv.URL + "/admin/editions/" + day + "/progress.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if p["state"] != "held" || p["id"] != day {
		t.Errorf("progress.json: %v", p)
	}
	tok := s.token("editor@example.com", "desk")
	code, out := s.apiCall(tok, "POST", "/api/v1/editions/"+day+"/approve", "")
	if code != 200 || out["state"] != "approved" {
		t.Errorf("API approve: %d %v", code, out)
	}
	code, out = s.apiCall(tok, "POST", "/api/v1/editions/"+day+"/resume", "")
	if e, _ := out["error"].(map[string]any); code != 409 || e["code"] != "edition_state" {
		t.Errorf("API resume of an approved edition: %d %v", code, out)
	}
	code, out = s.apiCall(tok, "GET", "/api/v1/editions/not-a-day", "")
	if code != 400 {
		t.Errorf("API bad date: %d %v", code, out)
	}
	es, _ := s.st.ListAudit(s.ctx, store.AuditQuery{Target: day})
	var acts []string
	for _, e := range es {
		acts = append(acts, e.Actor+" "+e.Action)
	}
	joined := strings.Join(acts, "; ")
	if !strings.Contains(joined, "editor@example.com (token desk) edition.approve") || !strings.Contains(joined, "editor@example.com edition.hold") {
		t.Errorf("audit of the edition: %s", joined)
	}
	// The preview may be framed by the console only and runs no script;
	// a test copy of an edition with content lands in the outbox, and one
	// without content is refused on the page.
	resp, err = b.c.Get(s.srv.URL + "/admin/editions/" + day + "/preview")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, _, h := b.post("/admin/editions/"+day+"/test", url.Values{"to": {"desk@example.com"}})
	files, _ := os.ReadDir(s.outbox)
	if resp.StatusCode == http.StatusOK {
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "script-src") {
			t.Errorf("preview CSP %q", csp)
		}
		if !strings.Contains(h.Get("Location"), "ok=tested") || len(files) != 1 {
			t.Errorf("test send: %s, %d files in the outbox", h.Get("Location"), len(files))
		}
	} else if !strings.Contains(h.Get("Location"), "err=") || len(files) != 0 {
		t.Errorf("test send of an edition without content: %s, %d files", h.Get("Location"), len(files))
	}
}

// lateEdition readies the console's edition service to send an edition
// whose 06:00 UTC send time passed less than a day ago: an article in its
// window, that many confirmed readers, and a River queue (workers started)
// on the same SQLite file. It returns the edition's day.
func (s *site) lateEdition(readers int) string {
	s.t.Helper()
	return s.lateEditionOf(s.editions.LastDue(), readers)
}

// lateEditionOf is lateEdition for the edition of day.
func (s *site) lateEditionOf(day string, readers int) string {
	t := s.t
	t.Helper()
	cut, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	cut = cut.Add(6 * time.Hour)
	if _, _, err := s.st.UpsertArticle(s.ctx, &article.Article{Key: "file:late", Slug: "late", Title: "خبر الصباح المتأخر",
		Category: "اقتصاد", Summary: "ملخص الخبر", Published: cut.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for i := range readers {
		if _, err := s.st.AddSubscriber(s.ctx, &store.Subscriber{Email: fmt.Sprintf("reader%d@example.org", i),
			Name: "قارئ", Status: store.StatusConfirmed}); err != nil {
			t.Fatal(err)
		}
	}
	if err := delivery.Migrate(s.ctx, "sqlite", s.st.DB()); err != nil {
		t.Fatal(err)
	}
	q, err := delivery.NewQueue(s.st.DB(), s.dv, delivery.QueueOptions{Driver: "sqlite", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(s.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	s.editions.WithQueue(q)
	return day
}

// oldEdition is lateEditionOf the edition two days before the last one
// due: more than a day late, old news that send now refuses unless forced.
func (s *site) oldEdition(readers int) string {
	s.t.Helper()
	last, err := time.Parse(time.DateOnly, s.editions.LastDue())
	if err != nil {
		s.t.Fatal(err)
	}
	return s.lateEditionOf(last.AddDate(0, 0, -2).Format(time.DateOnly), readers)
}

// approveLate signs an editor in and approves the edition of day, past
// its send time, on its console page (the answer says it is late); it
// returns the editor's browser.
func (s *site) approveLate(day string) *browser {
	s.t.Helper()
	b := s.signedIn("editor@example.com")
	b.get("/admin/editions/" + day)
	if code, _, h := b.post("/admin/editions/"+day+"/approve", nil); code != 303 || !strings.Contains(h.Get("Location"), "ok=edition-approve-late") {
		s.t.Fatalf("approve the late edition of %s: %d %s", day, code, h.Get("Location"))
	}
	return b
}

// outboxLen is the number of messages in the site's file outbox.
func (s *site) outboxLen() int {
	ems, _ := filepath.Glob(filepath.Join(s.outbox, "*.eml"))
	return len(ems)
}

// waitOutbox waits, 30 s at most, until the outbox holds n messages: an
// edition sent to each of n readers.
func (s *site) waitOutbox(t *testing.T, n int) {
	t.Helper()
	testkit.WaitFor(t, 30*time.Second, "every reader got the edition", func() bool { return s.outboxLen() == n })
}

// TestEditionSendNow: an edition approved after its send time is not sent
// by the scheduler; its page says so and offers "send now" to editors,
// which sends it through the delivery queue (River on the same SQLite
// file, the file transport): each confirmed reader gets it once, the
// editor is in the audit log, and pressing it again, on the page or in
// the API, is refused with the state named.
func TestEditionSendNow(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const readers = 5
	day := s.lateEdition(readers)

	v := s.signedIn("viewer@example.com")
	if code, _, _ := v.post("/admin/editions/"+day+"/send", nil); code != http.StatusForbidden {
		t.Errorf("a viewer's send now: %d, want 403", code)
	}
	b := s.approveLate(day)
	_, body, _ := b.get("/admin/editions/" + day + "?ok=edition-approve-late")
	if !strings.Contains(body, "فات موعده") || !strings.Contains(body, `action="/admin/editions/`+day+`/send"`) || !strings.Contains(body, "أرسِل الآن") ||
		!strings.Contains(body, "لن يُرسل وحده") {
		t.Fatalf("the late approved edition's page offers no send now:\n%s", body)
	}
	if code, _, h := b.post("/admin/editions/"+day+"/send", nil); code != 303 || !strings.Contains(h.Get("Location"), "ok=edition-send") {
		t.Fatalf("send now: %d %s", code, h.Get("Location"))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sum, err := s.editions.Get(s.ctx, day)
		if err == nil && sum.State == store.EditionSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not sent in 30s: %+v %v", sum, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.outboxLen(); n != readers {
		t.Errorf("%d messages in the outbox, want %d", n, readers)
	}
	_, body, _ = b.get("/admin/editions/" + day)
	if strings.Contains(body, `action="/admin/editions/`+day+`/send"`) {
		t.Error("a sent edition still offers send now")
	}
	if code, _, h := b.post("/admin/editions/"+day+"/send", nil); code != 303 || !strings.Contains(h.Get("Location"), "err=edition-state") {
		t.Errorf("send now again: %d %s", code, h.Get("Location"))
	}
	code, out := s.apiCall(s.token("editor@example.com", "desk"), "POST", "/api/v1/editions/"+day+"/send", "")
	if e, _ := out["error"].(map[string]any); code != 409 || e["code"] != "edition_state" {
		t.Errorf("API send of a sent edition: %d %v", code, out)
	}
	time.Sleep(300 * time.Millisecond)
	if n := s.outboxLen(); n != readers {
		t.Errorf("%d messages in the outbox after sending again, want %d", n, readers)
	}
	es, _ := s.st.ListAudit(s.ctx, store.AuditQuery{Target: day, Action: "edition.send"})
	if len(es) != 1 || es[0].Actor != "editor@example.com" {
		t.Errorf("audit of the send: %+v", es)
	}
}

// editorInChromium starts a headless Chromium of width×height and signs
// the editor in on the console's login page.
func (s *site) editorInChromium(t *testing.T, width, height int) *testkit.Browser {
	t.Helper()
	b := testkit.NewBrowser(t, width, height, 2*time.Minute)
	b.Do(chromedp.Navigate(s.srv.URL+"/admin/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "editor@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(".stats")))
	return b
}

// TestEditionSendNowInChromium: at desktop and phone width the page of an
// edition approved after its send time reads right-to-left, fits the
// window and shows «أرسِل الآن» beside its late mark; pressing it starts
// the edition (the flash says so) and every reader gets it once. With
// -screenshots it writes testdata/screenshots/edition-late-phone.png.
func TestEditionSendNowInChromium(t *testing.T) {
	t.Parallel()
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 860}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			s := newSite(t)
			const readers = 3
			day := s.lateEdition(readers)
			if _, err := s.editions.Approve(s.ctx, edition.Actor{Name: "editor@example.com"}, day); err != nil {
				t.Fatal(err)
			}
			b := s.editorInChromium(t, size.width, size.height)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			b.Do(chromedp.EmulateViewport(int64(size.width), int64(size.height)),
				chromedp.Navigate(s.srv.URL+"/admin/editions/"+day),
				chromedp.WaitVisible(css(`form[action$="/send"] button`)))
			type probe struct {
				Dir             string
				Overflow, Shown bool
				Button          string
			}
			p := testkit.Eval[probe](b, `(() => {
				const b = document.querySelector('form[action$="/send"] button'), r = b.getBoundingClientRect();
				return {Dir: getComputedStyle(document.body).direction,
					Overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
					Shown: r.width > 0 && r.left >= 0 && r.right <= window.innerWidth,
					Button: b.textContent.trim()};
			})()`)
			if p.Dir != "rtl" || p.Overflow || !p.Shown || p.Button != "أرسِل الآن" {
				t.Errorf("the late edition's page at %d px: %+v", size.width, p)
			}
			if *screenshots && size.name == "phone" {
				b.Shot(filepath.Join("testdata", "screenshots", "edition-late-"+size.name+".png"))
			}
			b.Do(chromedp.Click(css(`form[action$="/send"] button`)),
				chromedp.WaitVisible(css(`#state.e-sending, #state.e-sent`)))
			if body := b.Text("body"); !strings.Contains(body, "بدأ إرسال الإصدار الآن") {
				t.Errorf("no flash after send now:\n%.800s", body)
			}
			s.waitOutbox(t, readers)
		})
	}
}

// TestEditionSendNowNothingNew: "send now" of a late edition whose window
// has no published article is refused with that reason, and nothing is
// recorded as sent.
func TestEditionSendNowNothingNew(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	day := s.lateEdition(2)
	if err := s.edits.Unpublish(s.ctx, "late"); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("editor@example.com")
	b.get("/admin/editions/" + day)
	if code, _, h := b.post("/admin/editions/"+day+"/send", nil); code != 303 || !strings.Contains(h.Get("Location"), "err=edition-empty") {
		t.Fatalf("send now with nothing new: %d %s", code, h.Get("Location"))
	}
	if _, body, _ := b.get("/admin/editions/" + day + "?err=edition-empty"); !strings.Contains(body, "لا مقالات جديدة في نافذة هذا الإصدار") {
		t.Error("the reason is not shown")
	}
	if es, _ := s.st.ListAudit(s.ctx, store.AuditQuery{Target: day, Action: "edition.send"}); len(es) != 0 {
		t.Errorf("a refused send was audited: %+v", es)
	}
}

// TestAPISendNowForce: the API's send now of an edition more than a day
// late is refused (400, old news) unless ?force=true, as `digest send
// --force`; forced, it goes out to every reader once.
func TestAPISendNowForce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const readers = 2
	day := s.oldEdition(readers)
	tok := s.token("editor@example.com", "desk")
	if code, out := s.apiCall(tok, "POST", "/api/v1/editions/"+day+"/approve", ""); code != 200 || out["late"] != true {
		t.Fatalf("approve: %d %v", code, out)
	}
	code, out := s.apiCall(tok, "POST", "/api/v1/editions/"+day+"/send", "")
	if e, _ := out["error"].(map[string]any); code != 400 || e["code"] != "invalid_date" || !strings.Contains(e["message"].(string), "more than a day ago") {
		t.Fatalf("send of an edition two days late: %d %v", code, out)
	}
	if code, out := s.apiCall(tok, "POST", "/api/v1/editions/"+day+"/send?force=true", ""); code != 200 || out["state"] != "sending" {
		t.Fatalf("forced send: %d %v", code, out)
	}
	s.waitOutbox(t, readers)
}

// TestConsoleSendNowForce: on the console, send now of an edition more
// than a day late is refused with the reason and a confirmation form; the
// confirmed form (force) sends it to every reader once, and is audited.
func TestConsoleSendNowForce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const readers = 3
	day := s.oldEdition(readers)
	b := s.approveLate(day)
	_, page, _ := b.get("/admin/editions/" + day)
	if strings.Contains(page, `id="old-news"`) {
		t.Error("the confirmation form is offered before any refusal")
	}
	code, _, h := b.post("/admin/editions/"+day+"/send", nil)
	if code != 303 || !strings.Contains(h.Get("Location"), "err=edition-send-date") {
		t.Fatalf("send now of an edition two days late: %d %s", code, h.Get("Location"))
	}
	_, page, _ = b.get(h.Get("Location"))
	if !strings.Contains(page, "يوصل أخبارًا قديمة") || !strings.Contains(page, `id="old-news"`) || !strings.Contains(page, `name="force" value="true"`) {
		t.Fatalf("the refusal does not offer to send anyway:\n%s", page)
	}
	if n := s.outboxLen(); n != 0 {
		t.Fatalf("the refused send wrote %d messages", n)
	}
	code, _, h = b.post("/admin/editions/"+day+"/send", url.Values{"force": {"true"}, "confirm": {"on"}})
	if code != 303 || !strings.Contains(h.Get("Location"), "ok=edition-send") {
		t.Fatalf("forced send: %d %s", code, h.Get("Location"))
	}
	s.waitOutbox(t, readers)
	if es, _ := s.st.ListAudit(s.ctx, store.AuditQuery{Target: day, Action: "edition.send"}); len(es) != 1 {
		t.Errorf("the forced send is audited %d times, want once: %+v", len(es), es)
	}
	if _, page, _ = b.get("/admin/editions/" + day + "?err=edition-send-date"); strings.Contains(page, `id="old-news"`) {
		t.Error("the confirmation form is still offered once the edition is sending")
	}
}

// TestSendOldNewsInChromium: at phone width, the refusal of an edition
// more than a day late shows its confirmation form on the page; its
// button does nothing until the box is ticked, then the edition goes out.
// With -screenshots it writes testdata/screenshots/edition-old-news-phone.png.
func TestSendOldNewsInChromium(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const readers = 2
	day := s.oldEdition(readers)
	if _, err := s.editions.Approve(s.ctx, edition.Actor{Name: "editor@example.com"}, day); err != nil {
		t.Fatal(err)
	}
	b := s.editorInChromium(t, 390, 844)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.Do(chromedp.Navigate(s.srv.URL+"/admin/editions/"+day),
		chromedp.Click(css(`form.inline[action$="/send"] button`)),
		chromedp.WaitVisible(css(`#old-news button`)))
	type probe struct {
		Overflow, Valid bool
		Flash           string
	}
	p := testkit.Eval[probe](b, `({Overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
		Valid: document.querySelector('#old-news').checkValidity(), Flash: document.querySelector('.flash').textContent})`)
	if p.Overflow || p.Valid || !strings.Contains(p.Flash, "أخبارًا قديمة") {
		t.Errorf("the refusal at 390 px: %+v (want no sideways scroll, the form invalid until ticked, the reason)", p)
	}
	if *screenshots {
		b.Shot(filepath.Join("testdata", "screenshots", "edition-old-news-phone.png"))
	}
	// Not ticked: the browser keeps the form. The page is marked first so
	// that a submission (a new page) shows, given the time to happen.
	testkit.Eval[bool](b, `window.keptPage = true`)
	b.Do(chromedp.Click(css(`#old-news button`)), chromedp.Sleep(time.Second))
	if kept := testkit.Eval[bool](b, `window.keptPage === true`); !kept || s.outboxLen() != 0 {
		t.Fatalf("the unticked form was submitted (page kept %v, %d messages)", kept, s.outboxLen())
	}
	b.Do(chromedp.Click(css(`#old-news input[name=confirm]`)), chromedp.Click(css(`#old-news button`)),
		chromedp.WaitVisible(css(`#state.e-sending, #state.e-sent`)))
	s.waitOutbox(t, readers)
}
