package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

var twoNewsletters = []subscribe.Newsletter{
	{Slug: "daily", Name: "النشرة اليومية"},
	{Slug: "weekly", Name: "الحصاد الأسبوعي", Categories: []string{"اقتصاد", "رياضة"}},
}

// follows returns the newsletters subscriber id follows, "slug[cat,cat]",
// in slug order.
func follows(t *testing.T, st store.Store, id int64) string {
	t.Helper()
	subs, err := st.Subscriptions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range subs {
		if f.Status == store.Subscribed {
			parts = append(parts, f.Newsletter+"["+strings.Join(f.Categories, ",")+"]")
		}
	}
	return strings.Join(parts, " ")
}

// TestConsoleSubscriberNewsletters: with two newsletters the subscribers
// list names each one's newsletters and their categories, and an editor
// changes them on the subscriber's page (none ticked is refused in
// Arabic, and nothing changes); the audit log records the change.
func TestConsoleSubscriberNewsletters(t *testing.T) {
	s := newSite(t, twoNewsletters...)
	sub := &store.Subscriber{Email: "reem@example.org", Name: "ريم", Status: store.StatusConfirmed,
		Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly", Categories: []string{"رياضة"}}}}
	if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
		t.Fatal(err)
	}
	viewer := s.signedIn("viewer@example.com")
	_, page, _ := viewer.get("/admin/subscribers")
	if !strings.Contains(page, "النشرة اليومية؛ الحصاد الأسبوعي: رياضة") {
		t.Errorf("the subscribers list does not name the newsletters:\n%s", page)
	}
	editor := s.signedIn("editor@example.com")
	path := fmt.Sprintf("/admin/subscribers/%d", sub.ID)
	_, page, _ = editor.get(path)
	for _, want := range []string{`name="newsletters" value="weekly" checked`, `name="categories-weekly" value="رياضة" checked`, `id="follows"`} {
		if !strings.Contains(page, want) {
			t.Errorf("subscriber page lacks %s", want)
		}
	}
	code, _, h := editor.post(path, url.Values{"name": {"ريم"}, "newsletters-form": {"1"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "err=no-newsletter") {
		t.Errorf("no newsletter ticked: %d %s", code, h.Get("Location"))
	}
	_, page, _ = editor.get(h.Get("Location"))
	if !strings.Contains(page, "اختر نشرة واحدة على الأقل") {
		t.Errorf("no Arabic message for a form with no newsletter")
	}
	if got := follows(t, s.st, sub.ID); got != "daily[] weekly[رياضة]" {
		t.Errorf("a refused form changed the newsletters: %s", got)
	}
	code, _, h = editor.post(path, url.Values{"name": {"ريم س."}, "newsletters-form": {"1"},
		"newsletters": {"weekly"}, "categories-weekly": {"اقتصاد"}, "categories-daily": {"ثقافة"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=saved") {
		t.Fatalf("save: %d %s", code, h.Get("Location"))
	}
	if got := follows(t, s.st, sub.ID); got != "weekly[اقتصاد]" {
		t.Errorf("after saving: %s, want weekly[اقتصاد]", got)
	}
	if cur, _ := s.st.GetSubscriber(s.ctx, sub.ID); cur.Name != "ريم س." || cur.Status != store.StatusConfirmed {
		t.Errorf("after saving: %+v", cur)
	}
	entries, err := s.st.ListAudit(s.ctx, store.AuditQuery{Action: "subscriber.edit"})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "daily [all]; weekly [رياضة] → weekly [اقتصاد]") {
		t.Errorf("audit: %+v %v", entries, err)
	}
}

// TestAPISubscriberNewsletters: the API shows each subscriber's newsletters
// (GET one, GET the list, as the OpenAPI schema says), adds a subscriber
// to chosen ones, and PATCH replaces them; an unknown slug or category, or
// none, is 422 invalid_newsletters and changes nothing.
func TestAPISubscriberNewsletters(t *testing.T) {
	s := newSite(t, twoNewsletters...)
	doc := s.openAPIDoc()
	tok, _, err := s.auth.CreateToken(s.ctx, auth.Actor{Name: "test"}, "editor@example.com", "ed")
	if err != nil {
		t.Fatal(err)
	}
	code, added := s.apiCall(tok, "POST", "/api/v1/subscribers",
		`{"email": "omar@example.org", "confirmed": true, "newsletters": [{"newsletter": "weekly", "categories": ["رياضة"]}]}`)
	if code != http.StatusCreated {
		t.Fatalf("add: %d %v", code, added)
	}
	requireFields(t, doc, "Subscriber", added)
	id := int64(added["id"].(float64))
	if got := follows(t, s.st, id); got != "weekly[رياضة]" {
		t.Errorf("added subscriber follows %s", got)
	}
	path := fmt.Sprintf("/api/v1/subscribers/%d", id)
	for _, bad := range []string{
		`{"newsletters": []}`,
		`{"newsletters": [{"newsletter": "monthly"}]}`,
		`{"newsletters": [{"newsletter": "daily", "categories": ["طقس"]}]}`,
		`{"newsletters": [{"newsletter": "daily"}, {"newsletter": "daily"}]}`,
	} {
		code, out := s.apiCall(tok, "PATCH", path, bad)
		e, _ := out["error"].(map[string]any)
		if code != http.StatusUnprocessableEntity || e["code"] != "invalid_newsletters" {
			t.Errorf("PATCH %s: %d %v", bad, code, out)
		}
	}
	if got := follows(t, s.st, id); got != "weekly[رياضة]" {
		t.Errorf("refused PATCHes changed the newsletters: %s", got)
	}
	code, out := s.apiCall(tok, "PATCH", path, `{"newsletters": [{"newsletter": "daily"}, {"newsletter": "weekly", "categories": ["aqtsad"]}]}`)
	if code != http.StatusOK {
		t.Fatalf("PATCH: %d %v", code, out)
	}
	if got := fmt.Sprint(out["newsletters"]); got != "[map[categories:[] newsletter:daily] map[categories:[اقتصاد] newsletter:weekly]]" {
		t.Errorf("PATCH answer newsletters %s", got)
	}
	code, list := s.apiCall(tok, "GET", "/api/v1/subscribers?q=omar", "")
	data, _ := list["data"].([]any)
	if code != 200 || len(data) != 1 {
		t.Fatalf("list: %d %v", code, list)
	}
	one := data[0].(map[string]any)
	requireFields(t, doc, "Subscriber", one)
	if got := fmt.Sprint(one["newsletters"]); got != "[map[categories:[] newsletter:daily] map[categories:[اقتصاد] newsletter:weekly]]" {
		t.Errorf("list newsletters %s", got)
	}
}

// TestConsoleEditionsByNewsletter: with two newsletters the editions list
// is in send-time order, newest first, whatever the IDs ("weekly.…" sorts
// above every day by ID), each row naming its newsletter; ?newsletter=
// keeps one newsletter's editions, an unknown slug is a 404 in Arabic.
func TestConsoleEditionsByNewsletter(t *testing.T) {
	s := newSite(t, twoNewsletters...)
	at := func(day int) time.Time { return time.Date(2026, 3, day, 6, 0, 0, 0, time.UTC) }
	for _, e := range []store.Edition{
		{ID: "2026-03-10", SendAt: at(10)},
		{ID: "weekly.2026-03-06", Newsletter: "weekly", SendAt: at(6)},
		{ID: "2026-03-12", SendAt: at(12)},
		{ID: "weekly.2026-03-13", Newsletter: "weekly", SendAt: at(13)},
	} {
		if _, err := s.st.CreateEdition(s.ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	b := s.signedIn("viewer@example.com")
	rowRE := regexp.MustCompile(`<a href="/admin/editions/([^"]+)" dir="ltr">[^<]*</a></td>\s*<td class="nl"><bdi>([^<]*)</bdi>`)
	rows := func(path string) string {
		t.Helper()
		code, page, _ := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		var out []string
		for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
			if strings.HasPrefix(m[1], "2026-03") || strings.HasPrefix(m[1], "weekly.2026-03") {
				out = append(out, m[1]+" "+m[2])
			}
		}
		return strings.Join(out, "; ")
	}
	want := "weekly.2026-03-13 الحصاد الأسبوعي; 2026-03-12 النشرة اليومية; 2026-03-10 النشرة اليومية; weekly.2026-03-06 الحصاد الأسبوعي"
	if got := rows("/admin/editions"); got != want {
		t.Errorf("editions list:\n got %s\nwant %s", got, want)
	}
	if got := rows("/admin/editions?newsletter=weekly"); got != "weekly.2026-03-13 الحصاد الأسبوعي; weekly.2026-03-06 الحصاد الأسبوعي" {
		t.Errorf("weekly's editions: %s", got)
	}
	if got := rows("/admin/editions?newsletter=daily"); got != "2026-03-12 النشرة اليومية; 2026-03-10 النشرة اليومية" {
		t.Errorf("daily's editions: %s", got)
	}
	_, page, _ := b.get("/admin/editions?newsletter=weekly")
	for _, w := range []string{`<option value="">كل النشرات</option>`, `<option value="weekly" selected>الحصاد الأسبوعي</option>`} {
		if !strings.Contains(page, w) {
			t.Errorf("the filter lacks %s", w)
		}
	}
	if code, page, _ := b.get("/admin/editions?newsletter=monthly"); code != http.StatusNotFound || !strings.Contains(page, "لا نشرة بهذا الاسم") {
		t.Errorf("unknown newsletter: %d", code)
	}
}

// TestConsoleDashboardNewsletters: with two newsletters the dashboard
// lists each one's confirmed followers (a pending sign-up and one who
// left weekly are not counted) and its next edition, linked to the
// editions list filtered on it.
func TestConsoleDashboardNewsletters(t *testing.T) {
	s := newSite(t, twoNewsletters...)
	for _, sub := range []*store.Subscriber{
		{Email: "amal@example.org", Status: store.StatusConfirmed, Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly"}}},
		{Email: "omar@example.org", Status: store.StatusConfirmed, Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly"}}},
		{Email: "reem@example.org", Status: store.StatusConfirmed, Follow: []store.Subscription{{Newsletter: "daily"}}},
		{Email: "sara@example.org", Status: store.StatusPending, Follow: []store.Subscription{{Newsletter: "weekly"}}},
	} {
		if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
			t.Fatal(err)
		}
		if sub.Email == "omar@example.org" {
			if _, err := s.st.Unsubscribe(s.ctx, sub.ID, "weekly"); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := s.signedIn("viewer@example.com")
	_, page, _ := b.get("/admin/")
	rowRE := regexp.MustCompile(`<a href="/admin/editions\?newsletter=(\w+)"><bdi>([^<]+)</bdi></a></td><td class="n"[^>]*>(\d+)</td><td[^>]*><a href="/admin/editions/([^"]+)"`)
	var got []string
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		got = append(got, strings.Join(m[1:], " "))
	}
	daily, weekly := s.editions.NextDue(), ""
	if w, err := s.editions.For("weekly"); err == nil {
		weekly = w.NextDue()
	}
	want := "daily النشرة اليومية 3 " + daily + "; weekly الحصاد الأسبوعي 1 " + weekly
	if strings.Join(got, "; ") != want || !strings.HasPrefix(weekly, "weekly.") {
		t.Errorf("dashboard newsletters:\n got %s\nwant %s", strings.Join(got, "; "), want)
	}

	// GET /api/v1/newsletters gives the same rows, as documented.
	doc := s.openAPIDoc()
	code, out := s.apiCall(s.token("viewer@example.com", "desk"), "GET", "/api/v1/newsletters", "")
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/newsletters: %d %v", code, out)
	}
	got = nil
	for _, n := range asList(out["data"]) {
		n := n.(map[string]any)
		requireFields(t, doc, "Newsletter", n)
		got = append(got, fmt.Sprintf("%s %s %v %s", n["slug"], n["name"], n["followers"], n["next_edition"]))
	}
	if strings.Join(got, "; ") != want {
		t.Errorf("GET /api/v1/newsletters:\n got %s\nwant %s", strings.Join(got, "; "), want)
	}
}

// TestAPIEditionsPerNewsletter: the API lists every newsletter's editions
// in send-time order, or one newsletter's (?newsletter=), each naming its
// newsletter, answers for a weekly edition by its ID, and every ID it
// gives matches the {date}
// pattern of the OpenAPI document; an unknown newsletter is 400
// invalid_newsletter.
func TestAPIEditionsPerNewsletter(t *testing.T) {
	s := newSite(t, twoNewsletters...)
	doc := s.openAPIDoc()
	var pattern string
	for _, p := range asList(doc["paths"].(map[string]any)["/api/v1/editions/{date}"].(map[string]any)["get"].(map[string]any)["parameters"]) {
		if p := p.(map[string]any); p["name"] == "date" {
			pattern, _ = p["schema"].(map[string]any)["pattern"].(string)
		}
	}
	idRE, err := regexp.Compile(pattern)
	if err != nil || pattern == "" {
		t.Fatalf("the {date} parameter has no usable pattern %q: %v", pattern, err)
	}
	for _, e := range []store.Edition{
		{ID: "2026-03-12", SendAt: time.Date(2026, 3, 12, 6, 0, 0, 0, time.UTC)},
		{ID: "weekly.2026-03-06", Newsletter: "weekly", SendAt: time.Date(2026, 3, 6, 6, 0, 0, 0, time.UTC)},
		{ID: "weekly.2026-03-13", Newsletter: "weekly", SendAt: time.Date(2026, 3, 13, 6, 0, 0, 0, time.UTC)},
	} {
		if _, err := s.st.CreateEdition(s.ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	tok := s.token("viewer@example.com", "desk")
	ids := func(path string) string {
		t.Helper()
		code, out := s.apiCall(tok, "GET", path, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, code, out)
		}
		var got []string
		for _, e := range asList(out["data"]) {
			e := e.(map[string]any)
			requireFields(t, doc, "Edition", e)
			id := e["id"].(string)
			if !idRE.MatchString(id) {
				t.Errorf("edition ID %q does not match the documented pattern %s", id, pattern)
			}
			if want := map[bool]string{true: "weekly", false: "daily"}[strings.HasPrefix(id, "weekly.")]; e["newsletter"] != want {
				t.Errorf("edition %s: newsletter %v, want %s", id, e["newsletter"], want)
			}
			if strings.HasPrefix(id, "2026-03") || strings.HasPrefix(id, "weekly.2026-03") {
				got = append(got, id)
			}
		}
		return strings.Join(got, " ")
	}
	if got := ids("/api/v1/editions"); got != "weekly.2026-03-13 2026-03-12 weekly.2026-03-06" {
		t.Errorf("every newsletter's editions: %s", got)
	}
	if got := ids("/api/v1/editions?newsletter=weekly"); got != "weekly.2026-03-13 weekly.2026-03-06" {
		t.Errorf("weekly's editions: %s", got)
	}
	if code, out := s.apiCall(tok, "GET", "/api/v1/editions/weekly.2026-03-13", ""); code != http.StatusOK || out["id"] != "weekly.2026-03-13" || out["newsletter"] != "weekly" {
		t.Errorf("GET a weekly edition: %d %v", code, out)
	}
	code, out := s.apiCall(tok, "GET", "/api/v1/editions?newsletter=monthly", "")
	if e, _ := out["error"].(map[string]any); code != http.StatusBadRequest || e["code"] != "invalid_newsletter" {
		t.Errorf("an unknown newsletter: %d %v", code, out)
	}
}
