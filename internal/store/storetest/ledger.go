package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func addSubscribers(ctx context.Context, t *testing.T, s store.Store, n int) []store.Subscriber {
	t.Helper()
	out := make([]store.Subscriber, 0, n)
	for i := range n {
		sub := store.Subscriber{Email: fmt.Sprintf("reader%05d@example.com", i), Name: fmt.Sprintf("قارئ %d", i), Status: store.StatusConfirmed}
		if _, err := s.AddSubscriber(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		out = append(out, sub)
	}
	return out
}

// queuedEdition creates an edition and queues a delivery to each of subs.
func queuedEdition(ctx context.Context, t *testing.T, s store.Store, subs []store.Subscriber) *store.Edition {
	t.Helper()
	e := &store.Edition{ID: "2025-03-14", Subject: "نشرة", Body: []byte(`{}`)}
	_, err := s.CreateEdition(ctx, e)
	must(t, "CreateEdition", err)
	_, err = s.EnqueueDeliveries(ctx, e.ID, subs)
	must(t, "EnqueueDeliveries", err)
	return e
}

// claim claims the delivery of edition to each of subs; every claim must
// be won.
func claim(ctx context.Context, t *testing.T, s store.Store, edition string, subs ...store.Subscriber) {
	t.Helper()
	for _, sub := range subs {
		if _, ok, err := s.ClaimDelivery(ctx, edition, sub.ID); err != nil || !ok {
			t.Fatalf("claim %s/%d: ok=%v err=%v", edition, sub.ID, ok, err)
		}
	}
}

func testEditions(ctx context.Context, t *testing.T, s store.Store) {
	body := []byte(`{"title":"نشرة الجمعة","stories":[{"title":"خبر"}]}`)
	e := &store.Edition{ID: "2025-03-14", Subject: "نشرة الجمعة ١٤ مارس", Body: body, CreatedAt: base.In(riyadh)}
	created, err := s.CreateEdition(ctx, e)
	must(t, "CreateEdition", err)
	if !created {
		t.Error("first CreateEdition reported false")
	}
	// A second build of the same day does not replace the first.
	other := &store.Edition{ID: "2025-03-14", Subject: "أخرى", Body: []byte(`{}`)}
	created, err = s.CreateEdition(ctx, other)
	must(t, "CreateEdition again", err)
	if created || other.Subject != e.Subject || string(other.Body) != string(body) || !other.CreatedAt.Equal(base) {
		t.Errorf("second CreateEdition: created=%v %+v", created, other)
	}
	got, err := s.GetEdition(ctx, e.ID)
	must(t, "GetEdition", err)
	want := store.Edition{ID: e.ID, Subject: e.Subject, Body: body, CreatedAt: base,
		State: store.EditionScheduled, UpdatedAt: base, BodySize: len(body)}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("GetEdition:\n got %+v\nwant %+v", *got, want)
	}
	_, err = s.GetEdition(ctx, "2025-03-15")
	wantErr(t, "GetEdition missing", err, store.ErrNotFound)
	_, err = s.CreateEdition(ctx, &store.Edition{})
	wantErr(t, "CreateEdition without ID", err, store.ErrInvalid)
}

func testEnqueueDeliveries(ctx context.Context, t *testing.T, s store.Store) {
	// More than one statement's worth of subscribers.
	subs := addSubscribers(ctx, t, s, 2600)
	e := &store.Edition{ID: "2025-03-14", Subject: "نشرة"}
	_, err := s.CreateEdition(ctx, e)
	must(t, "CreateEdition", err)

	n, err := s.EnqueueDeliveries(ctx, e.ID, subs[:2000])
	must(t, "enqueue", err)
	if n != 2000 {
		t.Errorf("enqueue 2000 = %d", n)
	}
	// Again, overlapping: only the new ones are added.
	n, err = s.EnqueueDeliveries(ctx, e.ID, subs[1500:])
	must(t, "enqueue overlapping", err)
	if n != 600 {
		t.Errorf("overlapping enqueue added %d, want 600", n)
	}
	n, err = s.EnqueueDeliveries(ctx, e.ID, subs)
	must(t, "enqueue all again", err)
	if n != 0 {
		t.Errorf("repeated enqueue added %d, want 0", n)
	}
	got, _ := s.GetEdition(ctx, e.ID)
	if got.Recipients != 2600 {
		t.Errorf("Recipients = %d, want 2600", got.Recipients)
	}
	counts, err := s.DeliveryCounts(ctx, e.ID)
	must(t, "DeliveryCounts", err)
	if counts[store.DeliveryQueued] != 2600 || len(counts) != len(store.DeliveryStates) {
		t.Errorf("DeliveryCounts = %v", counts)
	}

	// A subscriber deleted before the enqueue is skipped; the address
	// comes from the subscriber record.
	e2 := &store.Edition{ID: "2025-03-15", Subject: "نشرة"}
	_, err = s.CreateEdition(ctx, e2)
	must(t, "CreateEdition 2", err)
	must(t, "delete", s.DeleteSubscriber(ctx, subs[1].Email))
	few := []store.Subscriber{subs[0], subs[1], subs[2], subs[2]}
	few[0].Email = "spoofed@example.com"
	n, err = s.EnqueueDeliveries(ctx, e2.ID, few)
	must(t, "enqueue with a deleted subscriber", err)
	if n != 2 {
		t.Errorf("enqueue added %d, want 2", n)
	}
	ds, err := s.ListDeliveries(ctx, e2.ID, "", 0)
	must(t, "ListDeliveries", err)
	if len(ds) != 2 || ds[0].SubscriberID != subs[0].ID || ds[0].Email != subs[0].Email || ds[1].SubscriberID != subs[2].ID {
		t.Errorf("deliveries = %+v", ds)
	}
	if ds[0].State != store.DeliveryQueued || ds[0].Attempts != 0 || ds[0].UpdatedAt.IsZero() || !ds[0].SentAt.IsZero() {
		t.Errorf("fresh delivery = %+v", ds[0])
	}

	_, err = s.EnqueueDeliveries(ctx, "1999-01-01", subs[:1])
	wantErr(t, "enqueue for a missing edition", err, store.ErrNotFound)
	if n, err := s.EnqueueDeliveries(ctx, e2.ID, nil); err != nil || n != 0 {
		t.Errorf("enqueue nobody = %d, %v", n, err)
	}
}

func testDeliveryLifecycle(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 4)
	e := queuedEdition(ctx, t, s, subs)
	id := subs[0].ID

	d, ok, err := s.ClaimDelivery(ctx, e.ID, id)
	must(t, "claim", err)
	if !ok || d.State != store.DeliverySending || d.Attempts != 1 || d.Email != subs[0].Email {
		t.Fatalf("first claim: ok=%v %+v", ok, d)
	}
	d, ok, err = s.ClaimDelivery(ctx, e.ID, id)
	must(t, "claim again", err)
	if ok || d.State != store.DeliverySending || d.Attempts != 1 {
		t.Errorf("claim of a sending delivery: ok=%v %+v", ok, d)
	}
	must(t, "MarkDelivery retrying", s.MarkDelivery(ctx, e.ID, id, store.DeliveryRetrying, "451 4.7.1 try again later"))
	d, ok, err = s.ClaimDelivery(ctx, e.ID, id)
	must(t, "claim retrying", err)
	if !ok || d.Attempts != 2 || d.LastError != "451 4.7.1 try again later" {
		t.Errorf("claim of a retrying delivery: ok=%v %+v", ok, d)
	}
	must(t, "SetDeliveryMessageID", s.SetDeliveryMessageID(ctx, e.ID, id, "<2025-03-14.1@nashra.example>"))
	must(t, "MarkDelivery sent", s.MarkDelivery(ctx, e.ID, id, store.DeliverySent, ""))
	d, ok, err = s.ClaimDelivery(ctx, e.ID, id)
	must(t, "claim sent", err)
	if ok || d.State != store.DeliverySent || d.SentAt.IsZero() || d.MessageID != "<2025-03-14.1@nashra.example>" || d.Attempts != 2 {
		t.Errorf("claim of a sent delivery: ok=%v %+v", ok, d)
	}
	sentAt := d.SentAt
	wantErr(t, "sent -> retrying", s.MarkDelivery(ctx, e.ID, id, store.DeliveryRetrying, "late"), store.ErrDeliveryFinal)
	must(t, "sent -> sent", s.MarkDelivery(ctx, e.ID, id, store.DeliverySent, ""))
	if ds, _ := s.ListDeliveries(ctx, e.ID, store.DeliverySent, 0); len(ds) != 1 || !ds[0].SentAt.Equal(sentAt) {
		t.Errorf("a repeated sent mark moved SentAt: %+v", ds)
	}

	// A permanent failure is final for claims.
	claim(ctx, t, s, e.ID, subs[1])
	must(t, "mark failed", s.MarkDelivery(ctx, e.ID, subs[1].ID, store.DeliveryFailed, "550 5.1.1 no such user"))
	if d, ok, _ := s.ClaimDelivery(ctx, e.ID, subs[1].ID); ok || d.State != store.DeliveryFailed {
		t.Errorf("claim of a failed delivery: ok=%v %+v", ok, d)
	}
	claim(ctx, t, s, e.ID, subs[2])

	counts, err := s.DeliveryCounts(ctx, e.ID)
	must(t, "DeliveryCounts", err)
	want := map[store.DeliveryState]int{store.DeliveryQueued: 1, store.DeliverySending: 1, store.DeliverySent: 1, store.DeliveryRetrying: 0, store.DeliveryFailed: 1, store.DeliverySkipped: 0, store.DeliveryCancelled: 0}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("DeliveryCounts = %v, want %v", counts, want)
	}
	if c, _ := s.DeliveryCounts(ctx, "1999-01-01"); c[store.DeliveryQueued] != 0 || len(c) != len(store.DeliveryStates) {
		t.Errorf("DeliveryCounts of a missing edition = %v", c)
	}
	for _, tt := range []struct {
		state store.DeliveryState
		limit int
		want  []int64
	}{
		{"", 0, []int64{subs[0].ID, subs[1].ID, subs[2].ID, subs[3].ID}},
		{"", 2, []int64{subs[0].ID, subs[1].ID}},
		{store.DeliveryFailed, 0, []int64{subs[1].ID}},
		{store.DeliveryQueued, 10, []int64{subs[3].ID}},
		{store.DeliveryRetrying, 0, nil},
	} {
		ds, err := s.ListDeliveries(ctx, e.ID, tt.state, tt.limit)
		must(t, "ListDeliveries", err)
		var got []int64
		for _, d := range ds {
			got = append(got, d.SubscriberID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ListDeliveries(%q, %d) = %v, want %v", tt.state, tt.limit, got, tt.want)
		}
	}
	if ds, _ := s.ListDeliveries(ctx, e.ID, store.DeliveryFailed, 0); ds[0].LastError != "550 5.1.1 no such user" {
		t.Errorf("failed delivery lost its error: %+v", ds[0])
	}

	_, _, err = s.ClaimDelivery(ctx, e.ID, 999999)
	wantErr(t, "claim missing", err, store.ErrNotFound)
	wantErr(t, "mark missing", s.MarkDelivery(ctx, e.ID, 999999, store.DeliverySent, ""), store.ErrNotFound)
	wantErr(t, "mark bad state", s.MarkDelivery(ctx, e.ID, id, "lost", ""), store.ErrInvalid)
	wantErr(t, "message id missing", s.SetDeliveryMessageID(ctx, e.ID, 999999, "<x@y>"), store.ErrNotFound)
}

// testClaimDeliveryConcurrent races workers over every delivery of an
// edition: each delivery must be won by exactly one claim.
func testClaimDeliveryConcurrent(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 40)
	e := queuedEdition(ctx, t, s, subs)

	const workers = 4
	wins := make([][]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for _, sub := range subs {
				_, ok, err := s.ClaimDelivery(ctx, e.ID, sub.ID)
				if err != nil {
					errs[w] = err
					return
				}
				if ok {
					wins[w] = append(wins[w], sub.ID)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	won := map[int64]int{}
	for w := range workers {
		must(t, fmt.Sprintf("worker %d", w), errs[w])
		for _, id := range wins[w] {
			won[id]++
		}
	}
	for _, sub := range subs {
		if won[sub.ID] != 1 {
			t.Errorf("delivery to %d won %d times, want exactly once", sub.ID, won[sub.ID])
		}
	}
	ds, _ := s.ListDeliveries(ctx, e.ID, "", 0)
	for _, d := range ds {
		if d.State != store.DeliverySending || d.Attempts != 1 {
			t.Errorf("after the race: %+v", d)
		}
	}

	// And the two-goroutine case the brief names, many times over.
	for _, sub := range subs[:10] {
		must(t, "reset", s.MarkDelivery(ctx, e.ID, sub.ID, store.DeliveryRetrying, ""))
		var n sync.WaitGroup
		got := make([]bool, 2)
		for i := range got {
			n.Go(func() { _, got[i], errs[i] = s.ClaimDelivery(ctx, e.ID, sub.ID) })
		}
		n.Wait()
		if errs[0] != nil || errs[1] != nil || got[0] == got[1] {
			t.Errorf("two claims of %d: %v %v (%v, %v)", sub.ID, got[0], got[1], errs[0], errs[1])
		}
	}
}

// testStaleSending: a delivery left in "sending" by a worker that died is
// handed out again once store.SendingLease has passed, and not before.
func testStaleSending(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 2)
	e := queuedEdition(ctx, t, s, subs)
	claim(ctx, t, s, e.ID, subs...)
	// Age the first claim past the lease, the second not quite; both
	// backends store times as Unix nanoseconds.
	old := time.Now().Add(-store.SendingLease - time.Minute).UnixNano()
	recent := time.Now().Add(-store.SendingLease + time.Minute).UnixNano()
	for _, u := range []struct {
		id int64
		at int64
	}{{subs[0].ID, old}, {subs[1].ID, recent}} {
		q := fmt.Sprintf("UPDATE deliveries SET updated_at = %d WHERE edition_id = '%s' AND subscriber_id = %d", u.at, e.ID, u.id)
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	d, ok, err := s.ClaimDelivery(ctx, e.ID, subs[0].ID)
	if err != nil || !ok || d.Attempts != 2 {
		t.Errorf("stale sending delivery: ok=%v %+v %v; want reclaimed with attempt 2", ok, d, err)
	}
	if _, ok, err := s.ClaimDelivery(ctx, e.ID, subs[1].ID); err != nil || ok {
		t.Errorf("recent sending delivery reclaimed: ok=%v err=%v", ok, err)
	}
}

// testDeliverySkipped: a skipped delivery is final for claims like a failed
// one, keeps its note, and is counted and listed apart from failures.
func testDeliverySkipped(ctx context.Context, t *testing.T, s store.Store) {
	subs := addSubscribers(ctx, t, s, 3)
	e := queuedEdition(ctx, t, s, subs)
	claim(ctx, t, s, e.ID, subs[:2]...)
	const why = "not sent: no story in the chosen categories"
	must(t, "mark skipped", s.MarkDelivery(ctx, e.ID, subs[0].ID, store.DeliverySkipped, why))
	must(t, "mark failed", s.MarkDelivery(ctx, e.ID, subs[1].ID, store.DeliveryFailed, "550 5.1.1 no such user"))

	d, ok, err := s.ClaimDelivery(ctx, e.ID, subs[0].ID)
	must(t, "claim skipped", err)
	if ok || d.State != store.DeliverySkipped || d.LastError != why || !d.SentAt.IsZero() {
		t.Errorf("claim of a skipped delivery: ok=%v %+v", ok, d)
	}
	counts, err := s.DeliveryCounts(ctx, e.ID)
	must(t, "DeliveryCounts", err)
	want := map[store.DeliveryState]int{store.DeliveryQueued: 1, store.DeliverySending: 0, store.DeliverySent: 0,
		store.DeliveryRetrying: 0, store.DeliveryFailed: 1, store.DeliverySkipped: 1, store.DeliveryCancelled: 0}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("DeliveryCounts = %v, want %v", counts, want)
	}
	ds, err := s.ListDeliveries(ctx, e.ID, store.DeliverySkipped, 0)
	must(t, "ListDeliveries skipped", err)
	if len(ds) != 1 || ds[0].SubscriberID != subs[0].ID || ds[0].Email != subs[0].Email {
		t.Errorf("ListDeliveries(skipped) = %+v", ds)
	}
	if !store.DeliverySkipped.Valid() {
		t.Error("skipped is not a valid state")
	}
}

// testClaimDeliveryLoad: a store that reads the subscriber within the claim
// returns the same record GetSubscriber does, and nothing when the claim
// is not won.
func testClaimDeliveryLoad(ctx context.Context, t *testing.T, s store.Store) {
	cl, ok := s.(store.ClaimLoader)
	if !ok {
		t.Skip("this store does not implement store.ClaimLoader")
	}
	subs := addSubscribers(ctx, t, s, 2)
	sub := subs[0]
	sub.Categories = []string{"اقتصاد", "رياضة"}
	must(t, "UpdateSubscriber", s.UpdateSubscriber(ctx, &sub))
	e := queuedEdition(ctx, t, s, subs)

	d, claimed, got, err := cl.ClaimDeliveryLoad(ctx, e.ID, sub.ID)
	must(t, "ClaimDeliveryLoad", err)
	want, err := s.GetSubscriber(ctx, sub.ID)
	must(t, "GetSubscriber", err)
	if !claimed || d.State != store.DeliverySending || d.Attempts != 1 || got == nil || !reflect.DeepEqual(*got, *want) {
		t.Fatalf("ClaimDeliveryLoad = %+v, %v, %+v; want sending, true, %+v", d, claimed, got, want)
	}
	d, claimed, got, err = cl.ClaimDeliveryLoad(ctx, e.ID, sub.ID)
	must(t, "second ClaimDeliveryLoad", err)
	if claimed || got != nil || d.State != store.DeliverySending {
		t.Errorf("second ClaimDeliveryLoad = %+v, %v, %+v; want the sending row, false, nil", d, claimed, got)
	}
	_, _, _, err = cl.ClaimDeliveryLoad(ctx, e.ID, 999999)
	wantErr(t, "ClaimDeliveryLoad of no delivery", err, store.ErrNotFound)
}
