package main

import (
	"encoding/csv"
	"os/user"
	"strings"
	"testing"
	"time"
)

// TestDigestEditionCommands: with approval required, an old date needs
// --force, the edition is held (listed so, nothing sent), previewed as a
// subscriber and sent as a test; once approved it goes out; a resend
// reaches one reader and the report shows it; every change is in the
// audit log with the user who ran the command.
func TestDigestEditionCommands(t *testing.T) {
	const day = "2026-03-10"
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr, "digest:\n  approval: required\n")
	site.importArticles(t, "day1", dayArticles(day))
	site.nashra(t, "subscribers", "add", "amal@example.org", "--name", "أمل")
	site.nashra(t, "subscribers", "add", "badr@example.org", "--name", "بدر", "--categories", "رياضة")

	_, _, err := run(t, "--config", site.Config, "digest", "send", "--date", day)
	if err == nil || !strings.Contains(err.Error(), "more than a day ago") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("send of an old date without --force: %v", err)
	}
	_, _, err = run(t, "--config", site.Config, "digest", "send", "--force", "--date", day)
	if err == nil || !strings.Contains(err.Error(), "held for approval") {
		t.Fatalf("send of a held edition: %v", err)
	}
	if n := len(sink.messages("amal@example.org")); n != 0 {
		t.Fatalf("amal got %d messages while the edition was held", n)
	}
	if list := site.nashra(t, "digest", "list"); !strings.Contains(list, day+"  held") {
		t.Errorf("digest list:\n%s", list)
	}

	// As badr gets it: his category and name, links for no one.
	eml := site.nashra(t, "digest", "preview", "--date", day, "--subscriber", "badr@example.org", "--format", "text")
	if !strings.Contains(eml, "== رياضة ==") || strings.Contains(eml, "== اقتصاد ==") || !strings.Contains(eml, "بدر") {
		t.Errorf("preview as badr:\n%s", eml)
	}

	site.nashra(t, "digest", "test", "--date", day, "--to", "editor@example.com")
	if m := sink.received(t, "editor@example.com", 1)[0]; m.Header.Get("X-Nashra-Test") != "yes" {
		t.Errorf("test message headers: %v", m.Header)
	}

	// Without --date, approve takes the held edition, not the next one due.
	if out := site.nashra(t, "digest", "approve"); !strings.Contains(out, "edition "+day+": approved") || !strings.Contains(out, "send time") {
		t.Errorf("approve: %s", out)
	}
	site.nashra(t, "digest", "send", "--force", "--date", day)
	if a, b := len(sink.messages("amal@example.org")), len(sink.messages("badr@example.org")); a != 1 || b != 1 {
		t.Fatalf("after approval: amal %d, badr %d messages", a, b)
	}
	if _, _, err := run(t, "--config", site.Config, "digest", "pause", "--date", day); err == nil || !strings.Contains(err.Error(), "is sent") {
		t.Errorf("pause a sent edition: %v", err)
	}

	site.nashra(t, "digest", "resend", "--date", day, "amal@example.org")
	if n := len(sink.messages("amal@example.org")); n != 2 {
		t.Errorf("amal got %d messages after the resend", n)
	}
	rows, err := csv.NewReader(strings.NewReader(site.nashra(t, "digest", "report", "--date", day, "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	who := "cli"
	if u, err := user.Current(); err == nil {
		who += ":" + u.Username
	}
	if len(rows) != 3 || rows[1][0] != "amal@example.org" || rows[1][1] != "sent" || rows[1][2] != "2" ||
		rows[1][3] != "resent on request by "+who {
		t.Errorf("report:\n%q", rows)
	}
	audit := site.nashra(t, "audit")
	for _, want := range []string{"edition.approve", "edition.test", "edition.resend"} {
		if !strings.Contains(audit, want) || !strings.Contains(audit, who) {
			t.Errorf("audit log lacks %s by %s:\n%s", want, who, audit)
		}
	}
}

// TestDigestSendNow: --now sends the next edition due at once, cut now;
// sending its date without --force is refused as in the future; a second
// --now sends nothing new.
func TestDigestSendNow(t *testing.T) {
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr)
	site.importArticles(t, "now", []map[string]string{{
		"title": "خبر الساعة", "url": "https://news.example.com/now", "category": "اقتصاد",
		"published": time.Now().Add(-time.Hour).Format(time.RFC3339), "summary": "ملخص الخبر.", "content_text": "نص الخبر.",
	}})
	site.nashra(t, "subscribers", "add", "amal@example.org")
	out := site.nashra(t, "digest", "send", "--now")
	if !strings.Contains(out, "sent 1") || len(sink.messages("amal@example.org")) != 1 {
		t.Fatalf("send --now: %s (%d messages)", out, len(sink.messages("amal@example.org")))
	}
	list := site.nashra(t, "digest", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "  sent  ") {
		t.Fatalf("digest list:\n%s", list)
	}
	day := strings.Fields(lines[1])[0]
	_, _, err := run(t, "--config", site.Config, "digest", "send", "--date", day)
	if err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("send of the next day without --force: %v", err)
	}
	site.nashra(t, "digest", "send", "--now")
	if n := len(sink.messages("amal@example.org")); n != 1 {
		t.Errorf("a second --now sent again: %d messages", n)
	}
}
