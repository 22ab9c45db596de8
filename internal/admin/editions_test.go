package admin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
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
	b := s.browser()
	b.login("editor@example.com")
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
