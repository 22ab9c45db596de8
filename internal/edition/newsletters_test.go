package edition

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
)

// TestEditionsPerNewsletter: the service of New (the console's) lists
// every newsletter's editions; For binds one newsletter, whose editions,
// next edition and records (an edition held ahead of its build) are its
// own; an unknown newsletter is ErrNotFound.
func TestEditionsPerNewsletter(t *testing.T) {
	ctx := context.Background()
	loc := riyadh(t)
	st := teststore.SQLite(t)
	teststore.SyncNewsletters(t, st, "daily", "weekly")
	a := &article.Article{Key: "test:1", Slug: "one", Title: "خبر الثلاثاء", Category: "اقتصاد", Summary: "ملخص",
		Published: time.Date(2026, 3, 9, 20, 0, 0, 0, loc), Language: "ar"}
	if _, _, err := st.UpsertArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	tpl, links := renderWith(t, "")
	now := func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, loc) } // Tuesday
	d := digest.Options{Location: loc, SendTime: 7 * time.Hour, SiteTitle: "نشرة الصباح"}
	w := d
	w.Window, w.Weekly = 7*24*time.Hour, true
	dv, err := delivery.New(st, nil, mailer.NewComposer(nil), tpl, links, delivery.Options{
		SiteTitle: "نشرة الصباح", FromAddr: "digest@digest.example.com", Now: now,
		Newsletters: []delivery.Newsletter{{Slug: "daily", Name: "الصباحية", Digest: d, Schedule: "0 7 * * *"},
			{Slug: "weekly", Name: "حصاد الأسبوع", Digest: w, Schedule: "0 7 * * 2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"2026-03-10", "weekly.2026-03-10"} {
		if _, _, err := dv.Edition(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ed *Service) string {
		t.Helper()
		list, err := ed.List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			out = append(out, s.ID)
		}
		return strings.Join(out, " ")
	}
	all := New(st, dv, loc, now)
	if got := ids(all); got != "2026-03-11 weekly.2026-03-10 2026-03-10" {
		t.Errorf("every newsletter's editions = %q", got)
	}
	weekly, err := all.For("weekly")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(weekly); got != "weekly.2026-03-17 weekly.2026-03-10" {
		t.Errorf("weekly's editions = %q", got)
	}
	if got := weekly.ID("2026-03-17"); got != "weekly.2026-03-17" {
		t.Errorf("weekly.ID = %q", got)
	}
	if _, err := weekly.Hold(ctx, cli, weekly.NextDue()); err != nil {
		t.Fatal(err)
	}
	if e, err := st.GetEdition(ctx, "weekly.2026-03-17"); err != nil || e.Newsletter != "weekly" || e.State != "held" {
		t.Errorf("weekly held ahead = %+v, %v", e, err)
	}
	daily, err := all.For("daily")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(daily); got != "2026-03-11 2026-03-10" {
		t.Errorf("daily's editions = %q", got)
	}
	if _, err := all.For("monthly"); !errors.Is(err, ErrNotFound) {
		t.Errorf("For(monthly) = %v", err)
	}
}
