package subscribe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// twoNewsletters are the newsletters of these tests: a daily one (the
// default) carrying every category, a weekly one carrying one of two.
var twoNewsletters = []Newsletter{
	{Slug: "daily", Name: "النشرة اليومية", Description: "أهم أخبار الصباح"},
	{Slug: "weekly", Name: "الحصاد الأسبوعي", Description: "قصص الأسبوع كل جمعة", Categories: []string{"اقتصاد", "رياضة"}},
}

// twoNewsletterStore is a migrated SQLite store synced with the slugs of
// twoNewsletters.
func twoNewsletterStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st := teststore.SQLite(t)
	teststore.SyncNewsletters(t, st, "daily", "weekly")
	return st
}

// TestSignUpTwoNewsletters: a sign-up keeps the newsletters chosen, each
// with its categories, through confirmation; a later sign-up of the same
// pending address changes nothing; unknown newsletters and categories a
// newsletter does not carry are Arabic input errors.
func TestSignUpTwoNewsletters(t *testing.T) {
	st := twoNewsletterStore(t)
	ctx := context.Background()
	clock := testkit.NewClock(time.Now())
	svc, _ := newService(t, st, clock, Options{MailsPerDay: 10, Newsletters: twoNewsletters})
	in := SignUp{Email: "huda@example.org", Follow: []store.Subscription{
		{Newsletter: "daily"}, {Newsletter: "weekly", Categories: []string{"رياضة"}}}}
	if err := svc.Subscribe(ctx, in); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	if err := svc.Subscribe(ctx, SignUp{Email: "HUDA@example.org", Follow: []store.Subscription{{Newsletter: "weekly"}}}); err != nil {
		t.Fatal(err)
	}
	sub, err := st.SubscriberByEmail(ctx, "huda@example.org")
	if err != nil {
		t.Fatal(err)
	}
	got := teststore.Following(t, st, sub.ID)
	if len(got) != 2 || got["daily"] != nil || len(got["weekly"]) != 1 || got["weekly"][0] != "رياضة" {
		t.Errorf("subscriptions after sign-up: %v", got)
	}
	if out, _, err := svc.Confirm(ctx, svc.tokens.Issue(PurposeConfirm, sub.ID, sub.Email, clock.Now(), time.Hour)); err != nil || out != Confirmed {
		t.Fatalf("confirm: %v %v", out, err)
	}
	if got := teststore.Following(t, st, sub.ID); len(got) != 2 {
		t.Errorf("subscriptions after confirmation: %v", got)
	}
	for _, bad := range []struct {
		follow []store.Subscription
		field  string
	}{
		{[]store.Subscription{}, "newsletters"},
		{[]store.Subscription{{Newsletter: "monthly"}}, "newsletters"},
		{[]store.Subscription{{Newsletter: "weekly", Categories: []string{"ثقافة"}}}, "categories"},
	} {
		var ie *InputError
		err := svc.Subscribe(ctx, SignUp{Email: "x@example.org", Follow: bad.follow})
		if !errors.As(err, &ie) || ie.Field != bad.field {
			t.Errorf("sign-up %v: %v, want an input error on %s", bad.follow, err, bad.field)
		}
	}
}

// TestUnsubscribeOneNewsletter: an unsubscribe link leaves the newsletter
// it names only; a link naming none (as before there were several) leaves
// the default one; leaving the last one unsubscribes the reader; "leave
// all" leaves every one.
func TestUnsubscribeOneNewsletter(t *testing.T) {
	st := twoNewsletterStore(t)
	ctx := context.Background()
	clock := testkit.NewClock(time.Now())
	svc, _ := newService(t, st, clock, Options{Newsletters: twoNewsletters})
	add := func(email string) *store.Subscriber {
		sub := &store.Subscriber{Email: email, Status: store.StatusConfirmed,
			Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly"}}}
		if _, err := st.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		return sub
	}
	sub := add("amal@example.org")
	weekly := svc.links.Token(sub, PurposeUnsubscribe, "weekly")
	if _, already, err := svc.Unsubscribe(ctx, weekly); err != nil || already {
		t.Fatalf("leave weekly: already=%v %v", already, err)
	}
	if got := teststore.Following(t, st, sub.ID); len(got) != 1 {
		t.Errorf("after leaving weekly: %v", got)
	}
	if _, ok := teststore.Following(t, st, sub.ID)["daily"]; !ok {
		t.Errorf("daily left too")
	}
	if _, already, err := svc.Unsubscribe(ctx, weekly); err != nil || !already {
		t.Errorf("leave weekly again: already=%v %v", already, err)
	}
	if s, _ := st.GetSubscriber(ctx, sub.ID); s.Status != store.StatusConfirmed {
		t.Errorf("status after leaving one of two: %s", s.Status)
	}
	old := svc.tokens.Issue(PurposeUnsubscribe, sub.ID, sub.Email, clock.Now(), time.Hour) // no newsletter
	if _, already, err := svc.Unsubscribe(ctx, old); err != nil || already {
		t.Fatalf("old link: already=%v %v", already, err)
	}
	if s, _ := st.GetSubscriber(ctx, sub.ID); s.Status != store.StatusUnsubscribed || len(teststore.Following(t, st, sub.ID)) != 0 {
		t.Errorf("after leaving the last one: %s %v", s.Status, teststore.Following(t, st, sub.ID))
	}

	other := add("nour@example.org")
	if _, err := svc.LeaveAll(ctx, svc.links.Token(other, PurposePreferences, "")); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.GetSubscriber(ctx, other.ID); s.Status != store.StatusUnsubscribed || len(teststore.Following(t, st, other.ID)) != 0 {
		t.Errorf("after leave all: %s %v", s.Status, teststore.Following(t, st, other.ID))
	}
}
