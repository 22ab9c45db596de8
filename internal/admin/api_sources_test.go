package admin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// feedOrigin serves, until the test ends, an RSS feed of one Arabic item:
// title and description given, link https://news.example/N, guid n-N.
func feedOrigin(t *testing.T, n int, title, description string) *httptest.Server {
	feed := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>صحيفة</title><link>https://news.example/</link><description>x</description>
<item><title>%s</title><link>https://news.example/%d</link><guid>n-%d</guid><pubDate>Tue, 01 Dec 2026 06:30:00 +0300</pubDate>
<description>%s</description></item></channel></rss>`, title, n, n, description)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, feed)
	}))
	t.Cleanup(origin.Close)
	return origin
}

// TestAPISources: editors add, fetch and remove sources through the API,
// viewers read them; each change is in the audit log.
func TestAPISources(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	origin := feedOrigin(t, 1, "البنك المركزي يرفع الفائدة", "قرر البنك المركزي رفع سعر الفائدة ربع نقطة.")
	tok := map[string]string{"viewer": s.token("viewer@example.com", "t-viewer"), "editor": s.token("editor@example.com", "t-editor")}
	body := fmt.Sprintf(`{"url": %q, "name": "صحيفة المثال", "category": "اقتصاد"}`, origin.URL+"/rss.xml")
	if code, _ := s.apiCall(tok["viewer"], "POST", "/api/v1/sources", body); code != http.StatusForbidden {
		t.Errorf("viewer adds a source: %d, want 403", code)
	}
	if code, out := s.apiCall(tok["editor"], "POST", "/api/v1/sources", `{"url": "file:///etc/passwd"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("file: URL: %d %v, want 422", code, out)
	}
	code, src := s.apiCall(tok["editor"], "POST", "/api/v1/sources", body)
	if code != http.StatusCreated || src["status"] != "new" || src["name"] != "صحيفة المثال" {
		t.Fatalf("add: %d %v", code, src)
	}
	if _, leak := src["hub_secret"]; leak {
		t.Error("the WebSub secret is shown")
	}
	if code, _ := s.apiCall(tok["editor"], "POST", "/api/v1/sources", body); code != http.StatusOK {
		t.Errorf("adding the same URL again: %d, want 200", code)
	}
	id := fmt.Sprint(src["id"])
	code, res := s.apiCall(tok["editor"], "POST", "/api/v1/sources/"+id+"/fetch", "")
	if code != http.StatusOK || res["new"] != float64(1) {
		t.Fatalf("fetch: %d %v", code, res)
	}
	if a, err := s.st.ListArticles(s.ctx, store.ArticleQuery{}); err != nil || len(a) != 1 || a[0].Category != "اقتصاد" {
		t.Errorf("articles after the fetch: %v, %v", a, err)
	}
	code, list := s.apiCall(tok["viewer"], "GET", "/api/v1/sources", "")
	data, _ := list["data"].([]any)
	if code != http.StatusOK || len(data) != 1 || data[0].(map[string]any)["status"] != "ok" || data[0].(map[string]any)["items"] != float64(1) {
		t.Errorf("list: %d %v", code, list)
	}
	if code, _ := s.apiCall(tok["viewer"], "DELETE", "/api/v1/sources/"+id, ""); code != http.StatusForbidden {
		t.Errorf("viewer removes: %d, want 403", code)
	}
	if code, _ := s.apiCall(tok["editor"], "DELETE", "/api/v1/sources/"+id, ""); code != http.StatusNoContent {
		t.Errorf("remove: %d, want 204", code)
	}
	if code, _ := s.apiCall(tok["viewer"], "GET", "/api/v1/sources/"+id, ""); code != http.StatusNotFound {
		t.Errorf("removed source: %d, want 404", code)
	}
	entries, err := s.st.ListAudit(s.ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	for _, a := range []string{"source.add", "source.fetch", "source.remove"} {
		if !seen[a] {
			t.Errorf("audit log lacks %s", a)
		}
	}
}

// TestConsoleSources: an editor adds, fetches and removes a source on the
// sources page (Arabic, with the status and the article count); a viewer
// sees the list without the forms and cannot post them.
func TestConsoleSources(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	origin := feedOrigin(t, 2, "افتتاح معرض الكتاب", "افتتح اليوم معرض الكتاب الدولي بمشاركة واسعة.")
	ed := s.signedIn("editor@example.com")
	if code, _, _ := ed.get("/admin/sources"); code != http.StatusOK {
		t.Fatalf("sources page: %d", code)
	}
	code, _, h := ed.post("/admin/sources", url.Values{"url": {"javascript:alert(1)"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "err=source-url") {
		t.Errorf("bad URL: %d %s", code, h.Get("Location"))
	}
	code, _, h = ed.post("/admin/sources", url.Values{"url": {origin.URL + "/rss.xml"}, "name": {"صحيفة المثال"}, "category": {"ثقافة"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=source-added") {
		t.Fatalf("add: %d %s", code, h.Get("Location"))
	}
	_, body, _ := ed.get("/admin/sources?ok=source-added")
	if !strings.Contains(body, "صحيفة المثال") || !strings.Contains(body, "لم يُجلب بعد") || !strings.Contains(body, "أُضيف المصدر") {
		t.Errorf("page after add lacks the source, its status or the message:\n%s", body)
	}
	list, _ := s.st.ListSources(s.ctx)
	if len(list) != 1 {
		t.Fatalf("%d sources stored", len(list))
	}
	id := fmt.Sprint(list[0].ID)
	code, _, h = ed.post("/admin/sources/fetch", url.Values{"id": {id}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=source-fetched") {
		t.Fatalf("fetch: %d %s", code, h.Get("Location"))
	}
	_, body, _ = ed.get("/admin/sources")
	if !strings.Contains(body, ">يعمل<") || !strings.Contains(body, `data-label="المقالات">١</td>`) {
		t.Errorf("page after fetch lacks the ok status or the count of one article:\n%s", body)
	}

	vw := s.signedIn("viewer@example.com")
	_, body, _ = vw.get("/admin/sources")
	if !strings.Contains(body, "صحيفة المثال") || strings.Contains(body, "/admin/sources/remove") {
		t.Errorf("viewer's page: want the list without the forms")
	}
	if code, _, _ := vw.post("/admin/sources/remove", url.Values{"id": {id}}); code != http.StatusForbidden {
		t.Errorf("viewer removes: %d, want 403", code)
	}
	for _, bad := range []string{"", "x", "99999999999999999999", "424242"} {
		code, _, h = ed.post("/admin/sources/remove", url.Values{"id": {bad}})
		if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "err=invalid") {
			t.Errorf("remove id %q: %d %s, want a redirect with err=invalid", bad, code, h.Get("Location"))
		}
	}
	code, _, h = ed.post("/admin/sources/remove", url.Values{"id": {id}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=source-removed") {
		t.Errorf("remove: %d %s", code, h.Get("Location"))
	}
	if list, _ := s.st.ListSources(s.ctx); len(list) != 0 {
		t.Errorf("%d sources after remove", len(list))
	}
}
