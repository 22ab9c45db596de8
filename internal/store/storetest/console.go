package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func testConsoleQueries(ctx context.Context, t *testing.T, s store.Store) {
	add := func(email, name string, st store.Status, cats ...string) *store.Subscriber {
		sub := &store.Subscriber{Email: email, Name: name, Status: st, Categories: cats}
		_, err := s.AddSubscriber(ctx, sub)
		must(t, "AddSubscriber", err)
		return sub
	}
	a := add("noura@example.org", "نورة العتيبي", store.StatusConfirmed, "اقتصاد", "ثقافة")
	b := add("Faisal_1@Example.org", "فيصل", store.StatusPending, "رياضة")
	c := add("x100%@example.net", "Noura Smith", store.StatusConfirmed)
	ids := func(subs []store.Subscriber) string {
		out := ""
		for _, x := range subs {
			out += fmt.Sprint(x.ID, " ")
		}
		return out
	}
	want := func(ss ...*store.Subscriber) string {
		out := ""
		for _, x := range ss {
			out += fmt.Sprint(x.ID, " ")
		}
		return out
	}
	for _, tc := range []struct {
		q    store.SubscriberSearch
		want string
	}{
		{store.SubscriberSearch{}, want(c, b, a)},
		{store.SubscriberSearch{Text: "noura"}, want(c, a)},
		{store.SubscriberSearch{Text: "NOURA@example.ORG"}, want(a)},
		{store.SubscriberSearch{Text: "faisal_1@example.org", Status: store.StatusConfirmed}, ""},
		{store.SubscriberSearch{Text: "nobody@example.org"}, ""},
		{store.SubscriberSearch{Text: "NOURA"}, want(c, a)},
		{store.SubscriberSearch{Text: "العتيبي"}, want(a)},
		{store.SubscriberSearch{Text: "faisal_"}, want(b)},
		{store.SubscriberSearch{Text: "_"}, want(b)},
		{store.SubscriberSearch{Text: "%"}, want(c)},
		{store.SubscriberSearch{Status: store.StatusConfirmed}, want(c, a)},
		{store.SubscriberSearch{Category: "ثقافة"}, want(a)},
		{store.SubscriberSearch{Category: "ثقا"}, ""},
		{store.SubscriberSearch{Text: "example.org", Status: store.StatusPending}, want(b)},
		{store.SubscriberSearch{Limit: 2}, want(c, b)},
		{store.SubscriberSearch{Limit: 2, BeforeID: b.ID}, want(a)},
		{store.SubscriberSearch{Text: "noura", Limit: 1}, want(c)},
		{store.SubscriberSearch{Text: "noura", Limit: 1, BeforeID: c.ID}, want(a)},
		{store.SubscriberSearch{Text: "noura", Limit: 5}, want(c, a)},
	} {
		got, err := s.SearchSubscribers(ctx, tc.q)
		must(t, "SearchSubscribers", err)
		if ids(got) != tc.want {
			t.Errorf("SearchSubscribers(%+v) = %s, want %s", tc.q, ids(got), tc.want)
		}
	}

	// The text index follows renames and erasures.
	b.Name = "فيصل الدوسري"
	must(t, "UpdateSubscriber", s.UpdateSubscriber(ctx, b))
	for text, want := range map[string]string{"الدوسري": want(b), "فيصل": want(b), "dosari": "", "NOURA SMITH": want(c)} {
		got, err := s.SearchSubscribers(ctx, store.SubscriberSearch{Text: text})
		must(t, "SearchSubscribers after rename", err)
		if ids(got) != want {
			t.Errorf("after rename, SearchSubscribers(%q) = %s, want %s", text, ids(got), want)
		}
	}
	must(t, "EraseSubscriber", s.EraseSubscriber(ctx, c.ID, "erased-c"))
	if got, _ := s.SearchSubscribers(ctx, store.SubscriberSearch{Text: "x100%"}); len(got) != 0 {
		t.Errorf("an erased subscriber is still found: %+v", got)
	}
	if got, _ := s.SearchSubscribers(ctx, store.SubscriberSearch{Text: "Smith"}); len(got) != 0 {
		t.Errorf("an erased subscriber's name is still found: %+v", got)
	}

	for _, day := range []string{"2026-06-01", "2026-06-02"} {
		_, err := s.CreateEdition(ctx, &store.Edition{ID: day, Subject: "نشرة " + day, Body: []byte("{}")})
		must(t, "CreateEdition", err)
		_, err = s.EnqueueDeliveries(ctx, day, []store.Subscriber{*a, *b})
		must(t, "EnqueueDeliveries", err)
	}
	must(t, "MarkDelivery", s.MarkDelivery(ctx, "2026-06-01", a.ID, store.DeliveryFailed, "550 5.1.1 no such user"))
	// The dashboard's counts in one query each agree with the counts
	// one by one.
	days := []string{"2026-06-01", "2026-06-02", "1999-01-01"}
	byEdition, err := s.EditionDeliveryCounts(ctx, days)
	must(t, "EditionDeliveryCounts", err)
	if len(byEdition) != len(days) || byEdition["2026-06-01"][store.DeliveryFailed] != 1 || byEdition["2026-06-02"][store.DeliveryQueued] != 2 {
		t.Errorf("EditionDeliveryCounts = %v", byEdition)
	}
	for _, id := range days {
		one, err := s.DeliveryCounts(ctx, id)
		must(t, "DeliveryCounts", err)
		if !reflect.DeepEqual(byEdition[id], one) {
			t.Errorf("EditionDeliveryCounts[%s] = %v, DeliveryCounts = %v", id, byEdition[id], one)
		}
	}
	if got, err := s.EditionDeliveryCounts(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("EditionDeliveryCounts of none = %v, %v", got, err)
	}
	b.Status = store.StatusBounced
	must(t, "UpdateSubscriber", s.UpdateSubscriber(ctx, b))
	byStatus, err := s.SubscriberCounts(ctx)
	must(t, "SubscriberCounts", err)
	total := 0
	for _, st := range []store.Status{store.StatusPending, store.StatusConfirmed, store.StatusUnsubscribed, store.StatusBounced} {
		n, err := s.CountSubscribers(ctx, st)
		must(t, "CountSubscribers", err)
		if got, ok := byStatus[st]; !ok || got != n {
			t.Errorf("SubscriberCounts[%s] = %d (present %v), CountSubscribers = %d", st, got, ok, n)
		}
		total += n
	}
	if n, _ := s.CountSubscribers(ctx, ""); len(byStatus) != 4 || total != n || byStatus[store.StatusBounced] != 1 {
		t.Errorf("SubscriberCounts = %v, %d in all", byStatus, n)
	}
	ds, err := s.SubscriberDeliveries(ctx, a.ID, 0)
	must(t, "SubscriberDeliveries", err)
	if len(ds) != 2 || ds[0].EditionID != "2026-06-02" || ds[1].State != store.DeliveryFailed || ds[1].LastError != "550 5.1.1 no such user" {
		t.Errorf("SubscriberDeliveries = %+v", ds)
	}
	eds, err := s.ListEditions(ctx, 1)
	must(t, "ListEditions", err)
	if len(eds) != 1 || eds[0].ID != "2026-06-02" || eds[0].Subject != "نشرة 2026-06-02" || eds[0].Recipients != 2 || eds[0].CreatedAt.IsZero() {
		t.Errorf("ListEditions = %+v", eds)
	}

	// Growth: three created now (one since erased), counted on today's date at +3h.
	offset := 3 * time.Hour
	g, err := s.SubscriberGrowth(ctx, time.Now().Add(-24*time.Hour), offset)
	must(t, "SubscriberGrowth", err)
	today := time.Now().UTC().Add(offset).Format(time.DateOnly)
	if len(g) != 1 || g[0].Day != today || g[0].Count != 2 {
		t.Errorf("SubscriberGrowth = %+v, want 2 on %s", g, today)
	}
	g, err = s.SubscriberGrowth(ctx, time.Now().Add(time.Hour), offset)
	must(t, "SubscriberGrowth future", err)
	if len(g) != 0 {
		t.Errorf("SubscriberGrowth from the future = %+v", g)
	}
}
