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

func testAddSubscriber(ctx context.Context, t *testing.T, s store.Store) {
	sub := &store.Subscriber{Email: "  Layla@Example.COM ", Name: "ليلى <b>", Categories: []string{"اقتصاد", "سياسة"}, Source: store.SourceForm}
	created, err := s.AddSubscriber(ctx, sub)
	must(t, "AddSubscriber", err)
	if !created || sub.ID == 0 {
		t.Fatalf("AddSubscriber: created=%v id=%d", created, sub.ID)
	}
	if sub.Email != "Layla@example.com" || sub.Status != store.StatusPending || sub.CreatedAt.IsZero() || !sub.ConfirmedAt.IsZero() {
		t.Errorf("AddSubscriber filled %+v", sub)
	}
	got, err := s.GetSubscriber(ctx, sub.ID)
	must(t, "GetSubscriber", err)
	want := *sub
	want.CreatedAt = sub.CreatedAt.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("GetSubscriber:\n got %+v\nwant %+v", *got, want)
	}
	for _, e := range []string{"Layla@EXAMPLE.com.", "layla@example.com", "LAYLA@example.COM"} {
		byEmail, err := s.SubscriberByEmail(ctx, e)
		if err != nil || byEmail.ID != sub.ID || byEmail.Email != "Layla@example.com" {
			t.Errorf("SubscriberByEmail(%q) = %v, %v", e, byEmail, err)
		}
	}

	// The same address again: no new record; the stored one comes back.
	dup := &store.Subscriber{Email: "Layla@example.com", Name: "other", Source: store.SourceImport}
	created, err = s.AddSubscriber(ctx, dup)
	must(t, "AddSubscriber duplicate", err)
	if created || dup.ID != sub.ID || dup.Name != sub.Name || dup.Status != store.StatusPending {
		t.Errorf("duplicate add: created=%v %+v", created, dup)
	}
	// An admin adding a pending address confirms it.
	conf := &store.Subscriber{Email: "Layla@example.com", Status: store.StatusConfirmed}
	created, err = s.AddSubscriber(ctx, conf)
	must(t, "AddSubscriber confirm", err)
	if created || conf.Status != store.StatusConfirmed || conf.ConfirmedAt.IsZero() || conf.Name != sub.Name {
		t.Errorf("confirming add: created=%v %+v", created, conf)
	}

	// Leaving is respected by later adds, unless forced.
	must(t, "RemoveSubscriber", s.RemoveSubscriber(ctx, "Layla@example.com"))
	again := &store.Subscriber{Email: "Layla@example.com", Status: store.StatusConfirmed, Source: store.SourceImport}
	_, err = s.AddSubscriber(ctx, again)
	wantErr(t, "re-add unsubscribed", err, store.ErrUnsubscribed)
	if again.Status != store.StatusUnsubscribed {
		t.Errorf("refused add should report the stored status, got %q", again.Status)
	}
	if cur, _ := s.GetSubscriber(ctx, sub.ID); cur.Status != store.StatusUnsubscribed {
		t.Errorf("refused add changed the status to %q", cur.Status)
	}
	forced := &store.Subscriber{Email: "Layla@example.com", Name: "ليلى", Status: store.StatusPending, Source: store.SourceForm, Force: true}
	created, err = s.AddSubscriber(ctx, forced)
	must(t, "forced re-add", err)
	if created || forced.ID != sub.ID || forced.Status != store.StatusPending || !forced.UnsubscribedAt.IsZero() || forced.Name != "ليلى" {
		t.Errorf("forced re-add: created=%v %+v", created, forced)
	}

	// Forcing a confirmed record keeps its name and confirmation time
	// unless told otherwise.
	must(t, "confirm", func() error {
		c := &store.Subscriber{Email: "Layla@example.com", Status: store.StatusConfirmed}
		_, err := s.AddSubscriber(ctx, c)
		return err
	}())
	before, _ := s.GetSubscriber(ctx, sub.ID)
	refresh := &store.Subscriber{Email: "Layla@example.com", Status: store.StatusConfirmed, Categories: []string{"رياضة"}, Force: true}
	_, err = s.AddSubscriber(ctx, refresh)
	must(t, "forced refresh", err)
	after, _ := s.GetSubscriber(ctx, sub.ID)
	if after.Name != "ليلى" || !after.ConfirmedAt.Equal(before.ConfirmedAt) || !reflect.DeepEqual(after.Categories, []string{"رياضة"}) {
		t.Errorf("forced refresh of a confirmed record: before %+v after %+v", before, after)
	}

	// Bounced addresses likewise.
	b := &store.Subscriber{Email: "bounce@example.net", Status: store.StatusBounced}
	_, err = s.AddSubscriber(ctx, b)
	must(t, "add bounced", err)
	_, err = s.AddSubscriber(ctx, &store.Subscriber{Email: "bounce@example.net", Status: store.StatusConfirmed})
	wantErr(t, "re-add bounced", err, store.ErrBounced)

	// An IDN domain is stored in punycode and found by its Unicode form.
	idn := &store.Subscriber{Email: "qari@مثال.السعودية", Status: store.StatusConfirmed, Source: store.SourceAdmin}
	_, err = s.AddSubscriber(ctx, idn)
	must(t, "add IDN", err)
	if idn.Email != "qari@xn--mgbh0fb.xn--mgberp4a5d4ar" || idn.ConfirmedAt.IsZero() {
		t.Errorf("IDN subscriber stored as %+v", idn)
	}
	if found, err := s.SubscriberByEmail(ctx, "qari@مثال.السعودية"); err != nil || found.ID != idn.ID {
		t.Errorf("SubscriberByEmail(IDN) = %v, %v", found, err)
	}

	for _, bad := range []struct {
		sub    store.Subscriber
		target error
	}{
		{store.Subscriber{Email: "not an email"}, store.ErrInvalidEmail},
		{store.Subscriber{Email: "a@example.com\r\nBcc: x@example.com"}, store.ErrInvalidEmail},
		{store.Subscriber{Email: "ok@example.com", Status: "maybe"}, store.ErrInvalid},
		{store.Subscriber{Email: "ok@example.com", Source: "scraped"}, store.ErrInvalid},
	} {
		sub := bad.sub
		_, err := s.AddSubscriber(ctx, &sub)
		wantErr(t, fmt.Sprintf("AddSubscriber(%q, %q, %q)", bad.sub.Email, bad.sub.Status, bad.sub.Source), err, bad.target)
	}
	_, err = s.GetSubscriber(ctx, 999999)
	wantErr(t, "GetSubscriber missing", err, store.ErrNotFound)
	_, err = s.SubscriberByEmail(ctx, "nobody@example.com")
	wantErr(t, "SubscriberByEmail missing", err, store.ErrNotFound)
}

func testAddSubscriberConcurrent(ctx context.Context, t *testing.T, s store.Store) {
	const n = 8
	var wg sync.WaitGroup
	created := make([]bool, n)
	errs := make([]error, n)
	ids := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			sub := &store.Subscriber{Email: "same@example.com", Status: store.StatusConfirmed}
			created[i], errs[i] = s.AddSubscriber(ctx, sub)
			ids[i] = sub.ID
		})
	}
	wg.Wait()
	wins := 0
	for i := range n {
		must(t, "concurrent AddSubscriber", errs[i])
		if created[i] {
			wins++
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Errorf("concurrent adds saw IDs %d and %d", ids[0], ids[i])
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent adds reported created, want exactly 1", wins)
	}
	if c, _ := s.CountSubscribers(ctx, ""); c != 1 {
		t.Errorf("CountSubscribers = %d, want 1", c)
	}
}

func testUpdateSubscriber(ctx context.Context, t *testing.T, s store.Store) {
	a := &store.Subscriber{Email: "a@example.com", Name: "أ"}
	b := &store.Subscriber{Email: "b@example.com", Name: "ب"}
	for _, sub := range []*store.Subscriber{a, b} {
		if _, err := s.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	a.Name = "أحمد"
	a.Status = store.StatusConfirmed
	a.Categories = []string{"رياضة"}
	a.Paused = true
	a.Bounces = 2
	must(t, "UpdateSubscriber", s.UpdateSubscriber(ctx, a))
	if a.ConfirmedAt.IsZero() {
		t.Error("a move to confirmed did not stamp ConfirmedAt")
	}
	got, err := s.GetSubscriber(ctx, a.ID)
	must(t, "GetSubscriber", err)
	if !reflect.DeepEqual(*got, *a) {
		t.Errorf("after update:\n got %+v\nwant %+v", *got, *a)
	}
	a.Categories = nil
	must(t, "UpdateSubscriber clear categories", s.UpdateSubscriber(ctx, a))
	if got, _ := s.GetSubscriber(ctx, a.ID); got.Categories != nil {
		t.Errorf("cleared categories came back as %#v", got.Categories)
	}

	taken := *a
	taken.Email = "b@EXAMPLE.com"
	wantErr(t, "update to a taken email", s.UpdateSubscriber(ctx, &taken), store.ErrConflict)
	missing := *a
	missing.ID = 424242
	missing.Email = "c@example.com"
	wantErr(t, "update missing", s.UpdateSubscriber(ctx, &missing), store.ErrNotFound)
	bad := *a
	bad.Status = "gone"
	wantErr(t, "update bad status", s.UpdateSubscriber(ctx, &bad), store.ErrInvalid)
}

func testRemoveAndDeleteSubscriber(ctx context.Context, t *testing.T, s store.Store) {
	sub := &store.Subscriber{Email: "leaver@example.com", Status: store.StatusConfirmed}
	_, err := s.AddSubscriber(ctx, sub)
	must(t, "add", err)
	must(t, "RemoveSubscriber", s.RemoveSubscriber(ctx, " leaver@EXAMPLE.com"))
	got, err := s.GetSubscriber(ctx, sub.ID)
	must(t, "get", err)
	if got.Status != store.StatusUnsubscribed || got.UnsubscribedAt.IsZero() || got.ConfirmedAt.IsZero() {
		t.Errorf("after remove: %+v", got)
	}
	time.Sleep(time.Millisecond)
	must(t, "RemoveSubscriber twice", s.RemoveSubscriber(ctx, "leaver@example.com"))
	if again, _ := s.GetSubscriber(ctx, sub.ID); !again.UnsubscribedAt.Equal(got.UnsubscribedAt) {
		t.Errorf("second remove moved UnsubscribedAt %v -> %v", got.UnsubscribedAt, again.UnsubscribedAt)
	}
	wantErr(t, "remove missing", s.RemoveSubscriber(ctx, "nobody@example.com"), store.ErrNotFound)
	wantErr(t, "remove invalid", s.RemoveSubscriber(ctx, "nobody"), store.ErrInvalidEmail)

	// Hard delete takes the ledger rows with it.
	e := &store.Edition{ID: "2025-03-14", Subject: "نشرة"}
	_, err = s.CreateEdition(ctx, e)
	must(t, "CreateEdition", err)
	_, err = s.EnqueueDeliveries(ctx, e.ID, []store.Subscriber{*sub})
	must(t, "enqueue", err)
	must(t, "DeleteSubscriber", s.DeleteSubscriber(ctx, "leaver@example.com"))
	_, err = s.GetSubscriber(ctx, sub.ID)
	wantErr(t, "get deleted", err, store.ErrNotFound)
	if ds, _ := s.ListDeliveries(ctx, e.ID, "", 0); len(ds) != 0 {
		t.Errorf("deliveries of a deleted subscriber remain: %v", ds)
	}
	wantErr(t, "delete twice", s.DeleteSubscriber(ctx, "leaver@example.com"), store.ErrNotFound)
	// The address can join afresh, with a new ID.
	fresh := &store.Subscriber{Email: "leaver@example.com"}
	created, err := s.AddSubscriber(ctx, fresh)
	if err != nil || !created || fresh.ID == sub.ID {
		t.Errorf("re-add after delete: created=%v id=%d (old %d) err=%v", created, fresh.ID, sub.ID, err)
	}
}

func testListSubscribers(ctx context.Context, t *testing.T, s store.Store) {
	statuses := []store.Status{store.StatusConfirmed, store.StatusPending, store.StatusConfirmed, store.StatusUnsubscribed, store.StatusBounced}
	var confirmed []int64
	for i := range 25 {
		sub := &store.Subscriber{Email: fmt.Sprintf("u%02d@example.com", i), Status: statuses[i%len(statuses)]}
		if _, err := s.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		if sub.Status == store.StatusConfirmed {
			confirmed = append(confirmed, sub.ID)
		}
	}
	// Page through the confirmed ones four at a time.
	var got []int64
	var after int64
	pages := 0
	for {
		page, err := s.ListSubscribers(ctx, store.SubscriberQuery{Status: store.StatusConfirmed, AfterID: after, Limit: 4})
		must(t, "ListSubscribers", err)
		if len(page) == 0 {
			break
		}
		pages++
		if len(page) > 4 {
			t.Fatalf("page of %d > limit 4", len(page))
		}
		for _, sub := range page {
			if sub.Status != store.StatusConfirmed {
				t.Errorf("status filter let %q through", sub.Status)
			}
			got = append(got, sub.ID)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, confirmed) || pages != 3 {
		t.Errorf("paged confirmed IDs = %v in %d pages, want %v in 3", got, pages, confirmed)
	}
	all, err := s.ListSubscribers(ctx, store.SubscriberQuery{})
	must(t, "ListSubscribers all", err)
	if len(all) != 25 {
		t.Errorf("ListSubscribers() = %d, want 25", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatalf("not in ID order at %d", i)
		}
	}
	for _, c := range []struct {
		st   store.Status
		want int
	}{{"", 25}, {store.StatusConfirmed, 10}, {store.StatusPending, 5}, {store.StatusUnsubscribed, 5}, {store.StatusBounced, 5}} {
		if n, err := s.CountSubscribers(ctx, c.st); err != nil || n != c.want {
			t.Errorf("CountSubscribers(%q) = %d, %v; want %d", c.st, n, err, c.want)
		}
	}
}

func testRecordBounce(ctx context.Context, t *testing.T, s store.Store) {
	sub := &store.Subscriber{Email: "full-mailbox@example.com", Status: store.StatusConfirmed}
	_, err := s.AddSubscriber(ctx, sub)
	must(t, "add", err)
	for i, want := range []bool{false, false, true, true} {
		bounced, err := s.RecordBounce(ctx, sub.ID, 3)
		must(t, "RecordBounce", err)
		if bounced != want {
			t.Errorf("bounce %d: bounced=%v, want %v", i+1, bounced, want)
		}
	}
	got, _ := s.GetSubscriber(ctx, sub.ID)
	if got.Status != store.StatusBounced || got.Bounces != 4 {
		t.Errorf("after 4 bounces: status %q bounces %d", got.Status, got.Bounces)
	}
	if n, _ := s.CountSubscribers(ctx, store.StatusConfirmed); n != 0 {
		t.Errorf("a bounced subscriber still counts as confirmed")
	}

	never := &store.Subscriber{Email: "never@example.com", Status: store.StatusConfirmed}
	_, err = s.AddSubscriber(ctx, never)
	must(t, "add", err)
	for range 5 {
		if bounced, err := s.RecordBounce(ctx, never.ID, 0); err != nil || bounced {
			t.Fatalf("max 0 bounced=%v err=%v; want never bounced", bounced, err)
		}
	}
	left := &store.Subscriber{Email: "left@example.com", Status: store.StatusUnsubscribed}
	_, err = s.AddSubscriber(ctx, left)
	must(t, "add", err)
	if bounced, _ := s.RecordBounce(ctx, left.ID, 1); bounced {
		t.Error("an unsubscribed address turned bounced")
	}
	_, err = s.RecordBounce(ctx, 987654, 3)
	wantErr(t, "RecordBounce missing", err, store.ErrNotFound)
}
