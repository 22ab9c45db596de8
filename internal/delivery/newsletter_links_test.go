package delivery

import (
	"bytes"
	"context"
	"net/mail"
	"net/url"
	"regexp"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

var listUnsub = regexp.MustCompile(`<https://[^>]*/unsubscribe\?t=([^>]+)>, <mailto:[^>]*subject=unsubscribe%20([A-Za-z0-9_-]+)>`)

// TestUnsubscribeLinksNameNewsletter: with subscribe.Links, the one-click
// and mailto: links of List-Unsubscribe (and the link in the body) carry
// a token naming the edition's newsletter: none for the default one
// (edition ID YYYY-MM-DD, the layout of the single digest's links),
// "weekly" for an edition weekly.YYYY-MM-DD.
func TestUnsubscribeLinksNameNewsletter(t *testing.T) {
	st := openStore(t)
	o := testOptions(t)
	links, err := subscribe.NewLinks([]byte("0123456789abcdef0123456789abcdef"), o.BaseURL, "unsubscribe@digest.example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, nil, mailer.NewComposer(nil), tpl, links, o)
	if err != nil {
		t.Fatal(err)
	}
	_, e, err := svc.Edition(context.Background(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscriber{ID: 9, Email: "reader@example.org", Status: store.StatusConfirmed}
	for _, c := range []struct{ id, want string }{{testDay, ""}, {store.EditionID("weekly", testDay), "weekly"}} {
		we := *e
		we.ID = c.id
		raw, _, ok, err := svc.Render(&we, sub)
		if err != nil || !ok {
			t.Fatalf("%s: render: %v %v", c.id, ok, err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		m := listUnsub.FindStringSubmatch(msg.Header.Get("List-Unsubscribe"))
		if m == nil {
			t.Fatalf("%s: List-Unsubscribe %q", c.id, msg.Header.Get("List-Unsubscribe"))
		}
		https, _ := url.QueryUnescape(m[1])
		for _, tok := range []string{https, m[2]} {
			p, err := subscribe.Parse(tok)
			if err != nil || p.Newsletter != c.want || p.ID != sub.ID || p.Purpose != subscribe.PurposeUnsubscribe {
				t.Errorf("%s: token %q: %+v %v; want newsletter %q", c.id, tok, p, err, c.want)
			}
		}
	}
}
