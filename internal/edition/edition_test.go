package edition

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
)

var cli = Actor{Name: "cli:test"}

// Three consecutive editions, with articles a second before and after each
// cut-off (07:00 Riyadh), cover every article exactly once; the first looks
// back digest.window (24h), and a day without an edition leaves no gap.
func TestWindowsTileConsecutiveEditions(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		s := newSite(t, b, time.Time{}, false, 0)
		ctx := context.Background()
		days := []string{"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-14"} // the 13th is skipped
		var titles []string
		add := func(title string, at time.Time) {
			s.article(title, "سياسة", at)
			titles = append(titles, title)
		}
		s.article("قبل النافذة الأولى", "سياسة", s.at("2026-03-09", 6, 59, 59)) // older than the first window
		add("أول النافذة الأولى", s.at("2026-03-09", 7, 0, 1))
		for _, d := range days[:3] {
			add("قبل قطع "+d, s.at(d, 6, 59, 59))
			add("بعد قطع "+d, s.at(d, 7, 0, 1))
		}
		add("يوم بلا نشرة", s.at("2026-03-13", 12, 0, 0))
		add("قبل قطع 2026-03-14", s.at("2026-03-14", 6, 59, 59))
		s.article("بعد آخر قطع", "سياسة", s.at("2026-03-14", 7, 0, 1)) // the next edition's

		seen := map[string]string{}
		for _, d := range days {
			s.clock.Set(s.at(d, 7, 0, 30))
			se, e, err := s.dv.Edition(ctx, d)
			if err != nil {
				t.Fatalf("edition %s: %v", d, err)
			}
			if !se.To.Equal(s.at(d, 7, 0, 0)) {
				t.Errorf("edition %s cut at %s, want 07:00", d, se.To.In(s.loc))
			}
			for _, sec := range e.Sections {
				for _, st := range sec.Stories {
					if prev, ok := seen[st.Title]; ok {
						t.Errorf("%q in editions %s and %s", st.Title, prev, d)
					}
					seen[st.Title] = d
				}
			}
		}
		for _, title := range titles {
			if seen[title] == "" {
				t.Errorf("%q in no edition", title)
			}
		}
		if len(seen) != len(titles) {
			t.Errorf("%d stories in the editions, want %d: %v", len(seen), len(titles), seen)
		}
		if seen["بعد قطع 2026-03-12"] != "2026-03-14" || seen["يوم بلا نشرة"] != "2026-03-14" {
			t.Errorf("the skipped day's articles went to %q and %q, want 2026-03-14",
				seen["بعد قطع 2026-03-12"], seen["يوم بلا نشرة"])
		}
		// An earlier day cannot be built once a later edition took its window.
		if _, err := s.dv.BuildNow(ctx, "2026-03-13"); !errors.Is(err, delivery.ErrCovered) {
			t.Errorf("building a day before a recorded edition: %v, want ErrCovered", err)
		}
		// A future date sent early (forced) is cut now, and the days before
		// it carry on from that cut.
		s.clock.Set(s.at("2026-03-14", 9, 0, 0))
		se, e, err := s.dv.Edition(ctx, "2026-04-01")
		if err != nil || !se.To.Equal(s.at("2026-03-14", 9, 0, 0)) || e.Count != 1 || e.Sections[0].Stories[0].Title != "بعد آخر قطع" {
			t.Fatalf("forced future edition = %+v, %v", se, err)
		}
		s.article("بعد الإرسال المبكر", "سياسة", s.at("2026-03-14", 10, 0, 0))
		s.clock.Set(s.at("2026-03-15", 7, 0, 30))
		if _, e, err := s.dv.Edition(ctx, "2026-03-15"); err != nil || e.Count != 1 || e.Sections[0].Stories[0].Title != "بعد الإرسال المبكر" {
			t.Errorf("the day after a forced future edition: %+v, %v", e, err)
		}
	})
}

// With approval required an edition is held: nothing goes out until an
// editor approves it; then every subscriber gets it exactly once, and the
// audit log says who approved.
func TestHeldUntilApproved(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		const day = "2026-03-12"
		s := newSite(t, b, time.Time{}, true, 0)
		ctx := context.Background()
		s.clock.Set(s.at(day, 6, 0, 0)) // prepare_before the 07:00 send
		s.article("خبر اليوم", "سياسة", s.at(day, 5, 0, 0))
		subs := s.subscribers(30)
		qs := s.queue(1, 8)

		_, err := s.dv.Prepare(ctx, qs[0], day)
		if !errors.Is(err, delivery.ErrHeld) {
			t.Fatalf("prepare with approval required: %v, want ErrHeld", err)
		}
		sum, err := s.ed.Get(ctx, day)
		if err != nil || sum.State != store.EditionHeld || !sum.Built || !sum.To.Equal(s.at(day, 6, 0, 0)) {
			t.Fatalf("held edition = %+v, %v", sum, err)
		}
		// Its send time passes: still held, not sent, and it says so.
		s.clock.Set(s.at(day, 7, 0, 5))
		if _, err := s.dv.Prepare(ctx, qs[0], day); !errors.Is(err, delivery.ErrHeld) {
			t.Fatalf("prepare at send time: %v", err)
		}
		s.dv.Missed(ctx, day)
		time.Sleep(300 * time.Millisecond)
		if n := len(s.sink.Messages()); n != 0 {
			t.Fatalf("%d messages sent while held", n)
		}
		if sum, _ := s.ed.Get(ctx, day); sum.Note != delivery.NoteMissed || !sum.Late {
			t.Errorf("missed edition = %+v", sum)
		}

		// Pausing a held edition is refused and changes nothing.
		if _, err := s.ed.Pause(ctx, cli, day); !errors.Is(err, ErrState) {
			t.Errorf("pause held: %v, want ErrState", err)
		}
		s.ed.WithQueue(qs[0])
		if _, err := s.ed.Send(ctx, cli, day, false); !errors.Is(err, ErrState) {
			t.Errorf("send a held edition: %v, want ErrState", err)
		}
		sum, err = s.ed.Approve(ctx, Actor{Name: "editor@example.com", Addr: "192.0.2.7"}, day)
		if err != nil || sum.State != store.EditionApproved {
			t.Fatalf("approve = %+v, %v", sum, err)
		}
		// Approved after its send time: the editor sends it now.
		if sum, err := s.ed.Send(ctx, Actor{Name: "editor@example.com"}, day, false); err != nil || sum.State != store.EditionSending {
			t.Fatalf("send = %+v, %v", sum, err)
		}
		s.waitFor("all sent", 30*time.Second, func() bool { return s.counts(day)[store.DeliverySent] == len(subs) })
		per := s.sink.PerRecipient()
		for _, sub := range subs {
			if per[sub.Email] != 1 {
				t.Errorf("%s got %d messages", sub.Email, per[sub.Email])
			}
		}
		if sum, _ := s.ed.Get(ctx, day); sum.State != store.EditionSent {
			t.Errorf("state after sending = %s, want sent", sum.State)
		}
		log, err := s.st.ListAudit(ctx, store.AuditQuery{Target: day})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			got = append(got, e.Actor+" "+e.Action)
		}
		if strings.Join(got, "; ") != "editor@example.com edition.send; editor@example.com edition.approve; system edition.missed" {
			t.Errorf("audit = %q", got)
		}
	})
}

// "Send now" on an approved edition whose send time passed: of several
// editors pressing it at once exactly one starts it (the others are told
// it is sending already, and only the one is in the audit log), every
// reader gets it once, and once sent it cannot be sent again.
func TestSendNowOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		const day = "2026-03-12"
		s := newSite(t, b, time.Time{}, true, 0)
		ctx := context.Background()
		s.clock.Set(s.at(day, 9, 0, 0)) // two hours past its 07:00 send time
		s.article("خبر اليوم", "سياسة", s.at(day, 5, 0, 0))
		subs := s.subscribers(20)
		qs := s.queue(1, 8)
		s.ed.WithQueue(qs[0])
		if _, err := s.ed.Approve(ctx, cli, day); err != nil {
			t.Fatal(err)
		}
		if sum, _ := s.ed.Get(ctx, day); !sum.Late {
			t.Fatalf("approved after its send time, not late: %+v", sum)
		}
		const editors = 6
		errs := make(chan error, editors)
		for i := range editors {
			go func() {
				_, err := s.ed.Send(ctx, Actor{Name: fmt.Sprintf("editor%d@example.com", i)}, day, false)
				errs <- err
			}()
		}
		started := 0
		for range editors {
			switch err := <-errs; {
			case err == nil:
				started++
			case !errors.Is(err, ErrState):
				t.Errorf("a concurrent send: %v, want nil or ErrState", err)
			}
		}
		if started != 1 {
			t.Fatalf("%d sends started the edition, want 1", started)
		}
		s.waitFor("all sent", 30*time.Second, func() bool { return s.counts(day)[store.DeliverySent] == len(subs) })
		if sum, _ := s.ed.Get(ctx, day); sum.State != store.EditionSent {
			t.Fatalf("state = %s, want sent", sum.State)
		}
		if _, err := s.ed.Send(ctx, cli, day, false); !errors.Is(err, ErrState) {
			t.Errorf("send a sent edition: %v, want ErrState", err)
		}
		time.Sleep(300 * time.Millisecond)
		per := s.sink.PerRecipient()
		for _, sub := range subs {
			if per[sub.Email] != 1 {
				t.Errorf("%s got %d messages", sub.Email, per[sub.Email])
			}
		}
		log, err := s.st.ListAudit(ctx, store.AuditQuery{Target: day, Action: "edition.send"})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 {
			t.Errorf("%d edition.send entries in the audit log, want 1: %+v", len(log), log)
		}
	})
}

// sendHalf starts sending day to n subscribers through a slow SMTP server
// and returns once about half have been received.
func sendHalf(t *testing.T, b backendKind, n, clients int) (*site, []*delivery.Queue, string) {
	const day = "2026-03-12"
	s := newSite(t, b, time.Time{}, false, 15*time.Millisecond)
	s.clock.Set(s.at(day, 7, 0, 1))
	s.article("خبر اليوم", "سياسة", s.at(day, 5, 0, 0))
	s.subscribers(n)
	qs := s.queue(clients, 8)
	if _, err := s.dv.Prepare(context.Background(), qs[0], day); err != nil {
		t.Fatal(err)
	}
	s.waitFor("half sent", 60*time.Second, func() bool { return len(s.sink.Messages()) >= n/2 })
	return s, qs, day
}

// still checks that nothing reaches the SMTP server from 2 s after a stop
// on, over another second.
func still(t *testing.T, s *site, what string, stopped time.Time) int {
	t.Helper()
	time.Sleep(time.Until(stopped.Add(2 * time.Second)))
	at2s := len(s.sink.Messages())
	time.Sleep(time.Second)
	if after := len(s.sink.Messages()); after != at2s {
		t.Errorf("%s: %d messages 2 s after, %d a second later", what, at2s, after)
	}
	for _, m := range s.sink.Messages() {
		if m.At.After(stopped.Add(2 * time.Second)) {
			t.Errorf("%s: a message to %v arrived %s after", what, m.To, m.At.Sub(stopped))
		}
	}
	return at2s
}

// Paused at about half: nothing new goes out; the sending process stops
// and another starts; resumed, everyone gets it exactly once.
func TestPauseAndResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		const n = 240
		s, qs, day := sendHalf(t, b, n, 1)
		ctx := context.Background()
		paused := time.Now()
		if sum, err := s.ed.Pause(ctx, cli, day); err != nil || sum.State != store.EditionPaused {
			t.Fatalf("pause = %+v, %v", sum, err)
		}
		got := still(t, s, "paused", paused)
		if got >= n {
			t.Fatalf("all %d sent before the pause took effect: the test proves nothing", got)
		}
		// The process stops while paused and another one takes over.
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := qs[0].Stop(sctx); err != nil {
			t.Fatal(err)
		}
		s.queue(1, 8)
		if _, err := s.ed.Resume(ctx, cli, day); err != nil {
			t.Fatal(err)
		}
		s.waitFor("all sent after resume", 60*time.Second, func() bool { return s.counts(day)[store.DeliverySent] == n })
		per := s.sink.PerRecipient()
		if len(per) != n {
			t.Errorf("%d recipients, want %d", len(per), n)
		}
		for r, c := range per {
			if c != 1 {
				t.Errorf("%s got %d messages", r, c)
			}
		}
	})
}

// Cancelled at about half: nothing more is sent, and the rest is recorded
// as cancelled.
func TestCancelHalfway(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		clients := 1
		if b.name == "postgres" {
			clients = 3 // three workers on one database
		}
		const n = 240
		s, _, day := sendHalf(t, b, n, clients)
		ctx := context.Background()
		cancelled := time.Now()
		if sum, err := s.ed.Cancel(ctx, cli, day); err != nil || sum.State != store.EditionCancelled {
			t.Fatalf("cancel = %+v, %v", sum, err)
		}
		got := still(t, s, "cancelled", cancelled)
		s.waitFor("nothing open", 30*time.Second, func() bool {
			c := s.counts(day)
			return c[store.DeliveryQueued]+c[store.DeliverySending]+c[store.DeliveryRetrying] == 0
		})
		c := s.counts(day)
		if c[store.DeliverySent] != got || c[store.DeliveryCancelled] != n-got || got >= n {
			t.Errorf("after cancel: ledger %v, received %d of %d", c, got, n)
		}
		for r, k := range s.sink.PerRecipient() {
			if k != 1 {
				t.Errorf("%s got %d messages", r, k)
			}
		}
		if _, err := s.ed.Resume(ctx, cli, day); !errors.Is(err, ErrState) {
			t.Errorf("resume a cancelled edition: %v, want ErrState", err)
		}
	})
}

// Resend sends one message to one reader, recorded as such in the report;
// a test send reaches the SMTP server marked as a test, outside the ledger.
func TestResendTestAndReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		const day = "2026-03-12"
		s := newSite(t, b, time.Time{}, false, 0)
		ctx := context.Background()
		s.clock.Set(s.at(day, 7, 0, 1))
		s.article("خبر اليوم", "سياسة", s.at(day, 5, 0, 0))
		subs := s.subscribers(5)
		qs := s.queue(1, 4)
		if _, err := s.dv.Prepare(ctx, qs[0], day); err != nil {
			t.Fatal(err)
		}
		s.waitFor("all sent", 30*time.Second, func() bool { return s.counts(day)[store.DeliverySent] == len(subs) })

		if err := s.ed.Resend(ctx, cli, day, subs[2].Email); err != nil {
			t.Fatal(err)
		}
		if per := s.sink.PerRecipient(); per[subs[2].Email] != 2 || per[subs[1].Email] != 1 || len(s.sink.Messages()) != 6 {
			t.Errorf("after resend: %v", per)
		}
		var buf bytes.Buffer
		if err := s.ed.Report(ctx, day, "csv", ReportQuery{}, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 6 || strings.Join(rows[0], ",") != "email,state,attempts,last_reply,time" {
			t.Fatalf("report = %q", rows)
		}
		if r := rows[3]; r[0] != subs[2].Email || r[1] != "sent" || r[2] != "2" || r[3] != "resent on request by cli:test" || r[4] == "" {
			t.Errorf("resent row = %q", r)
		}

		before := s.counts(day)
		if err := s.ed.Test(ctx, cli, day, []string{"editor@example.com", "محرر <second@example.com>"}); err != nil {
			t.Fatal(err)
		}
		msgs := s.sink.Messages()
		if len(msgs) != 8 {
			t.Fatalf("%d messages after the test send, want 8", len(msgs))
		}
		for _, m := range msgs[6:] {
			if subj := header(t, m.Data, "Subject"); !strings.HasPrefix(subj, TestSubjectPrefix) || header(t, m.Data, HeaderTest) != "yes" {
				t.Errorf("test message to %v: subject %q, %s %q", m.To, subj, HeaderTest, header(t, m.Data, HeaderTest))
			}
		}
		after := s.counts(day)
		for st, n := range before {
			if after[st] != n {
				t.Errorf("the test send changed the ledger: %v -> %v", before, after)
				break
			}
		}
		log, _ := s.st.ListAudit(ctx, store.AuditQuery{Target: day})
		if len(log) != 2 || log[0].Action != "edition.test" || log[1].Action != "edition.resend" || log[1].Detail != "to "+subs[2].Email {
			t.Errorf("audit = %+v", log)
		}
	})
}

// A preview as a subscriber shows their categories and name, and its links
// act on no one.
func TestPreviewAsSubscriber(t *testing.T) {
	const day = "2026-03-12"
	s := newSite(t, backendKind{"sqlite", t.TempDir() + "/nashra.db"}, time.Time{}, false, 0)
	ctx := context.Background()
	s.clock.Set(s.at(day, 6, 0, 0))
	s.article("خبر سياسي", "سياسة", s.at(day, 5, 0, 0))
	s.article("خبر رياضي", "رياضة", s.at(day, 5, 30, 0))
	sub := store.Subscriber{Email: "fan@example.org", Name: "مشجع", Status: store.StatusConfirmed, Categories: []string{"رياضة"}}
	if _, err := s.st.AddSubscriber(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	if got := s.ed.NextDue(); got != day {
		t.Fatalf("next due at 06:00 = %s, want %s", got, day)
	}
	html, err := s.ed.Preview(ctx, "", sub.Email, FormatHTML)
	if err != nil {
		t.Fatal(err)
	}
	h := string(html)
	if !strings.Contains(h, "خبر رياضي") || strings.Contains(h, "خبر سياسي") || !strings.Contains(h, "مشجع") {
		t.Errorf("preview as %s does not show their categories and name", sub.Email)
	}
	// The preview's links carry a token for subscriber 0, whom the
	// subscription pages do not find.
	real := s.dv.Links().Unsubscribe(&sub, "")
	if strings.Contains(h, real[strings.Index(real, "t=")+2:]) {
		t.Error("the preview carries the subscriber's real unsubscribe token")
	}
	if _, err := s.ed.Preview(ctx, "", "nobody@example.org", FormatText); !errors.Is(err, ErrNotFound) {
		t.Errorf("preview as an unknown address: %v", err)
	}
	eml, err := s.ed.Preview(ctx, day, "", FormatEML)
	if err != nil || header(t, eml, HeaderPreview) != "yes" {
		t.Errorf("eml preview: %v", err)
	}
	// Nothing was recorded by previewing.
	if _, err := s.st.GetEdition(ctx, day); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("preview recorded the edition: %v", err)
	}
}

// An editor can hold or cancel the next edition before it is built: held,
// it is built at its send time and kept back; cancelled before anything
// went out, its articles go to the edition after it.
func TestHoldAndCancelAhead(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backendKind) {
		s := newSite(t, b, time.Time{}, false, 0)
		ctx := context.Background()
		s.clock.Set(s.at("2026-03-11", 20, 0, 0))
		s.article("خبر المساء", "سياسة", s.at("2026-03-11", 19, 0, 0))
		s.subscribers(3)
		qs := s.queue(1, 4)
		next := s.ed.NextDue()
		if next != "2026-03-12" {
			t.Fatalf("next due = %s", next)
		}
		sum, err := s.ed.Hold(ctx, cli, next)
		if err != nil || sum.State != store.EditionHeld || sum.Built {
			t.Fatalf("hold ahead = %+v, %v", sum, err)
		}
		s.clock.Set(s.at(next, 7, 0, 1))
		if _, err := s.dv.Prepare(ctx, qs[0], next); !errors.Is(err, delivery.ErrHeld) {
			t.Fatalf("prepare of a held edition: %v", err)
		}
		if sum, _ := s.ed.Get(ctx, next); !sum.Built || sum.State != store.EditionHeld || sum.Recipients != 0 {
			t.Errorf("held at send time = %+v", sum)
		}
		// Cancelled before anything went out: its window is given back.
		if sum, err := s.ed.Cancel(ctx, cli, next); err != nil || sum.State != store.EditionCancelled {
			t.Fatalf("cancel = %+v, %v", sum, err)
		}
		s.clock.Set(s.at("2026-03-13", 7, 0, 1))
		_, e, err := s.dv.Edition(ctx, "2026-03-13")
		if err != nil {
			t.Fatal(err)
		}
		if e.Count != 1 || e.Sections[0].Stories[0].Title != "خبر المساء" {
			t.Errorf("the next edition after a cancelled one holds %d stories: %+v", e.Count, e.Sections)
		}
		if len(s.sink.Messages()) != 0 {
			t.Errorf("%d messages sent", len(s.sink.Messages()))
		}
		if list, err := s.ed.List(ctx, 0); err != nil || len(list) != 3 || list[0].ID != "2026-03-14" || list[0].Recorded ||
			list[1].ID != "2026-03-13" || list[2].State != store.EditionCancelled {
			t.Errorf("list = %+v, %v", list, err)
		}
	})
}
