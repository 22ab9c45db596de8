package subscribe

import (
	"context"
	"strings"
	"testing"
)

// TestCSVNewsletters: the newsletters column imports each row's
// newsletters with their own categories; a CSV without it (from before
// there were several) imports into the default newsletter, or into
// ImportOptions.Newsletter; an unknown newsletter rejects its row by line;
// an address on the list joins a newsletter it never followed, never one
// it left; export writes the column and reads back the same.
func TestCSVNewsletters(t *testing.T) {
	ctx := context.Background()
	st := twoNewsletterStore(t)
	o := ImportOptions{Newsletters: []string{"daily", "weekly"}}
	rep, err := Import(ctx, st, strings.NewReader("email,name,status,newsletters\n"+
		"amal@example.org,أمل,confirmed,daily:اقتصاد|رياضة;weekly\n"+
		"badr@example.org,بدر,confirmed,weekly:ثقافة\n"+
		"jud@example.org,جود,confirmed,monthly\n"), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 4 || !strings.Contains(rep.Rejected[0].Reason, "monthly") {
		t.Fatalf("import = %+v", rep)
	}
	rep, err = Import(ctx, st, strings.NewReader("email,name,status,categories\nsara@example.org,سارة,confirmed,اقتصاد\n"), o)
	if err != nil || rep.Added != 1 {
		t.Fatalf("old CSV import = %+v, %v", rep, err)
	}
	badr, _ := st.SubscriberByEmail(ctx, "badr@example.org")
	if err := st.Subscribe(ctx, badr.ID, "daily", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Unsubscribe(ctx, badr.ID, "weekly"); err != nil {
		t.Fatal(err)
	}
	// Sara joins weekly (never followed); Badr stays out of weekly (left).
	rep, err = Import(ctx, st, strings.NewReader("email,newsletters\nsara@example.org,weekly:تقنية\nbadr@example.org,weekly\n"), o)
	if err != nil || rep.Existing != 2 || rep.Joined != 1 {
		t.Fatalf("import of existing addresses = %+v, %v", rep, err)
	}
	var b strings.Builder
	if _, err := Export(ctx, st, &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		",daily:اقتصاد|رياضة;weekly\n", // amal
		",daily\n", // badr: left weekly
		"sara@example.org,سارة,confirmed,اقتصاد,", // sara's default categories
		",daily:اقتصاد;weekly:تقنية\n",            // sara
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("export lacks %q:\n%s", want, b.String())
		}
	}
	// Into a fresh list and out again: the same bytes.
	st2 := twoNewsletterStore(t)
	if _, err := Import(ctx, st2, strings.NewReader(b.String()), o); err != nil {
		t.Fatal(err)
	}
	var b2 strings.Builder
	if _, err := Export(ctx, st2, &b2); err != nil {
		t.Fatal(err)
	}
	if b2.String() != b.String() {
		t.Errorf("export of the import differs:\n%s\nvs\n%s", b2.String(), b.String())
	}
	// --newsletter weekly: rows without the column go to weekly.
	rep, err = Import(ctx, st2, strings.NewReader("email\nnoura@example.org\n"), ImportOptions{Newsletter: "weekly", Confirmed: true})
	if err != nil || rep.Added != 1 {
		t.Fatalf("import into weekly = %+v, %v", rep, err)
	}
	noura, _ := st2.SubscriberByEmail(ctx, "noura@example.org")
	subs, _ := st2.Subscriptions(ctx, noura.ID)
	if len(subs) != 1 || subs[0].Newsletter != "weekly" {
		t.Errorf("noura follows %+v, want weekly only", subs)
	}
}
