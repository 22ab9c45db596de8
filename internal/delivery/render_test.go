package delivery

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/mailer"
)

// uncachedRender is Render without the prerendered email: the parts from
// Parts (the templates run for this subscriber alone).
func uncachedRender(t *testing.T, s *Service, e *digest.Edition, sub *store.Subscriber) ([]byte, bool) {
	t.Helper()
	fe := e
	if len(sub.Categories) > 0 {
		fe = e.Filter(sub.Categories)
	}
	if fe.Count == 0 && e.Count > 0 {
		return nil, false
	}
	html, text, data, err := s.Parts(fe, sub)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.comp.Render(mailer.Message{
		FromAddr: s.o.FromAddr, FromName: s.o.FromName, To: sub.Email, ToName: sub.Name,
		ReplyTo: s.o.ReplyTo, Subject: data.Subject(), Text: text, HTML: html,
		MessageID: s.messageID(e.ID, sub.ID), ListID: s.o.ListID,
		UnsubscribeURL: data.UnsubscribeURL, UnsubscribeMailto: s.links.Mailto(sub, ""),
		Headers: map[string]string{"X-Nashra-Edition": e.ID},
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw, true
}

// dateField is the Date header of a message: the cached and the full
// render are written at different instants.
var dateField = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)

// TestRenderMatchesUncached: Render's messages, built from the edition's
// prerendered email, are byte for byte those of a full render (the Date
// header, the random MIME boundary and the header order aside).
func TestRenderMatchesUncached(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	svc := newService(t, st, nil, nil, testOptions(t))
	_, e, err := svc.Edition(context.Background(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"", "سارة", "محمد <script>alert(1)</script> & \"أحمد\"", "O'Brien & Sons <b>",
		"عبد الرحمن بن عبد الله بن محمد بن أحمد بن علي بن حسن الهاشمي القرشي المكي من آل البيت Al-Hashimi",
		"  \t ", "ليلى\nأحمد", "Layla (ليلى) ١٢٣ iPhone 17 Pro"}
	catss := [][]string{nil, {"رياضة"}, {"رياضة", "تقنية"}, {"تقنية", "رياضة"}, {"لا شيء"}, {" رياضة "}}
	id := int64(0)
	for round := range 2 { // the second round from the caches
		for _, name := range names {
			for _, cats := range catss {
				id++
				sub := &store.Subscriber{ID: id, Email: "reader" + strconv.FormatInt(id, 10) + "@example.org",
					Name: name, Categories: cats, Status: store.StatusConfirmed}
				got, _, ok, err := svc.Render(e, sub)
				if err != nil {
					t.Fatal(err)
				}
				want, wantOK := uncachedRender(t, svc, e, sub)
				if ok != wantOK {
					t.Fatalf("round %d, %q %q: ok %v, want %v", round, name, cats, ok, wantOK)
				}
				if !ok {
					continue
				}
				g := testkit.CanonicalMail(t, dateField.ReplaceAll(got, nil))
				if g != testkit.CanonicalMail(t, dateField.ReplaceAll(want, nil)) {
					t.Errorf("round %d, %q %q: the message differs from the full render", round, name, cats)
				}
			}
		}
	}
}
