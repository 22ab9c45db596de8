package main

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

// TestUnsubscribeMailNamesNewsletter: with two newsletters, the answer to
// the weekly edition's List-Unsubscribe mailto: leaves weekly only, and
// `subscribers unsubscribe-mail` says so by name; the daily one's answer
// then names daily, and sending it again says the reader had already
// left daily.
func TestUnsubscribeMailNamesNewsletter(t *testing.T) {
	site := testkit.NewSite(t, morningDigest, twoNewsletters)
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := runIn(t, stdin, append([]string{"--config", site.Config}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	b, _ := json.Marshal(digestArticles)
	arts := filepath.Join(site.Dir, "articles.json")
	if err := os.WriteFile(arts, b, 0o600); err != nil {
		t.Fatal(err)
	}
	must("", "import", arts)
	must("", "subscribers", "add", "amal@example.org")
	must("", "subscribers", "add", "--newsletter", "weekly", "amal@example.org")
	must("", "digest", "send", "--newsletter", "weekly", "--force", "--date", digestTestDay)
	must("", "digest", "send", "--force", "--date", digestTestDay)

	// request is what a mail client sends for the mailto: of the message
	// of edition id.
	request := func(id string) string {
		t.Helper()
		ents, _ := os.ReadDir(site.Outbox)
		for _, e := range ents {
			raw, err := os.ReadFile(filepath.Join(site.Outbox, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(strings.NewReader(string(raw)))
			if err != nil || m.Header.Get("X-Nashra-Edition") != id {
				continue
			}
			mt := mailtoUnsub.FindStringSubmatch(m.Header.Get("List-Unsubscribe"))
			if mt == nil {
				t.Fatalf("no mailto: in %q", m.Header.Get("List-Unsubscribe"))
			}
			u, err := url.Parse("mailto:" + mt[1])
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("From: amal@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\nأوقفوا هذه النشرة\r\n", u.Opaque, u.Query().Get("subject"))
		}
		t.Fatalf("no message of edition %s in the outbox", id)
		return ""
	}
	weekly, daily := request("weekly."+digestTestDay), request(digestTestDay)
	if out := must(weekly, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org unsubscribed from weekly (حصاد الأسبوع)") {
		t.Errorf("the weekly request: %s", out)
	}
	if out := must("", "subscribers", "list"); !strings.Contains(out, "daily(*)") || strings.Contains(out, "weekly") {
		t.Errorf("after leaving weekly: %s", out)
	}
	if out := must(daily, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org unsubscribed from daily (الصباحية)") {
		t.Errorf("the daily request: %s", out)
	}
	if out := must(daily, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org had already left daily (الصباحية)") {
		t.Errorf("the daily request again: %s", out)
	}
}
