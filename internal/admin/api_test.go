package admin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// apiCall sends a JSON request with a token and decodes the answer.
func (s *site) apiCall(token, method, path, body string) (int, map[string]any) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			s.t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
	}
	return resp.StatusCode, out
}

// openAPIDoc fetches the served OpenAPI document.
func (s *site) openAPIDoc() map[string]any {
	code, doc := s.apiCall("", "GET", "/api/v1/openapi.json", "")
	if code != 200 || doc["openapi"] != "3.0.3" {
		s.t.Fatalf("openapi.json: %d %v", code, doc["openapi"])
	}
	return doc
}

// TestOpenAPIMatchesRouter: every API route is documented with its method
// and every documented operation is served; path parameters agree.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	doc := s.openAPIDoc()
	documented := map[string]bool{}
	for p, ops := range doc["paths"].(map[string]any) {
		for m := range ops.(map[string]any) {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range s.console.Routes() {
		if !r.API || r.Pattern == "/api/v1/" {
			continue // the catch-all 404
		}
		served[r.Method+" "+r.Pattern] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	param := regexp.MustCompile(`\{(\w+)\}`)
	for p, ops := range doc["paths"].(map[string]any) {
		want := param.FindAllStringSubmatch(p, -1)
		for m, op := range ops.(map[string]any) {
			var got []string
			for _, x := range asList(op.(map[string]any)["parameters"]) {
				if x.(map[string]any)["in"] == "path" {
					got = append(got, x.(map[string]any)["name"].(string))
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s %s documents path parameters %v", m, p, got)
			}
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// requireFields checks obj has every field the schema named requires.
func requireFields(t *testing.T, doc map[string]any, schema string, obj map[string]any) {
	t.Helper()
	sc := doc["components"].(map[string]any)["schemas"].(map[string]any)[schema].(map[string]any)
	for _, f := range asList(sc["required"]) {
		if _, ok := obj[f.(string)]; !ok {
			t.Errorf("%s answer lacks required field %q: %v", schema, f, obj)
		}
	}
	props := sc["properties"].(map[string]any)
	for k := range obj {
		if _, ok := props[k]; !ok {
			t.Errorf("%s answer has undocumented field %q", schema, k)
		}
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	doc := s.openAPIDoc()
	s.seed("نورة", "قمة المياه")
	tok := map[string]string{"viewer": s.token("viewer@example.com", "t-viewer"), "editor": s.token("editor@example.com", "t-editor")}
	for i := range 7 {
		if _, err := s.st.AddSubscriber(s.ctx, &store.Subscriber{Email: fmt.Sprintf("p%d@example.net", i), Status: store.StatusConfirmed}); err != nil {
			t.Fatal(err)
		}
	}
	// Cursor paging walks all 8 subscribers once, newest first.
	var seen []float64
	path := "/api/v1/subscribers?limit=3"
	for pages := 0; path != ""; pages++ {
		code, body := s.apiCall(tok["viewer"], "GET", path, "")
		if code != 200 || pages > 5 {
			t.Fatalf("GET %s: %d %v", path, code, body)
		}
		for _, x := range asList(body["data"]) {
			requireFields(t, doc, "Subscriber", x.(map[string]any))
			seen = append(seen, x.(map[string]any)["id"].(float64))
		}
		path = ""
		if c := body["next_cursor"].(string); c != "" {
			path = "/api/v1/subscribers?limit=3&cursor=" + c
		}
	}
	if len(seen) != 8 || seen[0] != 8 || seen[7] != 1 {
		t.Errorf("paged ids %v", seen)
	}
	code, body := s.apiCall(tok["viewer"], "GET", "/api/v1/subscribers?q=p3@", "")
	if code != 200 || len(asList(body["data"])) != 1 {
		t.Errorf("search: %d %v", code, body)
	}
	// Errors have one shape.
	for _, tc := range []struct {
		token, method, path, body string
		status                    int
		code                      string
	}{
		{"", "GET", "/api/v1/subscribers", "", 401, "unauthorized"},
		{tok["viewer"], "POST", "/api/v1/subscribers", `{"email":"a@example.com"}`, 403, "forbidden"},
		{tok["viewer"], "GET", "/api/v1/subscribers?limit=0", "", 400, "invalid_parameter"},
		{tok["viewer"], "GET", "/api/v1/subscribers?cursor=!!", "", 400, "invalid_cursor"},
		{tok["viewer"], "GET", "/api/v1/subscribers/999", "", 404, "not_found"},
		{tok["viewer"], "GET", "/api/v1/subscribers/x", "", 404, "not_found"},
		{tok["viewer"], "GET", "/api/v1/sources/x", "", 404, "not_found"},
		{tok["viewer"], "GET", "/api/v1/nothing", "", 404, "not_found"},
		{tok["editor"], "POST", "/api/v1/subscribers", `{"email":"not-an-address"}`, 422, "invalid_email"},
		{tok["editor"], "POST", "/api/v1/subscribers", `{"email":"a@example.com","admin":true}`, 400, "invalid_json"},
		{tok["editor"], "POST", "/api/v1/subscribers", `{"email":"p1@example.net"}`, 409, "exists"},
		{tok["editor"], "PATCH", "/api/v1/subscribers/2", `{"status":"confirmed"}`, 422, "invalid_status"},
	} {
		code, body := s.apiCall(tc.token, tc.method, tc.path, tc.body)
		e, _ := body["error"].(map[string]any)
		if code != tc.status || e == nil || e["code"] != tc.code || e["message"] == "" {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, code, body, tc.status, tc.code)
		}
	}
	code, body = s.apiCall(tok["editor"], "POST", "/api/v1/subscribers", `{"email":"Sara@Example.com","name":"سارة","categories":["رياضة"],"confirmed":true}`)
	if code != 201 || body["status"] != "confirmed" || body["name"] != "سارة" {
		t.Fatalf("add: %d %v", code, body)
	}
	requireFields(t, doc, "Subscriber", body)
	id := int(body["id"].(float64))
	code, body = s.apiCall(tok["editor"], "PATCH", fmt.Sprintf("/api/v1/subscribers/%d", id), `{"categories":["ثقافة","اقتصاد"],"paused":true}`)
	if code != 200 || fmt.Sprint(body["categories"]) != "[ثقافة اقتصاد]" || body["paused"] != true {
		t.Errorf("patch: %d %v", code, body)
	}
	if code, _ := s.apiCall(tok["editor"], "DELETE", fmt.Sprintf("/api/v1/subscribers/%d", id), ""); code != 204 {
		t.Errorf("erase: %d", code)
	}
	code, body = s.apiCall(tok["editor"], "POST", "/api/v1/subscribers", `{"email":"sara@example.com"}`)
	if code != 409 || body["error"].(map[string]any)["code"] != "erased" {
		t.Errorf("re-adding an erased address: %d %v", code, body)
	}
	code, body = s.apiCall(tok["viewer"], "GET", "/api/v1/articles/test-article", "")
	if code != 200 || body["title"] != "قمة المياه" {
		t.Errorf("article: %d %v", code, body)
	}
	requireFields(t, doc, "Article", body)
	code, body = s.apiCall(tok["editor"], "POST", "/api/v1/articles/test-article/unpublish", "")
	if code != 200 || body["unpublished"] != true {
		t.Errorf("unpublish: %d %v", code, body)
	}
	code, body = s.apiCall(tok["viewer"], "GET", "/api/v1/audit?action=subscriber.erase", "")
	if code != 200 || len(asList(body["data"])) != 1 {
		t.Fatalf("audit: %d %v", code, body)
	}
	entry := asList(body["data"])[0].(map[string]any)
	requireFields(t, doc, "AuditEntry", entry)
	if entry["actor"] != "editor@example.com (token t-editor)" || strings.Contains(fmt.Sprint(entry), "sara") {
		t.Errorf("audit entry %v (names the token, never the erased address)", entry)
	}
}

// TestAPIUsersAndTokens: an admin's token manages users and tokens; a new
// token is shown once, works, is never listed, and stops on revoke; the
// last admin cannot be demoted.
func TestAPIUsersAndTokens(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	adm := s.token("admin@example.com", "root")
	code, u := s.apiCall(adm, "POST", "/api/v1/users", `{"email":"Sara@Example.org","name":"سارة","role":"editor","password":"كلمة-سر-سارة-الطويلة"}`)
	if code != 201 || u["email"] != "sara@example.org" || u["role"] != "editor" {
		t.Fatalf("add user: %d %v", code, u)
	}
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"email":"x@example.org","role":"root","password":"long-enough-pw"}`, 422},
		{`{"email":"x@example.org","role":"viewer","password":"short"}`, 422},
		{`{"email":"sara@example.org","role":"viewer","password":"long-enough-pw"}`, 409},
	} {
		if code, out := s.apiCall(adm, "POST", "/api/v1/users", tc.body); code != tc.code {
			t.Errorf("add %s: %d %v, want %d", tc.body, code, out, tc.code)
		}
	}
	if code, out := s.apiCall(adm, "PATCH", "/api/v1/users/1", `{"role":"viewer"}`); code != 409 {
		t.Errorf("demoting the only admin: %d %v", code, out)
	}
	code, tok := s.apiCall(adm, "POST", "/api/v1/tokens", `{"user":"sara@example.org","name":"sara-script"}`)
	secret, _ := tok["token"].(string)
	if code != 201 || !strings.HasPrefix(secret, "nashra_") {
		t.Fatalf("create token: %d %v", code, tok)
	}
	if code, _ := s.apiCall(secret, "GET", "/api/v1/subscribers", ""); code != 200 {
		t.Errorf("new token: %d", code)
	}
	code, list := s.apiCall(adm, "GET", "/api/v1/tokens", "")
	if code != 200 || strings.Contains(fmt.Sprint(list), secret[7:]) || len(asList(list["data"])) != 2 {
		t.Errorf("tokens list: %d %v", code, list)
	}
	if code, _ := s.apiCall(adm, "DELETE", "/api/v1/tokens/sara-script", ""); code != 204 {
		t.Errorf("revoke: %d", code)
	}
	if code, _ := s.apiCall(secret, "GET", "/api/v1/subscribers", ""); code != 401 {
		t.Errorf("revoked token: %d", code)
	}
	if code, _ := s.apiCall(adm, "DELETE", fmt.Sprintf("/api/v1/users/%v", u["id"]), ""); code != 204 {
		t.Errorf("remove user: %d", code)
	}
}
