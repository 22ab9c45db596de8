package delivery

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"mime"
	"os"
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
	svc := newService(t, st, smtpTransport(t, sink), mailer.NewComposer(d), testOptions(t))

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
	svc := newService(t, st, smtpTransport(t, sink), nil, o)
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
	svc := newService(t, st, smtpTransport(t, sink), nil, o)
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

// TestSkipped: subscribers left without a story by their categories, or
// paused or unsubscribed between the enqueue and the send, are recorded as
// skipped (with a note), not failed, receive nothing, and count no bounce.
func TestSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	subs := addSubscribers(t, st, 4)
	// subs[3] has categories ["رياضة"] (see addSubscribers); give subs[0]
	// a category no story has.
	subs[0].Categories = []string{"فلك"}
	if err := st.UpdateSubscriber(ctx, &subs[0]); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, nil)
	svc := newService(t, st, smtpTransport(t, sink), nil, testOptions(t))
	q := sqliteQueue(t, st, svc, QueueOptions{Workers: 1})
	if _, err := svc.Prepare(ctx, q, testDay); err != nil {
		t.Fatal(err)
	}
	subs[1].Paused = true
	if err := st.UpdateSubscriber(ctx, &subs[1]); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveSubscriber(ctx, subs[2].Email); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		sub       store.Subscriber
		want      Outcome
		state     store.DeliveryState
		errSubstr string
	}{
		{subs[0], Skipped, store.DeliverySkipped, "no story in the chosen categories"},
		{subs[1], Skipped, store.DeliverySkipped, "paused"},
		{subs[2], Skipped, store.DeliverySkipped, "unsubscribed"},
		{subs[3], Sent, store.DeliverySent, ""},
	}
	for _, tc := range tests {
		got, err := svc.Deliver(ctx, testDay, tc.sub.ID)
		if err != nil || got != tc.want {
			t.Errorf("%s: Deliver = %v, %v; want %v", tc.sub.Email, got, err, tc.want)
		}
		// A second attempt finds the delivery final and does nothing.
		if again, err := svc.Deliver(ctx, testDay, tc.sub.ID); err != nil || again != Skipped {
			t.Errorf("%s: second Deliver = %v, %v; want skipped", tc.sub.Email, again, err)
		}
	}
	counts, err := st.DeliveryCounts(ctx, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.DeliverySkipped] != 3 || counts[store.DeliverySent] != 1 || counts[store.DeliveryFailed] != 0 {
		t.Errorf("counts = %v, want 3 skipped, 1 sent, 0 failed", counts)
	}
	ds, err := st.ListDeliveries(ctx, testDay, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		tc := tests[i]
		if d.State != tc.state || !strings.Contains(d.LastError, tc.errSubstr) {
			t.Errorf("%s: %s %q, want %s with %q", d.Email, d.State, d.LastError, tc.state, tc.errSubstr)
		}
	}
	if per := sink.PerRecipient(); len(per) != 1 || per[subs[3].Email] != 1 {
		t.Errorf("server received %v, want one message for %s", per, subs[3].Email)
	}
	for _, s := range subs[:2] {
		if got, _ := st.GetSubscriber(ctx, s.ID); got.Bounces != 0 {
			t.Errorf("%s: a skip counted as a bounce", s.Email)
		}
	}
}

// TestTakeover: a job attempt that finds its delivery left in "sending" by
// a dead attempt sends it again when the dead attempt had not reached the
// commit mark, and records it as sent without sending when it had. With
// the file outbox (idempotent by Message-ID) it always writes again.
func TestTakeover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	subs := addSubscribers(t, st, 3)
	sink := startSink(t, nil)
	outbox := t.TempDir()
	ft, err := mailer.NewFileTransport(outbox)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tr      mailer.Transport
		sub     store.Subscriber
		mark    bool
		want    Outcome
		wantMsg int
	}{
		{"smtp, died before the mark", smtpTransport(t, sink), subs[0], false, Sent, 1},
		{"smtp, died after the mark", smtpTransport(t, sink), subs[1], true, AssumedSent, 0},
		{"file outbox, died after the mark", ft, subs[2], true, Sent, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newService(t, st, tc.tr, nil, testOptions(t))
			if _, _, err := svc.Edition(ctx, testDay); err != nil {
				t.Fatal(err)
			}
			if _, err := st.EnqueueDeliveries(ctx, testDay, []store.Subscriber{tc.sub}); err != nil {
				t.Fatal(err)
			}
			// The dead attempt: claimed, maybe marked, never finished.
			if _, ok, err := st.ClaimDelivery(ctx, testDay, tc.sub.ID); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if tc.mark {
				if err := st.SetDeliveryMessageID(ctx, testDay, tc.sub.ID, svc.messageID(testDay, tc.sub.ID)); err != nil {
					t.Fatal(err)
				}
			}
			before := len(sink.Messages())
			files, _ := os.ReadDir(outbox)
			out, err := svc.Deliver(ctx, testDay, tc.sub.ID)
			if err != nil || out != tc.want {
				t.Fatalf("Deliver = %v, %v; want %v", out, err, tc.want)
			}
			files2, _ := os.ReadDir(outbox)
			if got := len(sink.Messages()) - before + len(files2) - len(files); got != tc.wantMsg {
				t.Fatalf("%d messages sent, want %d", got, tc.wantMsg)
			}
			ds, err := st.ListDeliveries(ctx, testDay, store.DeliverySent, 0)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range ds {
				if d.SubscriberID == tc.sub.ID {
					found = true
					if assumed := strings.HasPrefix(d.LastError, "assumed sent"); assumed != (tc.want == AssumedSent) {
						t.Errorf("last error %q", d.LastError)
					}
				}
			}
			if !found {
				t.Fatal("delivery not recorded as sent")
			}
			// And again: nothing more.
			if out, err := svc.Deliver(ctx, testDay, tc.sub.ID); err != nil || out != Skipped {
				t.Fatalf("second Deliver = %v, %v", out, err)
			}
		})
	}
}
