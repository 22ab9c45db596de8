package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// TestServeSendNowAPI: on `nashra serve`, an edition approved after its
// 07:00 send time (so the scheduler does not send it) is sent by the API's
// "send now" through serve's own queue: each reader gets one message, and
// a second call is refused (409) without sending anything again.
func TestServeSendNowAPI(t *testing.T) {
	sink := testkit.StartSMTPSink(t, nil, 0)
	site := testkit.NewSite(t, newsroom, morningDigest, testkit.SMTPLayer(sink.Addr), `
site:
  timezone: "Asia/Riyadh"
  base_url: "$BASE"
`)
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	cut := time.Date(now.Year(), now.Month(), now.Day(), 7, 0, 0, 0, loc)
	if cut.After(now) {
		cut = cut.AddDate(0, 0, -1)
	}
	day := cut.Format(time.DateOnly)
	artsPath := writeJSON(t, filepath.Join(site.Dir, "articles.json"), []map[string]string{{"title": "خبر قبل موعد النشرة", "url": "https://news.example.com/late",
		"category": "اقتصاد", "published": cut.Add(-time.Hour).Format(time.RFC3339), "summary": "ملخص الخبر.", "content_text": "نص الخبر."}})
	readers := []string{"amal@example.org", "badr@example.org", "dana@example.org"}
	cmds := [][]string{{"import", artsPath}, {"users", "add", "desk@example.com", "--role", "editor", "--password-stdin"}}
	for _, r := range readers {
		cmds = append(cmds, []string{"subscribers", "add", r})
	}
	runAll(t, site.Config, "كلمة-سر-المحرر\n", cmds...)
	runAll(t, site.Config, "", []string{"digest", "approve", "--date", day})
	tok, errOut, err := runIn(t, "", "--config", site.Config, "tokens", "create", "--user", "desk@example.com", "--name", "desk")
	if err != nil {
		t.Fatalf("tokens create: %v %s", err, errOut)
	}
	tok = strings.TrimSpace(tok)
	serveSite(t, site)

	send := func() (int, map[string]any) {
		res, body := testkit.Request(t, nil, "POST", site.Base+"/api/v1/editions/"+day+"/send", "Authorization", "Bearer "+tok)
		var out map[string]any
		json.Unmarshal(body, &out)
		return res.StatusCode, out
	}
	if code, out := send(); code != 200 || out["state"] != "sending" {
		t.Fatalf("send now: %d %v", code, out)
	}
	testkit.WaitFor(t, 30*time.Second, "every reader got the edition", func() bool { return len(sink.PerRecipient()) == len(readers) })
	if code, out := send(); code != 409 {
		t.Errorf("send now again: %d %v, want 409", code, out)
	}
	testkit.WaitFor(t, 30*time.Second, "the edition recorded as sent", func() bool {
		out, _, err := runIn(t, "", "--config", site.Config, "digest", "list")
		return err == nil && lineHas(out, day, "sent")
	})
	per := sink.PerRecipient()
	for _, r := range readers {
		if per[r] != 1 {
			t.Errorf("%s got %d messages, want 1", r, per[r])
		}
	}
	if n := len(sink.Messages()); n != len(readers) {
		t.Errorf("%d messages, want %d: %s", n, len(readers), fmt.Sprint(per))
	}
}
