package admin_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestConsoleImportRefusesUnknownCategories: a CSV uploaded in the console
// is held to the same categories as the command line: names or slugs of
// known ones, any other row rejected with the valid list.
func TestConsoleImportRefusesUnknownCategories(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	b.login("editor@example.com")
	b.get("/admin/subscribers")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", "list.csv")
	io.WriteString(fw, "email,categories\nnoura@example.org,اقتصاد\nsaad@example.org,sprots\n")
	mw.Close()
	req, _ := http.NewRequest("POST", s.srv.URL+"/admin/subscribers/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `unknown category &#34;sprots&#34;`) && !strings.Contains(string(page), `unknown category "sprots"`) {
		t.Errorf("import page does not report the unknown category (%d):\n%s", resp.StatusCode, page)
	}
	if _, err := s.st.SubscriberByEmail(context.Background(), "saad@example.org"); err == nil {
		t.Error("the row with an unknown category was imported")
	}
	if _, err := s.st.SubscriberByEmail(context.Background(), "noura@example.org"); err != nil {
		t.Errorf("the good row: %v", err)
	}
}
