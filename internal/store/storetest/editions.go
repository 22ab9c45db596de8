package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func testEditionStates(ctx context.Context, t *testing.T, s store.Store) {
	from, to, sendAt := base.Add(-24*time.Hour), base, base.Add(time.Hour)
	e := &store.Edition{ID: "2025-03-14", Subject: "نشرة", Body: []byte(`{"count":1}`), State: store.EditionHeld,
		From: from, To: to, SendAt: sendAt, Note: "بانتظار الموافقة"}
	created, err := s.CreateEdition(ctx, e)
	must(t, "CreateEdition", err)
	if !created || e.State != store.EditionHeld || !e.From.Equal(from) || !e.To.Equal(to) || !e.SendAt.Equal(sendAt) ||
		e.Note != "بانتظار الموافقة" || !e.StartedAt.IsZero() || !e.Built() {
		t.Fatalf("created edition = %+v", e)
	}

	// A move from a state the edition is not in fails and says where it is.
	cur, err := s.SetEditionState(ctx, e.ID, store.EditionSending, "", store.EditionApproved)
	wantErr(t, "held to sending from approved", err, store.ErrEditionState)
	if cur == nil || cur.State != store.EditionHeld {
		t.Errorf("failed move returned %+v", cur)
	}
	got, err := s.SetEditionState(ctx, e.ID, store.EditionApproved, "cli:editor", store.EditionHeld, store.EditionScheduled)
	must(t, "approve", err)
	if got.State != store.EditionApproved || got.Note != "cli:editor" || got.UpdatedAt.IsZero() || !got.StartedAt.IsZero() {
		t.Errorf("approved = %+v", got)
	}
	got, err = s.SetEditionState(ctx, e.ID, store.EditionSending, "", store.EditionApproved)
	must(t, "send", err)
	started := got.StartedAt
	if got.State != store.EditionSending || started.IsZero() {
		t.Errorf("sending = %+v", got)
	}
	// Pause and resume keep the first start.
	_, err = s.SetEditionState(ctx, e.ID, store.EditionPaused, "", store.EditionSending)
	must(t, "pause", err)
	got, err = s.SetEditionState(ctx, e.ID, store.EditionSending, "", store.EditionPaused)
	must(t, "resume", err)
	if !got.StartedAt.Equal(started) {
		t.Errorf("resume moved StartedAt from %v to %v", started, got.StartedAt)
	}

	// Of racing moves from the same state exactly one wins.
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.SetEditionState(ctx, e.ID, store.EditionPaused, fmt.Sprint("worker ", i), store.EditionSending)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrEditionState):
			t.Errorf("racing pause: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing pauses won, want 1", won, n)
	}

	_, err = s.SetEditionState(ctx, "2025-03-15", store.EditionHeld, "", store.EditionScheduled)
	wantErr(t, "missing edition", err, store.ErrNotFound)
	_, err = s.SetEditionState(ctx, e.ID, "lost", "", store.EditionPaused)
	wantErr(t, "unknown state", err, store.ErrInvalid)
	_, err = s.CreateEdition(ctx, &store.Edition{ID: "2025-03-16", State: "lost"})
	wantErr(t, "CreateEdition unknown state", err, store.ErrInvalid)

	// ListEditions: newest first, without bodies, but knowing which are built.
	_, err = s.CreateEdition(ctx, &store.Edition{ID: "2025-03-15", State: store.EditionHeld})
	must(t, "CreateEdition unbuilt", err)
	list, err := s.ListEditions(ctx, 0)
	must(t, "ListEditions", err)
	if len(list) != 2 || list[0].ID != "2025-03-15" || list[1].ID != "2025-03-14" {
		t.Fatalf("ListEditions = %+v", list)
	}
	if list[0].Built() || !list[1].Built() || list[1].Body != nil || list[1].State != store.EditionPaused {
		t.Errorf("ListEditions rows = %+v", list)
	}
	if one, _ := s.ListEditions(ctx, 1); len(one) != 1 {
		t.Errorf("ListEditions limit 1 = %d rows", len(one))
	}
}

// An edition held before it was built gets its content once, keeping its
// state; later builds change nothing.
func testEditionFilledOnce(ctx context.Context, t *testing.T, s store.Store) {
	held := &store.Edition{ID: "2025-03-14", State: store.EditionHeld, Note: "cli:editor"}
	created, err := s.CreateEdition(ctx, held)
	must(t, "CreateEdition held", err)
	if !created || held.Built() {
		t.Fatalf("held = %+v", held)
	}
	first := &store.Edition{ID: "2025-03-14", Subject: "الأولى", Body: []byte(`{"n":1}`), State: store.EditionSending,
		From: base.Add(-time.Hour), To: base, SendAt: base}
	created, err = s.CreateEdition(ctx, first)
	must(t, "fill", err)
	if created || first.State != store.EditionHeld || string(first.Body) != `{"n":1}` || first.Subject != "الأولى" ||
		!first.To.Equal(base) || !first.SendAt.Equal(base) {
		t.Errorf("filled = created %v %+v", created, first)
	}
	second := &store.Edition{ID: "2025-03-14", Subject: "الثانية", Body: []byte(`{"n":2}`), To: base.Add(time.Hour)}
	_, err = s.CreateEdition(ctx, second)
	must(t, "fill again", err)
	if string(second.Body) != `{"n":1}` || second.Subject != "الأولى" || !second.To.Equal(base) {
		t.Errorf("second fill changed the edition: %+v", second)
	}
}

func testCancelDeliveries(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 5)
	e := queuedEdition(ctx, t, s, subs)
	// 0 sent, 1 sending, 2 retrying, 3 failed, 4 queued.
	claim(ctx, t, s, e.ID, subs[:4]...)
	must(t, "mark sent", s.MarkDelivery(ctx, e.ID, subs[0].ID, store.DeliverySent, ""))
	must(t, "mark retrying", s.MarkDelivery(ctx, e.ID, subs[2].ID, store.DeliveryRetrying, "451 try later"))
	must(t, "mark failed", s.MarkDelivery(ctx, e.ID, subs[3].ID, store.DeliveryFailed, "550 no"))

	n, err := s.CancelDeliveries(ctx, e.ID)
	must(t, "CancelDeliveries", err)
	if n != 2 {
		t.Errorf("cancelled %d, want 2 (the queued and the retrying one)", n)
	}
	counts, err := s.DeliveryCounts(ctx, e.ID)
	must(t, "counts", err)
	want := map[store.DeliveryState]int{store.DeliverySent: 1, store.DeliverySending: 1, store.DeliveryFailed: 1, store.DeliveryCancelled: 2}
	for st, c := range counts {
		if c != want[st] {
			t.Errorf("after cancel %s = %d, want %d", st, c, want[st])
		}
	}
	// Cancelled deliveries are never claimed again; the one in flight
	// still finishes.
	for _, i := range []int{2, 4} {
		d, ok, err := s.ClaimDelivery(ctx, e.ID, subs[i].ID)
		if err != nil || ok || d.State != store.DeliveryCancelled {
			t.Errorf("claim cancelled %d: %+v %v %v", i, d, ok, err)
		}
	}
	must(t, "in-flight finishes", s.MarkDelivery(ctx, e.ID, subs[1].ID, store.DeliverySent, ""))
	if n, err := s.CancelDeliveries(ctx, e.ID); err != nil || n != 0 {
		t.Errorf("second cancel = %d, %v", n, err)
	}
}

func testRecordResend(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 3)
	e := queuedEdition(ctx, t, s, subs[:2])
	claim(ctx, t, s, e.ID, subs[0])
	must(t, "sent", s.MarkDelivery(ctx, e.ID, subs[0].ID, store.DeliverySent, ""))

	// A sent one: one attempt more, the new message ID and note.
	must(t, "resend sent", s.RecordResend(ctx, e.ID, &subs[0], "<r1@example.com>", "resent on request by cli:editor"))
	ds, err := s.PageDeliveries(ctx, store.DeliveryQuery{EditionID: e.ID})
	must(t, "PageDeliveries", err)
	if d := ds[0]; d.State != store.DeliverySent || d.Attempts != 2 || d.MessageID != "<r1@example.com>" ||
		d.LastError != "resent on request by cli:editor" || d.SentAt.IsZero() {
		t.Errorf("resent delivery = %+v", d)
	}
	// One still queued is on its way: not resent.
	err = s.RecordResend(ctx, e.ID, &subs[1], "<r2@example.com>", "x")
	wantErr(t, "resend queued", err, store.ErrInvalid)
	// A subscriber without a delivery gets one, counted.
	must(t, "resend new", s.RecordResend(ctx, e.ID, &subs[2], "<r3@example.com>", "resent"))
	got, _ := s.GetEdition(ctx, e.ID)
	if got.Recipients != 3 {
		t.Errorf("Recipients = %d, want 3", got.Recipients)
	}
	err = s.RecordResend(ctx, "2025-03-15", &subs[0], "<r4@example.com>", "x")
	wantErr(t, "resend of a missing edition", err, store.ErrNotFound)
}

func testPageDeliveries(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 25)
	e := queuedEdition(ctx, t, s, subs)
	for _, i := range []int{3, 13, 23} {
		claim(ctx, t, s, e.ID, subs[i])
		must(t, "fail", s.MarkDelivery(ctx, e.ID, subs[i].ID, store.DeliveryFailed, "550"))
	}
	var all []store.Delivery
	after := int64(0)
	for {
		page, err := s.PageDeliveries(ctx, store.DeliveryQuery{EditionID: e.ID, AfterSubscriber: after, Limit: 10})
		must(t, "page", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].SubscriberID
	}
	if len(all) != 25 || all[0].SubscriberID != subs[0].ID || all[24].SubscriberID != subs[24].ID {
		t.Errorf("paged %d deliveries", len(all))
	}
	failed, err := s.PageDeliveries(ctx, store.DeliveryQuery{EditionID: e.ID, State: store.DeliveryFailed})
	must(t, "failed", err)
	if len(failed) != 3 {
		t.Errorf("failed = %d, want 3", len(failed))
	}
	// reader00013@… and reader00023@… contain "0013" and "0023"; "READER0001"
	// matches 00010-00019 whatever the case.
	byEmail, err := s.PageDeliveries(ctx, store.DeliveryQuery{EditionID: e.ID, Email: "READER0001"})
	must(t, "by email", err)
	if len(byEmail) != 10 {
		t.Errorf("by email = %d, want 10", len(byEmail))
	}
	both, err := s.PageDeliveries(ctx, store.DeliveryQuery{EditionID: e.ID, Email: "reader0001", State: store.DeliveryFailed})
	must(t, "by email and state", err)
	if len(both) != 1 || both[0].SubscriberID != subs[13].ID {
		t.Errorf("by email and state = %+v", both)
	}
}

// EditionControlMigration names the migration that gave editions their
// states and windows (NNNN_edition_control.up.sql in each backend).
const EditionControlMigration = "edition_control"

// testEditionControlMigration: editions sent before states existed come
// out of the migration as sent, or as sending while a delivery is open;
// their deliveries are kept.
func testEditionControlMigration(ctx context.Context, t *testing.T, s store.Store) {
	migrateBefore(ctx, t, s, EditionControlMigration)
	exec := rawExec(t, s)
	exec(`INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, updated_at) VALUES ('amal@example.org', 'أمل', 'confirmed', 'admin', 1, 1, 1)`)
	for _, e := range []string{"2026-01-01", "2026-01-02"} {
		exec(`INSERT INTO editions (id, subject, body, created_at, recipients) VALUES (?, 'عدد', ?, 5, 1)`, e, []byte(`{"to":"2026-01-01T04:00:00Z"}`))
	}
	exec(`INSERT INTO deliveries (edition_id, subscriber_id, email, state, updated_at) VALUES ('2026-01-01', 1, 'amal@example.org', 'sent', 1)`)
	exec(`INSERT INTO deliveries (edition_id, subscriber_id, email, state, updated_at) VALUES ('2026-01-02', 1, 'amal@example.org', 'retrying', 1)`)
	must(t, "Migrate", s.Migrate(ctx))

	for id, want := range map[string]store.EditionState{"2026-01-01": store.EditionSent, "2026-01-02": store.EditionSending} {
		e, err := s.GetEdition(ctx, id)
		must(t, "GetEdition", err)
		if e.State != want || e.StartedAt.IsZero() || !e.Built() {
			t.Errorf("edition %s after the migration = %+v, want %s", id, e, want)
		}
	}
	c, err := s.DeliveryCounts(ctx, "2026-01-02")
	must(t, "DeliveryCounts", err)
	if c[store.DeliveryRetrying] != 1 {
		t.Errorf("deliveries after the migration: %v", c)
	}
	// The new delivery state is accepted.
	n, err := s.CancelDeliveries(ctx, "2026-01-02")
	if err != nil || n != 1 {
		t.Errorf("cancel after the migration = %d, %v", n, err)
	}
}
