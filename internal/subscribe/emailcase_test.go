package subscribe

import (
	"context"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// TestSignUpEmailCase: signing up as ALI@Example.com after ali@example.com
// leaves one subscriber, keeping the first spelling; a category given by
// its slug is stored by name.
func TestSignUpEmailCase(t *testing.T) {
	st := teststore.SQLite(t)
	clock := testkit.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	svc, _ := newService(t, st, clock, Options{})
	ctx := context.Background()
	cat, err := LoadCatalog(ctx, st, svc.Options().Categories)
	if err != nil {
		t.Fatal(err)
	}
	sport, _ := cat.Find("رياضة")
	if err := svc.Subscribe(ctx, SignUp{Email: "ali@example.com", Name: "علي", Categories: []string{sport.Slug}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Subscribe(ctx, SignUp{Email: "ALI@Example.com"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.CountSubscribers(ctx, ""); n != 1 {
		t.Fatalf("%d subscribers, want 1", n)
	}
	s, err := st.SubscriberByEmail(ctx, "Ali@EXAMPLE.com")
	if err != nil || s.Email != "ali@example.com" || s.Status != store.StatusPending || len(s.Categories) != 1 || s.Categories[0] != "رياضة" {
		t.Errorf("subscriber %+v %v", s, err)
	}
}
