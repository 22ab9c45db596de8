package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

func subscribersOf(t *testing.T, s *subSite) map[string]store.Subscriber {
	t.Helper()
	st := teststore.Open(t, s.DB)
	list, err := st.ListSubscribers(context.Background(), store.SubscriberQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Subscriber{}
	for _, sub := range list {
		out[sub.Email] = sub
	}
	return out
}

var httpsUnsub = regexp.MustCompile(`<(https?://[^>]+)>`)

// TestOneClickUnsubscribeRealDigest sends a real digest through a real SMTP
// server, takes the List-Unsubscribe URL from the bytes a reader received,
// performs the RFC 8058 one-click POST on `nashra serve`'s handler, and
// checks the next day's edition reaches everyone but that reader.
func TestOneClickUnsubscribeRealDigest(t *testing.T) {
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr)
	site.importArticles(t, "day1", dayArticles("2026-03-10"))
	readers := []string{"amal@example.org", "badr@example.org", "huda@example.org"}
	for _, r := range readers {
		site.nashra(t, "subscribers", "add", r, "--name", "قارئ")
	}
	site.serve(t)
	site.nashra(t, "digest", "send", "--force", "--date", "2026-03-10")
	for _, r := range readers {
		if n := len(sink.messages(r)); n != 1 {
			t.Fatalf("%s received %d messages of the first edition, want 1", r, n)
		}
	}

	msg := sink.received(t, "badr@example.org", 1)[0]
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", got)
	}
	m := httpsUnsub.FindStringSubmatch(msg.Header.Get("List-Unsubscribe"))
	if m == nil || !strings.HasPrefix(m[1], site.Base+"/unsubscribe?t=") {
		t.Fatalf("List-Unsubscribe %q: want a URL under %s", msg.Header.Get("List-Unsubscribe"), site.Base)
	}
	// As a mail provider does it: no cookie, no CSRF token, no page wanted.
	res, err := site.client.Post(m[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 && res.StatusCode != 202 {
		t.Fatalf("one-click POST: %d %s", res.StatusCode, body)
	}
	if s := subscribersOf(t, site)["badr@example.org"]; s.Status != store.StatusUnsubscribed {
		t.Fatalf("after one-click: %+v", s)
	}

	// The reader's preferences link from the same email works too.
	if !strings.Contains(msg.Text, "/preferences?t=") || !strings.Contains(msg.HTML, "/preferences?t=") {
		t.Errorf("no preferences link in the digest:\n%s", msg.Text)
	}

	site.importArticles(t, "day2", dayArticles("2026-03-11"))
	site.nashra(t, "digest", "send", "--force", "--date", "2026-03-11")
	if n := len(sink.messages("badr@example.org")); n != 1 {
		t.Errorf("the unsubscribed reader received %d messages in all, want only the first edition", n)
	}
	for _, r := range []string{"amal@example.org", "huda@example.org"} {
		if n := len(sink.messages(r)); n != 2 {
			t.Errorf("%s received %d messages, want 2", r, n)
		}
	}
}

// TestBouncesStopDelivery: permanent failures (550) count against the
// subscriber; after mail.max_bounces (2 here) they become bounced and the
// next edition does not even try them.
func TestBouncesStopDelivery(t *testing.T) {
	sink := startMailSink(t, "gone@example.org")
	site := newSubSite(t, sink.addr)
	site.nashra(t, "subscribers", "add", "gone@example.org")
	site.nashra(t, "subscribers", "add", "here@example.org")
	days := []string{"2026-03-10", "2026-03-11", "2026-03-12"}
	for i, day := range days {
		site.importArticles(t, day, dayArticles(day))
		out, errOut, err := run(t, "--config", site.Config, "digest", "send", "--force", "--date", day)
		if i < 2 && err == nil {
			t.Errorf("day %s: digest send succeeded despite a 550:\n%s%s", day, out, errOut)
		}
		s := subscribersOf(t, site)["gone@example.org"]
		switch i {
		case 0:
			if s.Bounces != 1 || s.Status != store.StatusConfirmed {
				t.Fatalf("after one bounce: %+v", s)
			}
		default:
			if s.Status != store.StatusBounced {
				t.Fatalf("after %d bounces: %+v", i+1, s)
			}
		}
	}
	if n := sink.attempts("gone@example.org"); n != 2 {
		t.Errorf("%d delivery attempts to the bounced address, want 2 (none after it bounced)", n)
	}
	if n := len(sink.messages("here@example.org")); n != 3 {
		t.Errorf("the good address received %d editions, want 3", n)
	}
}
