package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// testEmailCase: addresses differing only in case are one subscriber for
// every method that takes an address; the first spelling is kept.
func testEmailCase(ctx context.Context, t *testing.T, s store.Store) {
	first := &store.Subscriber{Email: "ali@example.com", Name: "علي", Status: store.StatusConfirmed}
	created, err := s.AddSubscriber(ctx, first)
	must(t, "AddSubscriber", err)
	second := &store.Subscriber{Email: "ALI@Example.com", Name: "ALI", Status: store.StatusConfirmed}
	again, err := s.AddSubscriber(ctx, second)
	must(t, "AddSubscriber other case", err)
	if !created || again || second.ID != first.ID || second.Email != "ali@example.com" || second.Name != "علي" {
		t.Errorf("second add: created=%v %+v, want the first record", again, second)
	}
	if n, _ := s.CountSubscribers(ctx, ""); n != 1 {
		t.Errorf("%d subscribers, want 1", n)
	}
	forced := &store.Subscriber{Email: "Ali@EXAMPLE.COM", Status: store.StatusPending, Force: true}
	if created, err := s.AddSubscriber(ctx, forced); err != nil || created || forced.ID != first.ID {
		t.Errorf("forced add in another case: created=%v %+v %v", created, forced, err)
	}
	must(t, "RemoveSubscriber", s.RemoveSubscriber(ctx, "ALI@EXAMPLE.COM"))
	got, err := s.GetSubscriber(ctx, first.ID)
	must(t, "GetSubscriber", err)
	if got.Status != store.StatusUnsubscribed {
		t.Errorf("removing ALI@EXAMPLE.COM left ali@example.com %s", got.Status)
	}
	_, err = s.AddSubscriber(ctx, &store.Subscriber{Email: "aLi@example.com", Status: store.StatusConfirmed})
	wantErr(t, "re-add in another case", err, store.ErrUnsubscribed)

	other := &store.Subscriber{Email: "omar@example.com"}
	_, err = s.AddSubscriber(ctx, other)
	must(t, "AddSubscriber omar", err)
	other.Email = "ALI@example.com"
	wantErr(t, "UpdateSubscriber onto another case of a taken address", s.UpdateSubscriber(ctx, other), store.ErrConflict)
	other.Email = "Omar@Example.com" // a new spelling of its own address is fine
	must(t, "UpdateSubscriber own address re-cased", s.UpdateSubscriber(ctx, other))

	must(t, "DeleteSubscriber", s.DeleteSubscriber(ctx, "ALI@example.COM"))
	_, err = s.SubscriberByEmail(ctx, "ali@example.com")
	wantErr(t, "after delete", err, store.ErrNotFound)
}

// EmailKeyMigration names the migration that made addresses
// case-insensitive (NNNN_email_key.up.sql in each backend).
const EmailKeyMigration = "email_key"

// testMergeCaseDuplicates writes subscribers that differ only in case
// under the schema before EmailKeyMigration, then migrates: each address
// keeps its earliest confirmed subscriber, which is unsubscribed when
// another spelling left after it was confirmed; the others are reported
// once by TakeSubscriberMerges; deliveries follow the kept subscriber so
// that no edition is sent to the address twice.
func testMergeCaseDuplicates(ctx context.Context, t *testing.T, s store.Store) {
	migrateBefore(ctx, t, s, EmailKeyMigration)
	exec := rawExec(t, s)
	// id email status created confirmed unsubscribed
	rows := []struct {
		id                   int
		email, status        string
		created, conf, unsub any
	}{
		{1, "Ali@Example.com", "pending", 100, nil, nil},
		{2, "ali@example.com", "confirmed", 110, 300, nil},
		{3, "ALI@example.com", "confirmed", 120, 200, nil},
		{4, "Sara@example.org", "confirmed", 100, 100, nil},
		{5, "sara@example.org", "unsubscribed", 130, nil, 500},
		{6, "Omar@example.org", "unsubscribed", 100, 40, 50},
		{7, "omar@example.org", "confirmed", 140, 100, nil},
		{8, "solo@example.org", "confirmed", 150, 150, nil},
	}
	for _, r := range rows { // IDs are given out 1, 2, … on a fresh store
		exec(fmt.Sprintf(`INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, unsubscribed_at, updated_at)
			VALUES ('%s', 'قارئ %d', '%s', 'admin', %d, %s, %s, 1)`, r.email, r.id, r.status, r.created, sqlVal(r.conf), sqlVal(r.unsub)))
	}
	for _, e := range []string{"2026-01-01", "2026-01-02"} {
		exec(`INSERT INTO editions (id, subject, body, created_at) VALUES (?, 'عدد', ?, 1)`, e, []byte("{}"))
	}
	for _, d := range []struct {
		ed    string
		sub   int
		state string
	}{
		{"2026-01-01", 1, "queued"}, // 2's is further on: dropped
		{"2026-01-01", 2, "sent"},   // kept 3 has none: moves to 3
		{"2026-01-02", 3, "queued"}, // kept 3's own, marked sent…
		{"2026-01-02", 2, "sent"},   // …since this one was sent
	} {
		exec(`INSERT INTO deliveries (edition_id, subscriber_id, email, state, updated_at) VALUES (?, ?, 'x@example.org', ?, 1)`, d.ed, d.sub, d.state)
	}
	must(t, "Migrate", s.Migrate(ctx))

	list, err := s.ListSubscribers(ctx, store.SubscriberQuery{})
	must(t, "ListSubscribers", err)
	var got []string
	for _, sub := range list {
		got = append(got, fmt.Sprintf("%d %s %s", sub.ID, sub.Email, sub.Status))
	}
	want := []string{"3 ALI@example.com confirmed", "4 Sara@example.org unsubscribed", "7 omar@example.org confirmed", "8 solo@example.org confirmed"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("after merging:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sara, _ := s.GetSubscriber(ctx, 4); sara == nil || sara.UnsubscribedAt.UnixNano() != 500 {
		t.Errorf("Sara: %+v, want unsubscribed at 500ns", sara)
	}
	merges, err := s.TakeSubscriberMerges(ctx)
	must(t, "TakeSubscriberMerges", err)
	got = got[:0]
	for _, mg := range merges {
		got = append(got, fmt.Sprintf("%d %s %s -> %d", mg.ID, mg.Email, mg.Status, mg.MergedInto))
	}
	want = []string{"1 Ali@Example.com pending -> 3", "2 ali@example.com confirmed -> 3", "5 sara@example.org unsubscribed -> 4", "6 Omar@example.org unsubscribed -> 7"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("merges:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(merges) > 0 && (merges[0].Name != "قارئ 1" || merges[0].CreatedAt.UnixNano() != 100 || merges[0].MergedAt.IsZero()) {
		t.Errorf("merge record %+v", merges[0])
	}
	if again, err := s.TakeSubscriberMerges(ctx); err != nil || len(again) != 0 {
		t.Errorf("merges reported twice: %v %v", again, err)
	}
	for ed, want := range map[string]string{"2026-01-01": "3 sent", "2026-01-02": "3 sent"} {
		ds, err := s.ListDeliveries(ctx, ed, "", 0)
		must(t, "ListDeliveries", err)
		var g []string
		for _, d := range ds {
			g = append(g, fmt.Sprintf("%d %s", d.SubscriberID, d.State))
		}
		if strings.Join(g, "; ") != want {
			t.Errorf("deliveries of %s: %v, want %s", ed, g, want)
		}
	}
	// And the schema now refuses a case duplicate outright.
	dup := &store.Subscriber{Email: "SOLO@example.org"}
	if created, err := s.AddSubscriber(ctx, dup); err != nil || created || dup.ID != 8 {
		t.Errorf("add SOLO@: created=%v %+v %v", created, dup, err)
	}
}

func sqlVal(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

// migrateBefore migrates a fresh store up to, not including, the migration
// named name; the test is skipped for a store without MigrateBefore.
func migrateBefore(ctx context.Context, t *testing.T, s store.Store, name string) {
	t.Helper()
	m, ok := s.(interface {
		MigrateBefore(ctx context.Context, name string) error
	})
	if !ok {
		t.Skip("the store has no MigrateBefore")
	}
	must(t, "MigrateBefore", m.MigrateBefore(ctx, name))
}

// rawExec runs SQL written with ? placeholders on either backend.
func rawExec(t *testing.T, s store.Store) func(q string, args ...any) {
	var v string
	pg := s.DB().QueryRow("SELECT sqlite_version()").Scan(&v) != nil
	return func(q string, args ...any) {
		t.Helper()
		if pg {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
			}
		}
		if _, err := s.DB().Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
