package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// NewslettersMigration names the migration that made newsletters
// first-class (NNNN_newsletters.up.sql in each backend).
const NewslettersMigration = "newsletters"

// follows is a subscriber's subscriptions as slug -> "status cats".
func follows(t *testing.T, s store.Store, id int64) map[string]string {
	t.Helper()
	subs, err := s.Subscriptions(context.Background(), id)
	must(t, "Subscriptions", err)
	out := map[string]string{}
	for _, sn := range subs {
		out[sn.Newsletter] = string(sn.Status) + " " + catsKey(sn.Categories)
	}
	return out
}

// catsKey is a category choice as text: "*" for all.
func catsKey(c []string) string {
	if len(c) == 0 {
		return "*"
	}
	return strings.Join(c, "|")
}

// testNewslettersMigration: a store of the single daily digest (subscribers
// with their categories, editions with deliveries) comes out of the
// migration with every subscriber following the default newsletter with
// the same categories (one who left, having left it), every edition in the
// default newsletter, and its deliveries intact; the config then names the
// default newsletter, once.
func testNewslettersMigration(ctx context.Context, t *testing.T, s store.Store) {
	migrateBefore(ctx, t, s, NewslettersMigration)
	exec := rawExec(t, s)
	exec(`INSERT INTO subscribers (email, name, status, categories, source, created_at, confirmed_at, updated_at) VALUES ('amal@example.org', 'أمل', 'confirmed', '["رياضة","اقتصاد"]', 'admin', 1, 1, 1)`)
	exec(`INSERT INTO subscribers (email, name, status, categories, source, created_at, confirmed_at, updated_at) VALUES ('badr@example.org', 'بدر', 'confirmed', '[]', 'form', 2, 2, 2)`)
	exec(`INSERT INTO subscribers (email, name, status, categories, source, created_at, unsubscribed_at, updated_at) VALUES ('jud@example.org', 'جود', 'unsubscribed', '["ثقافة"]', 'form', 3, 3, 3)`)
	for _, e := range []string{"2026-01-01", "2026-01-02"} {
		exec(`INSERT INTO editions (id, subject, body, created_at, recipients, state) VALUES (?, 'عدد', ?, 5, 2, 'sent')`, e, []byte(`{"to":"2026-01-01T04:00:00Z"}`))
		exec(`INSERT INTO deliveries (edition_id, subscriber_id, email, state, updated_at) VALUES (?, 1, 'amal@example.org', 'sent', 1)`, e)
	}
	exec(`INSERT INTO deliveries (edition_id, subscriber_id, email, state, updated_at) VALUES ('2026-01-02', 2, 'badr@example.org', 'queued', 1)`)
	must(t, "Migrate", s.Migrate(ctx))

	// Before the config names it, "" is the default newsletter.
	recips, err := s.ListRecipients(ctx, store.RecipientQuery{})
	must(t, "ListRecipients before naming", err)
	if len(recips) != 2 {
		t.Fatalf("recipients of the default newsletter before naming = %+v, want amal and badr", recips)
	}
	must(t, "SyncNewsletters", s.SyncNewsletters(ctx, []string{"daily", "weekly"}))
	if def, err := s.DefaultNewsletter(ctx); err != nil || def != "daily" {
		t.Fatalf("DefaultNewsletter = %q, %v; want daily", def, err)
	}
	want := map[int64]map[string]string{
		1: {"daily": "subscribed رياضة|اقتصاد"},
		2: {"daily": "subscribed *"},
		3: {"daily": "unsubscribed ثقافة"},
	}
	for id, w := range want {
		if got := follows(t, s, id); !reflect.DeepEqual(got, w) {
			t.Errorf("subscriber %d follows %v, want %v", id, got, w)
		}
	}
	amal, err := s.GetSubscriber(ctx, 1)
	must(t, "GetSubscriber", err)
	if !reflect.DeepEqual(amal.Categories, []string{"رياضة", "اقتصاد"}) || amal.Status != store.StatusConfirmed {
		t.Errorf("amal after the migration = %+v", amal)
	}
	for _, q := range []store.RecipientQuery{{}, {Newsletter: "daily"}} {
		recips, err := s.ListRecipients(ctx, q)
		must(t, "ListRecipients", err)
		if len(recips) != 2 || recips[0].Email != "amal@example.org" || len(recips[0].Categories) != 2 || recips[1].Email != "badr@example.org" {
			t.Errorf("ListRecipients(%+v) = %+v", q, recips)
		}
	}
	eds, err := s.NewsletterEditions(ctx, "daily", 0)
	must(t, "NewsletterEditions", err)
	if len(eds) != 2 || eds[0].ID != "2026-01-02" || eds[0].Newsletter != "daily" {
		t.Errorf("daily editions after the migration = %+v", eds)
	}
	if eds, _ := s.NewsletterEditions(ctx, "weekly", 0); len(eds) != 0 {
		t.Errorf("weekly editions after the migration = %+v, want none", eds)
	}
	c, err := s.DeliveryCounts(ctx, "2026-01-02")
	must(t, "DeliveryCounts", err)
	if c[store.DeliverySent] != 1 || c[store.DeliveryQueued] != 1 {
		t.Errorf("deliveries after the migration: %v", c)
	}
	// The delivery ledger still holds exactly once per (edition, subscriber).
	if n, err := s.EnqueueDeliveries(ctx, "2026-01-02", recips); err != nil || n != 0 {
		t.Errorf("EnqueueDeliveries again = %d, %v; want 0", n, err)
	}
	r, err := s.Recipient(ctx, "2026-01-02", 1)
	must(t, "Recipient", err)
	if r.Status != store.StatusConfirmed || len(r.Categories) != 2 {
		t.Errorf("Recipient of the old edition = %+v", r)
	}

	// Named once: the same list again is fine, another default is not.
	must(t, "SyncNewsletters again", s.SyncNewsletters(ctx, []string{"daily", "weekly", "culture"}))
	wantErr(t, "SyncNewsletters with another default", s.SyncNewsletters(ctx, []string{"weekly", "daily"}), store.ErrConflict)
	wantErr(t, "SyncNewsletters with a bad slug", s.SyncNewsletters(ctx, []string{"daily", "Week ly"}), store.ErrInvalid)
}

// testSubscriptions: a subscriber follows two newsletters with their own
// categories, leaves one (still receiving the other), then the other (and
// has then left the list); recipients and Recipient follow.
func testSubscriptions(ctx context.Context, t *testing.T, s store.Store) {
	must(t, "SyncNewsletters", s.SyncNewsletters(ctx, []string{"daily", "weekly"}))
	sub := &store.Subscriber{Email: "Amal@Example.org", Status: store.StatusConfirmed, Follow: []store.Subscription{
		{Newsletter: "daily", Categories: []string{"رياضة"}},
		{Newsletter: "weekly", Categories: []string{"ثقافة", "اقتصاد"}},
	}}
	_, err := s.AddSubscriber(ctx, sub)
	must(t, "AddSubscriber", err)
	other := &store.Subscriber{Email: "badr@example.org", Status: store.StatusConfirmed, Categories: []string{"علوم"}}
	_, err = s.AddSubscriber(ctx, other)
	must(t, "AddSubscriber default", err)
	if got := follows(t, s, other.ID); !reflect.DeepEqual(got, map[string]string{"daily": "subscribed علوم"}) {
		t.Errorf("a subscriber added without Follow follows %v, want daily with its categories", got)
	}
	if got := follows(t, s, sub.ID); !reflect.DeepEqual(got, map[string]string{"daily": "subscribed رياضة", "weekly": "subscribed ثقافة|اقتصاد"}) {
		t.Errorf("follows %v", got)
	}
	_, err = s.AddSubscriber(ctx, &store.Subscriber{Email: "x@example.org", Follow: []store.Subscription{{Newsletter: "monthly"}}})
	wantErr(t, "AddSubscriber to an unknown newsletter", err, store.ErrNotFound)
	if _, err := s.SubscriberByEmail(ctx, "x@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a sign-up to an unknown newsletter left a subscriber behind: %v", err)
	}
	wantErr(t, "Subscribe to an unknown newsletter", s.Subscribe(ctx, sub.ID, "monthly", nil), store.ErrNotFound)
	wantErr(t, "Subscribe an unknown subscriber", s.Subscribe(ctx, 999999, "weekly", nil), store.ErrNotFound)

	recipients := func(nl string) []string {
		t.Helper()
		rs, err := s.ListRecipients(ctx, store.RecipientQuery{Newsletter: nl})
		must(t, "ListRecipients", err)
		var out []string
		for _, r := range rs {
			out = append(out, r.Email+" "+catsKey(r.Categories))
		}
		return out
	}
	if got := recipients("weekly"); !reflect.DeepEqual(got, []string{"Amal@example.org ثقافة|اقتصاد"}) {
		t.Errorf("weekly recipients = %v", got)
	}
	if got := recipients(""); !reflect.DeepEqual(got, []string{"Amal@example.org رياضة", "badr@example.org علوم"}) {
		t.Errorf("default recipients = %v", got)
	}
	counts, err := s.CountFollowers(ctx)
	must(t, "CountFollowers", err)
	if counts["daily"] != 2 || counts["weekly"] != 1 {
		t.Errorf("CountFollowers = %v", counts)
	}

	weekly := &store.Edition{ID: store.EditionID("weekly", "2026-03-06"), Newsletter: "weekly", Subject: "أسبوع", Body: []byte(`{}`)}
	_, err = s.CreateEdition(ctx, weekly)
	must(t, "CreateEdition", err)
	daily := &store.Edition{ID: store.EditionID("", "2026-03-06"), Subject: "يوم", Body: []byte(`{}`)}
	_, err = s.CreateEdition(ctx, daily)
	must(t, "CreateEdition", err)
	if weekly.Newsletter != "weekly" || daily.Newsletter != "daily" {
		t.Fatalf("editions' newsletters = %q, %q", weekly.Newsletter, daily.Newsletter)
	}

	remaining, err := s.Unsubscribe(ctx, sub.ID, "weekly")
	must(t, "Unsubscribe weekly", err)
	if remaining != 1 {
		t.Errorf("Unsubscribe weekly: %d remaining, want 1", remaining)
	}
	if got := recipients("weekly"); len(got) != 0 {
		t.Errorf("weekly recipients after leaving = %v", got)
	}
	if r, err := s.Recipient(ctx, weekly.ID, sub.ID); err != nil || r.Status != store.StatusUnsubscribed {
		t.Errorf("Recipient of weekly after leaving it = %+v, %v; want unsubscribed", r, err)
	}
	if r, err := s.Recipient(ctx, daily.ID, sub.ID); err != nil || r.Status != store.StatusConfirmed || !reflect.DeepEqual(r.Categories, []string{"رياضة"}) {
		t.Errorf("Recipient of daily = %+v, %v; want confirmed with رياضة", r, err)
	}
	if st, _ := s.GetSubscriber(ctx, sub.ID); st.Status != store.StatusConfirmed {
		t.Errorf("after leaving one newsletter the subscriber is %s", st.Status)
	}
	_, err = s.Unsubscribe(ctx, other.ID, "weekly")
	wantErr(t, "Unsubscribe from a newsletter not followed", err, store.ErrNotFound)

	remaining, err = s.Unsubscribe(ctx, sub.ID, "")
	must(t, "Unsubscribe default", err)
	if st, _ := s.GetSubscriber(ctx, sub.ID); remaining != 0 || st.Status != store.StatusUnsubscribed || st.UnsubscribedAt.IsZero() {
		t.Errorf("after leaving every newsletter: %d remaining, subscriber %+v; want unsubscribed", remaining, st)
	}

	// Back to weekly only, by force (a fresh confirmation).
	back := &store.Subscriber{Email: "amal@example.org", Status: store.StatusConfirmed, Force: true,
		Follow: []store.Subscription{{Newsletter: "weekly"}}}
	_, err = s.AddSubscriber(ctx, back)
	must(t, "AddSubscriber force", err)
	if got := follows(t, s, sub.ID); !reflect.DeepEqual(got, map[string]string{"daily": "unsubscribed رياضة", "weekly": "subscribed *"}) {
		t.Errorf("after coming back to weekly: %v", got)
	}
	// UpdateSubscriber's categories are the default newsletter's.
	other.Categories = []string{"سياسة"}
	must(t, "UpdateSubscriber", s.UpdateSubscriber(ctx, other))
	if got := follows(t, s, other.ID); got["daily"] != "subscribed سياسة" {
		t.Errorf("after UpdateSubscriber: %v", got)
	}
	// Leaving the list leaves every newsletter.
	must(t, "Subscribe", s.Subscribe(ctx, other.ID, "weekly", []string{"ثقافة"}))
	must(t, "RemoveSubscriber", s.RemoveSubscriber(ctx, other.Email))
	if got := follows(t, s, other.ID); !reflect.DeepEqual(got, map[string]string{"daily": "unsubscribed سياسة", "weekly": "unsubscribed ثقافة"}) {
		t.Errorf("after RemoveSubscriber: %v", got)
	}
	// Coming back (a confirmation after leaving) follows the default again.
	other, err = s.GetSubscriber(ctx, other.ID)
	must(t, "GetSubscriber", err)
	other.Status = store.StatusConfirmed
	must(t, "UpdateSubscriber back", s.UpdateSubscriber(ctx, other))
	if got := follows(t, s, other.ID); !reflect.DeepEqual(got, map[string]string{"daily": "subscribed سياسة", "weekly": "unsubscribed ثقافة"}) {
		t.Errorf("after coming back: %v", got)
	}
	other.Status = store.StatusUnsubscribed
	must(t, "UpdateSubscriber unsubscribed", s.UpdateSubscriber(ctx, other))
	if got := follows(t, s, other.ID); got["daily"] != "unsubscribed سياسة" {
		t.Errorf("after UpdateSubscriber to unsubscribed: %v", got)
	}
	// Signing up again after leaving: the latest sign-up's choice changes
	// nothing until the subscriber comes back, then is what it follows,
	// once.
	must(t, "SetReturnChoice", s.SetReturnChoice(ctx, other.ID, []store.Subscription{{Newsletter: "weekly", Categories: []string{"اقتصاد"}}}))
	must(t, "SetReturnChoice again", s.SetReturnChoice(ctx, other.ID, []store.Subscription{{Newsletter: "weekly", Categories: []string{"رياضة"}}}))
	wantErr(t, "SetReturnChoice of an unknown subscriber", s.SetReturnChoice(ctx, 424242, nil), store.ErrNotFound)
	if got := follows(t, s, other.ID); !reflect.DeepEqual(got, map[string]string{"daily": "unsubscribed سياسة", "weekly": "unsubscribed ثقافة"}) {
		t.Errorf("after SetReturnChoice, still away: %v", got)
	}
	for range 2 { // reading it keeps it
		choice, err := s.ReturnChoice(ctx, other.ID)
		must(t, "ReturnChoice", err)
		if want := []store.Subscription{{Newsletter: "weekly", Categories: []string{"رياضة"}}}; !reflect.DeepEqual(choice, want) {
			t.Errorf("ReturnChoice = %+v, want %+v", choice, want)
		}
	}
	if choice, err := s.ReturnChoice(ctx, sub.ID); err != nil || choice != nil {
		t.Errorf("ReturnChoice of a subscriber with none = %+v, %v", choice, err)
	}
	for _, want := range []map[string]string{
		{"daily": "unsubscribed سياسة", "weekly": "subscribed رياضة"},
		{"daily": "subscribed سياسة", "weekly": "unsubscribed رياضة"}, // the choice was used up
	} {
		other.Status = store.StatusConfirmed
		must(t, "UpdateSubscriber back", s.UpdateSubscriber(ctx, other))
		if got := follows(t, s, other.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("coming back after signing up again: %v, want %v", got, want)
		}
		other.Status = store.StatusUnsubscribed
		must(t, "UpdateSubscriber unsubscribed", s.UpdateSubscriber(ctx, other))
	}
	if choice, err := s.ReturnChoice(ctx, other.ID); err != nil || choice != nil {
		t.Errorf("ReturnChoice once used = %+v, %v", choice, err)
	}
	all, err := s.SubscriptionsOf(ctx, []int64{sub.ID, other.ID, 424242})
	must(t, "SubscriptionsOf", err)
	if len(all[sub.ID]) != 2 || len(all[other.ID]) != 2 || len(all[424242]) != 0 {
		t.Errorf("SubscriptionsOf = %v", all)
	}
}

// testNewsletterDeliveries: two newsletters' editions of the same day are
// two ledger entries: a subscriber of both gets one delivery of each, each
// claimed exactly once.
func testNewsletterDeliveries(ctx context.Context, t *testing.T, s store.Store) {
	must(t, "SyncNewsletters", s.SyncNewsletters(ctx, []string{"morning", "weekly"}))
	sub := &store.Subscriber{Email: "amal@example.org", Status: store.StatusConfirmed,
		Follow: []store.Subscription{{Newsletter: "morning"}, {Newsletter: "weekly"}}}
	_, err := s.AddSubscriber(ctx, sub)
	must(t, "AddSubscriber", err)
	var ids []string
	for _, nl := range []string{"", "weekly"} {
		e := &store.Edition{ID: store.EditionID(nl, "2026-03-06"), Newsletter: nl, Subject: "عدد", Body: []byte(`{}`)}
		_, err := s.CreateEdition(ctx, e)
		must(t, "CreateEdition", err)
		rs, err := s.ListRecipients(ctx, store.RecipientQuery{Newsletter: nl})
		must(t, "ListRecipients", err)
		for range 2 {
			_, err := s.EnqueueDeliveries(ctx, e.ID, rs)
			must(t, "EnqueueDeliveries", err)
		}
		ids = append(ids, e.ID)
	}
	if ids[0] != "2026-03-06" || ids[1] != "weekly.2026-03-06" {
		t.Fatalf("edition IDs = %v", ids)
	}
	for _, id := range ids {
		_, ok, err := s.ClaimDelivery(ctx, id, sub.ID)
		must(t, "ClaimDelivery", err)
		_, again, err := s.ClaimDelivery(ctx, id, sub.ID)
		must(t, "ClaimDelivery again", err)
		if !ok || again {
			t.Errorf("claims of %s = %v then %v, want true then false", id, ok, again)
		}
		c, err := s.DeliveryCounts(ctx, id)
		must(t, "DeliveryCounts", err)
		if c[store.DeliverySending] != 1 {
			t.Errorf("deliveries of %s = %v, want one", id, c)
		}
	}
	for _, nl := range []string{"morning", "weekly"} {
		eds, err := s.NewsletterEditions(ctx, nl, 0)
		must(t, "NewsletterEditions", err)
		if len(eds) != 1 || eds[0].Newsletter != nl {
			t.Errorf("editions of %s = %+v", nl, eds)
		}
	}
}

// testEditionsBySendTime: ListEditions and NewsletterEditions put the
// newest send time first (else the cut-off, else creation), so a weekly
// edition sits among the days it was sent between, not above them all as
// its ID ("weekly.…") would sort.
func testEditionsBySendTime(ctx context.Context, t *testing.T, s store.Store) {
	must(t, "SyncNewsletters", s.SyncNewsletters(ctx, []string{"daily", "weekly"}))
	at := func(day int) time.Time { return time.Date(2026, 3, day, 6, 0, 0, 0, time.UTC) }
	for _, e := range []store.Edition{
		{ID: "2026-03-10", SendAt: at(10)},
		{ID: "weekly.2026-03-06", Newsletter: "weekly", SendAt: at(6)},
		{ID: "2026-03-12", To: at(12)}, // cut-off only
		{ID: "weekly.2026-03-13", Newsletter: "weekly", SendAt: at(13)},
		{ID: "weekly.2026-02-27", Newsletter: "weekly", SendAt: at(13).AddDate(0, 0, -14)},
	} {
		_, err := s.CreateEdition(ctx, &e)
		must(t, "CreateEdition", err)
	}
	ids := func(eds []store.Edition, err error) string {
		t.Helper()
		must(t, "list editions", err)
		var out []string
		for _, e := range eds {
			out = append(out, e.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(s.ListEditions(ctx, 4)); got != "weekly.2026-03-13 2026-03-12 2026-03-10 weekly.2026-03-06" {
		t.Errorf("ListEditions(4) = %s", got)
	}
	if got := ids(s.NewsletterEditions(ctx, "weekly", 2)); got != "weekly.2026-03-13 weekly.2026-03-06" {
		t.Errorf("NewsletterEditions(weekly, 2) = %s", got)
	}
	if got := ids(s.NewsletterEditions(ctx, "", 0)); got != "2026-03-12 2026-03-10" {
		t.Errorf("NewsletterEditions(default) = %s", got)
	}
}
