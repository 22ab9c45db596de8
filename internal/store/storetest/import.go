package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// bulkInserter is the bulk path of CSV imports (sqldb.Core has it).
type bulkInserter interface {
	InsertNewSubscribers(ctx context.Context, subs []*store.Subscriber) ([]bool, []error, error)
}

// testInsertNewSubscribers: new addresses are inserted in one go, ones
// on the list (in any state) are left untouched, bad rows are reported
// per row without spoiling the batch (a row naming an unknown newsletter
// too).
func testInsertNewSubscribers(ctx context.Context, t *testing.T, s store.Store) {
	bulk, ok := s.(bulkInserter)
	if !ok {
		t.Fatalf("%T has no InsertNewSubscribers", s)
	}
	left := &store.Subscriber{Email: "left@example.org", Status: store.StatusUnsubscribed}
	if _, err := s.AddSubscriber(ctx, left); err != nil {
		t.Fatal(err)
	}
	subs := []*store.Subscriber{
		{Email: " New@Example.ORG ", Name: "سارة", Status: store.StatusConfirmed, Source: store.SourceImport, Categories: []string{"اقتصاد"}},
		{Email: "left@example.org", Status: store.StatusConfirmed, Source: store.SourceImport},
		{Email: "not-an-address", Status: store.StatusConfirmed},
		{Email: "odd@example.org", Status: "sleeping"},
		{Email: "second@xn--mgbh0fb.example", Status: store.StatusPending, Source: store.SourceImport},
		{Email: "monthly@example.org", Status: store.StatusConfirmed, Follow: []store.Subscription{{Newsletter: "monthly"}}},
	}
	created, errs, err := bulk.InsertNewSubscribers(ctx, subs)
	if err != nil {
		t.Fatal(err)
	}
	wantCreated := []bool{true, false, false, false, true, false}
	for i := range subs {
		if created[i] != wantCreated[i] {
			t.Errorf("row %d (%s): created %v, want %v", i, subs[i].Email, created[i], wantCreated[i])
		}
	}
	if errs[0] != nil || errs[1] != nil || errs[4] != nil {
		t.Errorf("errors on good rows: %v", errs)
	}
	if !errors.Is(errs[2], store.ErrInvalidEmail) || !errors.Is(errs[3], store.ErrInvalid) || !errors.Is(errs[5], store.ErrNotFound) {
		t.Errorf("bad rows: %v, %v, %v", errs[2], errs[3], errs[5])
	}
	got, err := s.SubscriberByEmail(ctx, "New@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != subs[0].ID || got.Name != "سارة" || got.Status != store.StatusConfirmed || got.ConfirmedAt.IsZero() ||
		len(got.Categories) != 1 || got.Source != store.SourceImport {
		t.Errorf("stored %+v", got)
	}
	again, err := s.SubscriberByEmail(ctx, "left@example.org")
	if err != nil || again.Status != store.StatusUnsubscribed {
		t.Errorf("an unsubscribed address changed: %+v, %v", again, err)
	}
	if n, _ := s.CountSubscribers(ctx, ""); n != 3 {
		t.Errorf("%d subscribers, want 3", n)
	}
}
