package delivery

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
)

// TestSendThroughSMTP sends an edition through a real SMTP server and
// checks one signed message per subscriber, with the right content for
// those who chose one category, and that a second run sends nothing.
func TestSendThroughSMTP(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	subs := addSubscribers(t, st, 60)
	sink := startSink(t, nil)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := &mailer.DKIMOptions{Domain: "digest.example.com", Selector: "s1", Key: key}
	svc := newService(t, st, smtpTransport(t, sink.Addr), mailer.NewComposer(d), testOptions(t))

	counts := runEdition(t, st, svc, 8, 30*time.Second)
	if counts[store.DeliverySent] != len(subs) || counts[store.DeliveryFailed] != 0 {
		t.Fatalf("counts = %v, want %d sent", counts, len(subs))
	}
	per := sink.PerRecipient()
	if len(per) != len(subs) || len(sink.Messages()) != len(subs) {
		t.Fatalf("server got %d messages for %d recipients, want %d each", len(sink.Messages()), len(per), len(subs))
	}
	rec, err := mailer.DKIMRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	verify := &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) { return []string{rec}, nil }}
	byAddr := map[string][]byte{}
	for _, m := range sink.Messages() {
		byAddr[m.To[0]] = m.Data
		if m.From != "digest@digest.example.com" {
			t.Errorf("envelope from %q", m.From)
		}
	}
	dec := new(mime.WordDecoder)
	for i, s := range subs {
		raw := byAddr[s.Email]
		if raw == nil {
			t.Fatalf("nothing for %s", s.Email)
		}
		if got, want := header(t, raw, "Message-Id"), mailer.MessageID(testDay, fmt.Sprint(s.ID), "digest.example.com"); got != want {
			t.Errorf("%s: Message-ID %s, want %s", s.Email, got, want)
		}
		lu := header(t, raw, "List-Unsubscribe")
		if !strings.Contains(lu, "https://digest.example.com/unsubscribe?t=") || !strings.Contains(lu, "mailto:") {
			t.Errorf("%s: List-Unsubscribe %q", s.Email, lu)
		}
		if header(t, raw, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: no one-click header", s.Email)
		}
		subj, err := dec.DecodeHeader(header(t, raw, "Subject"))
		if err != nil || !strings.HasPrefix(subj, "نشرة الصباح") {
			t.Errorf("%s: subject %q (%v)", s.Email, subj, err)
		}
		if i < 10 || i%7 == 3 {
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), verify)
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Errorf("%s: DKIM: %v %v", s.Email, err, vs)
			}
		}
		body := decodedBody(t, raw)
		sportsOnly := i%7 == 3
		if !strings.Contains(body, "الهلال يتأهل") {
			t.Errorf("%s: sports story missing", s.Email)
		}
		if got := strings.Contains(body, "ارتفاع أسعار النفط"); got == sportsOnly {
			t.Errorf("%s (sports only %v): economy story present = %v", s.Email, sportsOnly, got)
		}
		if strings.Contains(body, "خبر قديم") {
			t.Errorf("%s: story outside the window", s.Email)
		}
	}

	// A second run: the edition job is unique per day; run the preparation
	// again by hand too, as a restarted process would.
	q := sqliteQueue(t, st, svc, QueueOptions{})
	if _, inserted, err := q.InsertEdition(context.Background(), testDay); err != nil || inserted {
		t.Fatalf("second edition insert: inserted=%v err=%v", inserted, err)
	}
	p, err := svc.Prepare(context.Background(), q, testDay)
	if err != nil || p.Enqueued != 0 || p.Recipients != len(subs) {
		t.Fatalf("second prepare = %+v, %v", p, err)
	}
	counts = runEdition(t, st, svc, 4, 20*time.Second)
	if len(sink.Messages()) != len(subs) || counts[store.DeliverySent] != len(subs) {
		t.Fatalf("second run sent again: %d messages, %v", len(sink.Messages()), counts)
	}
}

// decodedBody returns the decoded text of every part of raw.
func decodedBody(t *testing.T, raw []byte) string {
	t.Helper()
	var b strings.Builder
	walkParts(t, raw, func(ct string, body []byte) { b.Write(body) })
	return b.String()
}

// TestFaults: an SMTP server answers 451 to about 20% of recipients on
// their first two attempts and 550 to about 1%. Every other subscriber gets
// exactly one message, the 550s are failed with a bounce recorded, and no
// delivery takes more attempts than needed.
func TestFaults(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	subs := addSubscribers(t, st, 400)
	fault := func(rcpt string, attempt int) error {
		switch b := bucket(rcpt); {
		case b < 1:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case b < 21 && attempt <= 2:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"}
		}
		return nil
	}
	sink := startSink(t, fault)
	o := testOptions(t)
	svc := newService(t, st, smtpTransport(t, sink.Addr), nil, o)
	counts := runEdition(t, st, svc, 8, 50*time.Second)

	per := sink.PerRecipient()
	var want550, want451 int
	for _, s := range subs {
		b := bucket(s.Email)
		got := per[s.Email]
		switch {
		case b < 1:
			want550++
			if got != 0 {
				t.Errorf("%s (550) received %d", s.Email, got)
			}
		default:
			if b < 21 {
				want451++
			}
			if got != 1 {
				t.Errorf("%s received %d messages, want 1", s.Email, got)
			}
		}
	}
	if want451 < 40 || want550 == 0 {
		t.Fatalf("fixture too small: %d greylisted, %d refused", want451, want550)
	}
	if counts[store.DeliveryFailed] != want550 || counts[store.DeliverySent] != len(subs)-want550 {
		t.Fatalf("counts %v, want %d failed", counts, want550)
	}
	ctx := context.Background()
	failed, err := st.ListDeliveries(ctx, testDay, store.DeliveryFailed, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range failed {
		if !strings.Contains(d.LastError, "550") || d.Attempts != 1 {
			t.Errorf("failed delivery %s: attempts %d, error %q", d.Email, d.Attempts, d.LastError)
		}
		s, err := st.GetSubscriber(ctx, d.SubscriberID)
		if err != nil || s.Bounces != 1 {
			t.Errorf("%s: bounces %v (%v)", d.Email, s, err)
		}
	}
	sent, err := st.ListDeliveries(ctx, testDay, store.DeliverySent, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range sent {
		want := 1
		if bucket(d.Email) < 21 {
			want = 3
		}
		if d.Attempts != want {
			t.Errorf("%s: %d attempts, want %d", d.Email, d.Attempts, want)
		}
	}
}

// TestGiveUp: a recipient refused with 451 forever is failed after
// MaxAttempts, without a bounce.
func TestGiveUp(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	subs := addSubscribers(t, st, 3)
	sink := startSink(t, func(rcpt string, _ int) error {
		if rcpt == subs[1].Email {
			return &smtp.SMTPError{Code: 421, Message: "busy"}
		}
		return nil
	})
	o := testOptions(t)
	o.MaxAttempts = 3
	svc := newService(t, st, smtpTransport(t, sink.Addr), nil, o)
	counts := runEdition(t, st, svc, 2, 40*time.Second)
	if counts[store.DeliverySent] != 2 || counts[store.DeliveryFailed] != 1 {
		t.Fatalf("counts %v", counts)
	}
	ds, _ := st.ListDeliveries(context.Background(), testDay, store.DeliveryFailed, 0)
	if len(ds) != 1 || ds[0].Attempts != 3 || !strings.Contains(ds[0].LastError, "gave up after 3 attempts") {
		t.Fatalf("failed = %+v", ds)
	}
	if s, _ := st.GetSubscriber(context.Background(), subs[1].ID); s.Bounces != 0 {
		t.Fatalf("temporary failures counted as bounces: %d", s.Bounces)
	}
}
