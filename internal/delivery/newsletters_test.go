package delivery

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
	"github.com/nashra/nashra/mailer"
)

// weekCategories are the categories of weekArticles, in turn.
var weekCategories = []string{"اقتصاد", "رياضة", "تقنية"}

// weekStore is a migrated SQLite store holding three articles a day for
// days days from start (local midnight in loc): at 01:00, 08:00 and 20:00,
// in weekCategories in turn. It returns the articles' IDs by publication.
func weekStore(t *testing.T, loc *time.Location, start time.Time, days int) (*sqlite.Store, []article.Article) {
	t.Helper()
	ctx := context.Background()
	st := teststore.SQLite(t)
	var arts []article.Article
	for d := range days {
		for i, h := range []int{1, 8, 20} {
			n := len(arts)
			a := article.Article{
				Key:       fmt.Sprintf("file:week-%03d", n),
				Slug:      fmt.Sprintf("week-%03d", n),
				Title:     fmt.Sprintf("خبر الأسبوع رقم %d", n),
				Category:  weekCategories[(d+i)%len(weekCategories)],
				Published: time.Date(start.Year(), start.Month(), start.Day()+d, h, 0, 0, 0, loc),
				Summary:   "ملخص قصير",
				BodyText:  "نص قصير",
			}
			if _, _, err := st.UpsertArticle(ctx, &a); err != nil {
				t.Fatal(err)
			}
			arts = append(arts, a)
		}
	}
	return st, arts
}

// twoNewsletters is a daily default newsletter at 07:00 and a weekly one
// on Fridays at 09:00 (seven days back, grouped by day), both uncapped.
func twoNewsletters(t testing.TB, o Options) []Newsletter {
	daily := o.Digest
	daily.MaxArticles = -1
	weekly := o.Digest
	weekly.SendTime, weekly.Window, weekly.MaxArticles, weekly.Weekly = 9*time.Hour, 7*24*time.Hour, -1, true
	return []Newsletter{
		{Slug: "daily", Name: "الصباحية", Digest: daily, Schedule: "0 7 * * *"},
		{Slug: "weekly", Name: "حصاد الأسبوع", Digest: weekly, Schedule: "0 9 * * 5", FromName: "حصاد"},
	}
}

// fridayOfTwo is the store and options of the two-newsletter send
// tests: weekStore's eight days from 27 February 2026 in Riyadh, synced
// with daily and weekly, and twoNewsletters with the clock on Friday 6
// March 2026 at 10:00, after both send times.
func fridayOfTwo(t *testing.T) (*sqlite.Store, Options) {
	t.Helper()
	loc := riyadh(t)
	st, _ := weekStore(t, loc, time.Date(2026, 2, 27, 0, 0, 0, 0, loc), 8)
	teststore.SyncNewsletters(t, st, "daily", "weekly")
	o := testOptions(t)
	o.Now = testkit.NewClock(time.Date(2026, 3, 6, 10, 0, 0, 0, loc)).Now
	o.Newsletters = twoNewsletters(t, o)
	return st, o
}

// storyIDs lists the IDs of an edition's stories, section by section.
func storyIDs(e *digest.Edition) []string {
	var out []string
	for _, s := range e.Sections {
		for _, st := range s.Stories {
			out = append(out, st.ID)
		}
	}
	return out
}

// TestWeeklyOverSevenDailyWindows: over a week of daily editions, the
// weekly edition on Friday holds every article published since the last
// weekly cut-off exactly once, grouped by category and then by day; the
// daily editions tile the same week among themselves; the next weekly
// edition starts where this one ended, whatever the daily ones did.
func TestWeeklyOverSevenDailyWindows(t *testing.T) {
	loc := riyadh(t)
	ctx := context.Background()
	// Friday 2026-03-06 is the first weekly edition; articles from
	// Friday 2026-02-27 to Friday 2026-03-13.
	start := time.Date(2026, 2, 27, 0, 0, 0, 0, loc)
	st, arts := weekStore(t, loc, start, 15)
	clock := testkit.NewClock(time.Date(2026, 3, 6, 10, 0, 0, 0, loc))
	o := testOptions(t)
	o.Now = clock.Now
	o.Newsletters = twoNewsletters(t, o)
	svc := newService(t, st, nil, nil, o)

	// Seven daily editions, Saturday 2026-02-28 to Friday 2026-03-06.
	seen := map[string]int{}
	for d := 1; d <= 7; d++ {
		day := start.AddDate(0, 0, d).Format(digest.DayLayout)
		_, e, err := svc.Edition(ctx, day)
		if err != nil {
			t.Fatalf("daily %s: %v", day, err)
		}
		for _, id := range storyIDs(e) {
			seen[id]++
		}
	}
	weeklyID, err := svc.EditionID("weekly", "2026-03-06")
	if err != nil || weeklyID != "weekly.2026-03-06" {
		t.Fatalf("EditionID = %q, %v", weeklyID, err)
	}
	se, w, err := svc.Edition(ctx, weeklyID)
	if err != nil {
		t.Fatal(err)
	}
	if se.Newsletter != "weekly" || !w.Weekly || w.Newsletter != "weekly" {
		t.Fatalf("weekly edition = %+v / newsletter %q weekly %v", se, w.Newsletter, w.Weekly)
	}
	// The weekly window: (Friday 2026-02-27 09:00, Friday 2026-03-06 09:00].
	from, to := time.Date(2026, 2, 27, 9, 0, 0, 0, loc), time.Date(2026, 3, 6, 9, 0, 0, 0, loc)
	if !w.From.Equal(from) || !w.To.Equal(to) {
		t.Errorf("weekly window = (%s, %s], want (%s, %s]", w.From, w.To, from, to)
	}
	var want []string
	for _, a := range arts {
		if a.Published.After(from) && !a.Published.After(to) {
			want = append(want, a.ID)
		}
	}
	got := storyIDs(w)
	if len(got) != len(want) || len(want) != 21 {
		t.Fatalf("weekly holds %d stories, want the %d of the week (21)", len(got), len(want))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("weekly stories %v\nwant %v", got, want)
	}
	// Every article the week's daily editions carried is in the weekly
	// one, once (the daily windows tile 02-27 07:00 to 03-06 07:00).
	for id, n := range seen {
		if n != 1 {
			t.Errorf("article %s in %d daily editions", id, n)
		}
	}
	// By category, then by day (newest first), each day named in Arabic.
	for _, s := range w.Sections {
		var n int
		for i, d := range s.Days {
			n += len(d.Stories)
			if d.DateLine == "" || (i > 0 && d.Date >= s.Days[i-1].Date) {
				t.Errorf("section %s: days %+v not newest first", s.Category, s.Days)
			}
			for _, story := range d.Stories {
				if story.Category != s.Category || story.Published.In(loc).Format(digest.DayLayout) != d.Date {
					t.Errorf("story %s (%s, %s) under %s / %s", story.ID, story.Category, story.Published, s.Category, d.Date)
				}
			}
		}
		if n != len(s.Stories) {
			t.Errorf("section %s: %d stories by day, %d in all", s.Category, n, len(s.Stories))
		}
	}

	// The next Friday's weekly edition starts at this one's cut-off.
	clock.Add(7 * 24 * time.Hour)
	_, w2, err := svc.Edition(ctx, "weekly.2026-03-13")
	if err != nil {
		t.Fatal(err)
	}
	if !w2.From.Equal(to) || len(storyIDs(w2)) != 21 {
		t.Errorf("second weekly = (%s, %s] with %d stories, want from %s with 21", w2.From, w2.To, len(storyIDs(w2)), to)
	}
	for _, id := range storyIDs(w2) {
		if slices.Contains(want, id) {
			t.Errorf("article %s in both weekly editions", id)
		}
	}
}

// TestNewsletterMessages: each newsletter's emails carry its own List-Id,
// sender name, Message-ID (from its edition ID), subject and one-click
// unsubscribe link; the weekly one lists stories under Arabic day
// headings.
func TestNewsletterMessages(t *testing.T) {
	ctx := context.Background()
	st, o := fridayOfTwo(t)
	svc := newService(t, st, nil, nil, o)
	sub := &store.Subscriber{Email: "amal@example.org", Name: "أمل", Status: store.StatusConfirmed,
		Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly"}}}
	if _, err := st.AddSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	render := func(id string) []byte {
		t.Helper()
		_, e, err := svc.Edition(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Recipient(ctx, id, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _, ok, err := svc.Render(e, r)
		if err != nil || !ok {
			t.Fatalf("render %s: %v, %v", id, ok, err)
		}
		return raw
	}
	daily, weekly := render("2026-03-06"), render("weekly.2026-03-06")
	for _, c := range []struct {
		raw                                 []byte
		listID, from, edition, subj, unsubN string
	}{
		{daily, "daily.digest.example.com", "نشرة الصباح", "2026-03-06", "نشرة الصباح", ""},
		{weekly, "weekly.digest.example.com", "حصاد", "weekly.2026-03-06", "حصاد الأسبوع", "n=weekly"},
	} {
		if got := header(t, c.raw, "List-Id"); !strings.Contains(got, c.listID) {
			t.Errorf("List-Id %q, want %s", got, c.listID)
		}
		if got := decodedHeader(t, c.raw, "From"); !strings.Contains(got, c.from) {
			t.Errorf("From %q, want %s", got, c.from)
		}
		if got, want := header(t, c.raw, "Message-Id"), mailer.MessageID(c.edition, strconv.FormatInt(sub.ID, 10), "digest.example.com"); got != want {
			t.Errorf("Message-ID %q, want %s (edition %s)", got, want, c.edition)
		}
		if got := header(t, c.raw, "X-Nashra-Edition"); got != c.edition {
			t.Errorf("X-Nashra-Edition %q, want %s", got, c.edition)
		}
		if got := decodedHeader(t, c.raw, "Subject"); !strings.HasPrefix(got, c.subj) {
			t.Errorf("Subject %q, want %s…", got, c.subj)
		}
		// The weekly one's link leaves weekly; the default one's the default.
		if got := header(t, c.raw, "List-Unsubscribe"); !strings.Contains(got, c.unsubN) || c.unsubN == "" && strings.Contains(got, "n=") {
			t.Errorf("List-Unsubscribe %q, want %q", got, c.unsubN)
		}
	}
	var html string
	walkParts(t, weekly, func(ct string, body []byte) {
		if strings.HasPrefix(ct, "text/html") {
			html = string(body)
		}
	})
	if n := strings.Count(html, `class="px day"`); n < 7 {
		t.Errorf("weekly HTML has %d day headings, want one per day and category (≥ 7)", n)
	}
	if !strings.Contains(html, "/digest/weekly/2026-03-06") {
		t.Error("weekly HTML does not link its web copy at /digest/weekly/2026-03-06")
	}
}

// decodedHeader is header with RFC 2047 words decoded.
func decodedHeader(t testing.TB, raw []byte, name string) string {
	t.Helper()
	v := header(t, raw, name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// TestNewsletterSchedules: each newsletter's next and last editions follow
// its own schedule, and its periodic jobs (one, and a prepare job when it
// requires approval) name its editions.
func TestNewsletterSchedules(t *testing.T) {
	loc := riyadh(t)
	st, _ := weekStore(t, loc, time.Date(2026, 3, 1, 0, 0, 0, 0, loc), 1)
	o := testOptions(t)
	// Wednesday 2026-03-04, 12:00: daily at 07:00 is past, weekly (Fridays
	// 09:00) due in two days.
	o.Now = testkit.NewClock(time.Date(2026, 3, 4, 12, 0, 0, 0, loc)).Now
	o.Newsletters = twoNewsletters(t, o)
	o.Newsletters[1].RequireApproval = true
	svc := newService(t, st, nil, nil, o)
	for _, c := range []struct {
		slug       string
		next, last string
	}{
		{"", "2026-03-05", "2026-03-04"},
		{"daily", "2026-03-05", "2026-03-04"},
		{"weekly", "weekly.2026-03-06", "weekly.2026-02-27"},
	} {
		next, err := svc.NextDueOf(c.slug)
		if err != nil || next != c.next {
			t.Errorf("NextDueOf(%q) = %q, %v; want %s", c.slug, next, err, c.next)
		}
		last, err := svc.LastDueOf(c.slug)
		if err != nil || last != c.last {
			t.Errorf("LastDueOf(%q) = %q, %v; want %s", c.slug, last, err, c.last)
		}
	}
	if _, err := svc.NextDueOf("monthly"); !errors.Is(err, ErrUnknownNewsletter) {
		t.Errorf("NextDueOf(monthly) = %v", err)
	}
	nls := svc.Newsletters()
	friday := time.Date(2026, 3, 6, 9, 0, 0, 0, loc)
	if got := editionAt(&nls[1], friday, loc); got != "weekly.2026-03-06" {
		t.Errorf("the weekly job at %s names %q", friday, got)
	}
	if got := editionAt(&nls[0], friday, loc); got != "2026-03-06" {
		t.Errorf("the daily job at %s names %q", friday, got)
	}
	qo := QueueOptions{Schedule: "0 7 * * *", Location: loc, PrepareBefore: time.Hour}
	for i, want := range []int{1, 2} { // weekly requires approval: a prepare job too
		jobs, err := periodicJobs(&nls[i], qo)
		if err != nil || len(jobs) != want {
			t.Errorf("newsletter %s: %d periodic jobs (%v), want %d", nls[i].Slug, len(jobs), err, want)
		}
	}
}

// TestLeftNewsletterSkipped: a reader who leaves a newsletter after its
// edition was enqueued is skipped by that edition's send, and still gets
// the other newsletter's.
func TestLeftNewsletterSkipped(t *testing.T) {
	ctx := context.Background()
	st, o := fridayOfTwo(t)
	tr, err := mailer.NewFileTransport(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	svc := newService(t, st, tr, nil, o)
	sub := &store.Subscriber{Email: "amal@example.org", Status: store.StatusConfirmed,
		Follow: []store.Subscription{{Newsletter: "daily"}, {Newsletter: "weekly"}}}
	if _, err := st.AddSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"2026-03-06", "weekly.2026-03-06"} {
		se, _, err := svc.Edition(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := st.ListRecipients(ctx, store.RecipientQuery{Newsletter: se.Newsletter})
		if err != nil || len(rs) != 1 {
			t.Fatalf("recipients of %s: %v, %v", id, rs, err)
		}
		if _, err := st.EnqueueDeliveries(ctx, id, rs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Unsubscribe(ctx, sub.ID, "weekly"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Outcome{"weekly.2026-03-06": Skipped, "2026-03-06": Sent} {
		if out, err := svc.Deliver(ctx, id, sub.ID); err != nil || out != want {
			t.Errorf("Deliver(%s) = %v, %v; want %v", id, out, err, want)
		}
	}
	ds, err := st.ListDeliveries(ctx, "weekly.2026-03-06", "", 0)
	if err != nil || len(ds) != 1 || ds[0].State != store.DeliverySkipped || !strings.Contains(ds[0].LastError, "unsubscribed") {
		t.Errorf("weekly delivery = %+v, %v; want skipped as unsubscribed", ds, err)
	}
}
