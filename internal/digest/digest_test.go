package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/article"
)

// archive is an in-memory Reader over a fixed list of articles; Related
// returns the other articles of the same category, newest first, from the
// whole archive (as the store's related index does from its own scores).
type archive struct {
	arts     []article.Article
	relCalls []int
	err      error
}

func (a *archive) ArticlesBetween(_ context.Context, from, to time.Time) ([]article.Article, error) {
	if a.err != nil {
		return nil, a.err
	}
	var out []article.Article
	for _, x := range a.arts { // inclusive at both ends on purpose
		if !x.Published.Before(from) && !x.Published.After(to) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (a *archive) Related(_ context.Context, id string, k int) ([]article.Article, error) {
	a.relCalls = append(a.relCalls, k)
	var self article.Article
	for _, x := range a.arts {
		if x.ID == id {
			self = x
		}
	}
	var out []article.Article
	out = append(out, self) // a sloppy index may return the article itself
	for _, x := range a.arts {
		if x.ID != id && x.Category == self.Category {
			out = append(out, x)
		}
	}
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func art(id, cat, title string, pub time.Time) article.Article {
	return article.Article{ID: id, Slug: "s-" + id, Title: title, Category: cat,
		Summary: "ملخص " + title, Published: pub}
}

func TestWindow(t *testing.T) {
	riyadh := mustLoc(t, "Asia/Riyadh")
	berlin := mustLoc(t, "Europe/Berlin")
	z := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		day      string
		o        Options
		from, to string
		hours    float64
		wantErr  bool
	}{
		{"utc default midnight", "2026-11-28", Options{}, "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", 24, false},
		{"riyadh 06:00", "2026-11-28", Options{Location: riyadh, SendTime: 6 * time.Hour},
			"2026-11-27T03:00:00Z", "2026-11-28T03:00:00Z", 24, false},
		{"riyadh midnight crosses UTC day", "2026-11-28", Options{Location: riyadh},
			"2026-11-26T21:00:00Z", "2026-11-27T21:00:00Z", 24, false},
		{"riyadh year boundary", "2027-01-01", Options{Location: riyadh, SendTime: 7*time.Hour + 30*time.Minute},
			"2026-12-31T04:30:00Z", "2027-01-01T04:30:00Z", 24, false},
		{"berlin spring forward is 23h", "2026-03-29", Options{Location: berlin, SendTime: 6 * time.Hour},
			"2026-03-28T05:00:00Z", "2026-03-29T04:00:00Z", 23, false},
		{"berlin fall back is 25h", "2026-10-25", Options{Location: berlin, SendTime: 6 * time.Hour},
			"2026-10-24T04:00:00Z", "2026-10-25T05:00:00Z", 25, false},
		{"two-day window", "2026-11-28", Options{Location: riyadh, Window: 48 * time.Hour},
			"2026-11-25T21:00:00Z", "2026-11-27T21:00:00Z", 48, false},
		{"12h duration window", "2026-03-29", Options{Location: berlin, SendTime: 6 * time.Hour, Window: 12 * time.Hour},
			"2026-03-28T16:00:00Z", "2026-03-29T04:00:00Z", 12, false},
		{"bad day", "28/11/2026", Options{}, "", "", 0, true},
		{"send time out of range", "2026-11-28", Options{SendTime: 25 * time.Hour}, "", "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, to, err := Window(tc.day, tc.o)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want error, got %s..%s", from, to)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !from.Equal(z(tc.from)) || !to.Equal(z(tc.to)) {
				t.Errorf("got (%s, %s], want (%s, %s]", from.UTC(), to.UTC(), tc.from, tc.to)
			}
			if h := to.Sub(from).Hours(); h != tc.hours {
				t.Errorf("window is %vh, want %vh", h, tc.hours)
			}
		})
	}
}

// Consecutive editions must tile time: no gap, no overlap, every day of a
// year in a DST zone, and DayOf must name the edition whose window holds t.
func TestWindowTilesAndDayOf(t *testing.T) {
	for _, zone := range []string{"Europe/Berlin", "Asia/Riyadh", "America/Sao_Paulo"} {
		o := Options{Location: mustLoc(t, zone), SendTime: 2*time.Hour + 30*time.Minute}
		d := time.Date(2026, 1, 1, 12, 0, 0, 0, o.Location)
		_, prevTo, _ := Window(d.Format(DayLayout), o)
		for i := 1; i < 400; i++ {
			day := d.AddDate(0, 0, i).Format(DayLayout)
			from, to, err := Window(day, o)
			if err != nil {
				t.Fatal(err)
			}
			if !from.Equal(prevTo) {
				t.Fatalf("%s %s: from %s != previous to %s", zone, day, from, prevTo)
			}
			for _, probe := range []time.Time{to, from.Add(time.Second), from.Add(to.Sub(from) / 2)} {
				if got := DayOf(probe, o); got != day {
					t.Fatalf("%s: DayOf(%s) = %s, want %s", zone, probe, got, day)
				}
			}
			if got := DayOf(from, o); got == day {
				t.Fatalf("%s: DayOf(from=%s) = %s: from is exclusive", zone, from, got)
			}
			prevTo = to
		}
	}
}

func TestBuildGroupsOrdersAndCaps(t *testing.T) {
	riyadh := mustLoc(t, "Asia/Riyadh")
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, riyadh) // inside the 2026-11-28 window (cut 06:00)
	from, to, _ := Window("2026-11-28", Options{Location: riyadh, SendTime: 6 * time.Hour})
	r := &archive{arts: []article.Article{
		art("a1", "رياضة", "فوز المنتخب", base.Add(1*time.Hour)),
		art("a2", "سياسة", "قمة الرياض", base.Add(2*time.Hour)),
		art("a3", "اقتصاد", "ارتفاع أسعار النفط", base.Add(3*time.Hour)),
		art("a4", "سياسة", "اجتماع الوزراء", base.Add(4*time.Hour)),
		art("a5", "تقنية", "إطلاق تطبيق", base.Add(5*time.Hour)),
		art("a6", "", "خبر بلا تصنيف", base.Add(6*time.Hour)),
		art("old", "سياسة", "خبر قديم", from), // exactly at from: excluded
		art("edge", "سياسة", "آخر لحظة", to),  // exactly at to: included
		art("next", "سياسة", "خبر الغد", to.Add(time.Second)),
		{ID: "d", Title: "مسودة", Category: "سياسة", Published: base, Draft: true},
		art("a2", "سياسة", "قمة الرياض", base.Add(2*time.Hour)), // duplicate
	}}
	o := Options{Location: riyadh, SendTime: 6 * time.Hour, CategoryOrder: []string{"سياسة", "اقتصاد"},
		SiteTitle: "نشرة الصباح", BaseURL: "https://nashra.example/", Related: 2}

	e, err := Build(context.Background(), r, "2026-11-28", o)
	if err != nil {
		t.Fatal(err)
	}
	wantCats := []string{"سياسة", "اقتصاد", "تقنية", "رياضة", "منوعات"}
	if got := e.Categories(); !slices.Equal(got, wantCats) {
		t.Errorf("categories %q, want %q", got, wantCats)
	}
	var ids []string
	for _, s := range e.Sections {
		for _, st := range s.Stories {
			ids = append(ids, st.ID)
		}
	}
	if want := []string{"edge", "a4", "a2", "a3", "a5", "a1", "a6"}; !slices.Equal(ids, want) {
		t.Errorf("story order %q, want %q", ids, want)
	}
	if e.Count != 7 || e.Date != "2026-11-28" || e.ID != "2026-11-28" || e.Title != "نشرة الصباح" {
		t.Errorf("edition header: count %d date %s id %s title %s", e.Count, e.Date, e.ID, e.Title)
	}
	if e.DateLine != "السبت 28 نوفمبر 2026" || e.Opener != "أبرز العناوين" {
		t.Errorf("date line %q opener %q", e.DateLine, e.Opener)
	}
	// Opener: first story of each section in turn.
	var hl []string
	for _, h := range e.Highlights {
		hl = append(hl, h.Title)
	}
	if want := []string{"آخر لحظة", "ارتفاع أسعار النفط", "إطلاق تطبيق", "فوز المنتخب", "خبر بلا تصنيف"}; !slices.Equal(hl, want) {
		t.Errorf("highlights %q, want %q", hl, want)
	}
	st := e.Sections[0].Stories[1]
	if st.URL != "https://nashra.example/articles/s-a4" || st.Summary != "ملخص اجتماع الوزراء" {
		t.Errorf("story url %q summary %q", st.URL, st.Summary)
	}
	// Related: from the whole archive (includes "old" and "next"), never itself, at most 2.
	if len(st.Related) != 2 {
		t.Fatalf("related %v, want 2", st.Related)
	}
	for _, l := range st.Related {
		if l.Title == st.Title || !strings.HasPrefix(l.URL, "https://nashra.example/articles/") {
			t.Errorf("bad related link %+v", l)
		}
	}
	if r.relCalls[0] != 3 {
		t.Errorf("asked the reader for %d related, want Related+1 = 3", r.relCalls[0])
	}

	// Cap keeps the newest across categories, then groups them.
	o.MaxArticles = 3
	e, err = Build(context.Background(), r, "2026-11-28", o)
	if err != nil {
		t.Fatal(err)
	}
	if e.Count != 3 || !slices.Equal(e.Categories(), []string{"سياسة", "تقنية", "منوعات"}) {
		t.Errorf("capped: count %d categories %q", e.Count, e.Categories())
	}
}

func TestBuildEmptyAndErrors(t *testing.T) {
	ctx := context.Background()
	r := &archive{arts: []article.Article{art("x", "سياسة", "خبر", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))}}
	if _, err := Build(ctx, r, "2026-11-28", Options{}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty window: err %v, want ErrEmpty", err)
	}
	e, err := Build(ctx, r, "2026-11-28", Options{SendEmpty: true})
	if err != nil || e.Count != 0 || len(e.Sections) != 0 || len(e.Highlights) != 0 {
		t.Fatalf("send_empty: %+v, %v", e, err)
	}
	if got := Subject(e, "نشرة"); got != "نشرة — السبت 28 نوفمبر 2026: لا أخبار" {
		t.Errorf("empty subject %q", got)
	}
	boom := errors.New("disk on fire")
	if _, err := Build(ctx, &archive{err: boom}, "2026-11-28", Options{}); !errors.Is(err, boom) {
		t.Errorf("reader error not wrapped: %v", err)
	}
	if _, err := Build(ctx, r, "2026-13-01", Options{}); err == nil {
		t.Error("bad day accepted")
	}
}

func TestBuildURLs(t *testing.T) {
	pub := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := &archive{arts: []article.Article{
		{ID: "1", Title: "مصدر", Category: "أ", SourceURL: "https://src.example/a?b=1", Published: pub},
		{ID: "2", Title: "خبيث", Category: "أ", SourceURL: "javascript:alert(1)", Published: pub.Add(time.Minute)},
		{ID: "3", Title: "نسبي", Category: "أ", Slug: "x", Published: pub.Add(2 * time.Minute)},
	}}
	custom := func(a article.Article) string { return "/a/" + a.ID }
	tests := []struct {
		name string
		o    Options
		want map[string]string
	}{
		{"defaults", Options{BaseURL: "https://n.example"}, map[string]string{
			"1": "https://src.example/a?b=1", "2": "", "3": "https://n.example/articles/x"}},
		{"custom relative", Options{BaseURL: "https://n.example/", ArticleURL: custom}, map[string]string{
			"1": "https://n.example/a/1", "2": "https://n.example/a/2", "3": "https://n.example/a/3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Build(context.Background(), r, "2026-11-28", tc.o)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range e.Sections[0].Stories {
				if s.URL != tc.want[s.ID] {
					t.Errorf("story %s url %q, want %q", s.ID, s.URL, tc.want[s.ID])
				}
			}
		})
	}
}

func TestFilter(t *testing.T) {
	pub := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := &archive{arts: []article.Article{
		art("1", "سياسة", "س1", pub), art("2", "سياسة", "س2", pub.Add(time.Hour)),
		art("3", "رياضة", "ر1", pub), art("4", "Tech", "t1", pub),
	}}
	e, err := Build(context.Background(), r, "2026-11-28", Options{Highlights: 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cats  []string
		want  []string
		count int
		hl    []string
	}{
		{"none chosen = all", nil, []string{"Tech", "رياضة", "سياسة"}, 4, []string{"t1", "ر1"}},
		{"one", []string{"سياسة"}, []string{"سياسة"}, 2, []string{"س2", "س1"}},
		{"case and spaces", []string{" tech ", "رياضة"}, []string{"Tech", "رياضة"}, 2, []string{"t1", "ر1"}},
		{"unknown only", []string{"طقس"}, nil, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := e.Filter(tc.cats)
			var hl []string
			for _, h := range f.Highlights {
				hl = append(hl, h.Title)
			}
			if !slices.Equal(f.Categories(), tc.want) || f.Count != tc.count || !slices.Equal(hl, tc.hl) {
				t.Errorf("got %q count %d highlights %q; want %q %d %q", f.Categories(), f.Count, hl, tc.want, tc.count, tc.hl)
			}
			if f.ID != e.ID || f.DateLine != e.DateLine {
				t.Errorf("filter changed the edition identity")
			}
		})
	}
	if e.Count != 4 || len(e.Sections) != 3 {
		t.Errorf("Filter modified the original: %d stories", e.Count)
	}
}

func TestSubjectPlurals(t *testing.T) {
	e := &Edition{Title: "نشرة المساء", DateLine: "السبت 28 نوفمبر 2026"}
	tests := []struct {
		n    int
		want string
	}{
		{0, "لا أخبار"}, {1, "خبر واحد"}, {2, "خبران"}, {3, "3 أخبار"}, {7, "7 أخبار"},
		{10, "10 أخبار"}, {11, "11 خبرًا"}, {25, "25 خبرًا"}, {99, "99 خبرًا"}, {100, "100 خبر"},
		{101, "101 خبر"}, {102, "102 خبر"}, {103, "103 أخبار"}, {111, "111 خبرًا"}, {1000, "1000 خبر"},
	}
	for _, tc := range tests {
		e.Count = tc.n
		if got, want := Subject(e, "نشرة الصباح"), "نشرة الصباح — السبت 28 نوفمبر 2026: "+tc.want; got != want {
			t.Errorf("n=%d: %q, want %q", tc.n, got, want)
		}
	}
	e.Count = 7
	if got := Subject(e, ""); got != "نشرة المساء — السبت 28 نوفمبر 2026: 7 أخبار" {
		t.Errorf("fallback title: %q", got)
	}
	e.DateLine = "السبت ٢٨ نوفمبر ٢٠٢٦"
	e.Count = 12
	if got := Subject(e, "نشرة"); got != "نشرة — السبت ٢٨ نوفمبر ٢٠٢٦: ١٢ خبرًا" {
		t.Errorf("arabic digits: %q", got)
	}
}

func ExampleSubject() {
	e := &Edition{Title: "نشرة الصباح", DateLine: "السبت 28 نوفمبر 2026"}
	for _, n := range []int{1, 2, 7, 11, 100} {
		e.Count = n
		fmt.Println(Subject(e, ""))
	}
	// Output:
	// نشرة الصباح — السبت 28 نوفمبر 2026: خبر واحد
	// نشرة الصباح — السبت 28 نوفمبر 2026: خبران
	// نشرة الصباح — السبت 28 نوفمبر 2026: 7 أخبار
	// نشرة الصباح — السبت 28 نوفمبر 2026: 11 خبرًا
	// نشرة الصباح — السبت 28 نوفمبر 2026: 100 خبر
}

func TestSameStoryFromTwoSourcesIsOneStory(t *testing.T) {
	pub := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	body := "قرر البنك المركزي اليوم رفع سعر الفائدة الأساسي ربع نقطة مئوية في خطوة قال إنها تهدف إلى كبح التضخم " +
		"وأوضح المحافظ في مؤتمر صحفي أن القرار جاء بعد مراجعة البيانات الاقتصادية للربع الأخير من العام"
	r := &archive{arts: []article.Article{
		{ID: "a", Title: "البنك المركزي يرفع الفائدة", Category: "اقتصاد", BodyText: body,
			SourceURL: "https://one.example/rate", Published: pub.Add(time.Minute)},
		{ID: "b", Title: "المركزي يرفع سعر الفائدة ربع نقطة", Category: "اقتصاد", BodyText: body + " وتوقع محللون خطوات مماثلة",
			SourceURL: "https://two.example/news/9", Published: pub},
		{ID: "c", Title: "المنتخب يتأهل إلى النهائي", Category: "رياضة",
			BodyText:  "تأهل المنتخب الوطني إلى المباراة النهائية بعد فوزه بهدفين دون رد في نصف النهائي أمام منافسه العنيد في ملعب المدينة",
			SourceURL: "https://one.example/final", Published: pub},
	}}
	e, err := Build(context.Background(), r, "2026-11-28", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Count != 2 {
		t.Fatalf("%d stories, want 2 (the two reports of the rate rise as one)", e.Count)
	}
	for _, sec := range e.Sections {
		for _, s := range sec.Stories {
			switch s.ID {
			case "a":
				if len(s.Also) != 1 || s.Also[0].URL != "https://two.example/news/9" || s.Also[0].Title != "المركزي يرفع سعر الفائدة ربع نقطة" {
					t.Errorf("story a: also %+v, want the other source's report", s.Also)
				}
			case "c":
				if len(s.Also) != 0 {
					t.Errorf("story c: also %+v, want none", s.Also)
				}
			default:
				t.Errorf("story %s shown", s.ID)
			}
		}
	}
}

// TestBuildWeeklySpan: a weekly edition names the days its window covers
// (Edition.Span), from the first day to the last (a cut-off at midnight
// ends on the day before), with Options.SpanLine's style and digits; a
// daily edition has none.
func TestBuildWeeklySpan(t *testing.T) {
	riyadh := mustLoc(t, "Asia/Riyadh")
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, riyadh) }
	r := &archive{arts: []article.Article{art("a1", "اقتصاد", "خبر الأسبوع", at(12, 1, 10))}}
	ctx := context.Background()
	for _, c := range []struct {
		from, to time.Time
		span     func(first, last time.Time) string
		want     string
	}{
		{at(11, 27, 7), at(12, 4, 7), nil, "من 27 نوفمبر إلى 4 ديسمبر 2026"},
		{at(11, 27, 0), at(12, 4, 0), nil, "من 27 نوفمبر إلى 3 ديسمبر 2026"},
		{at(11, 27, 0), at(12, 4, 0), func(first, last time.Time) string {
			return arabic.FormatSpan(first, last, arabic.DateOptions{ArabicDigits: true})
		}, "من ٢٧ نوفمبر إلى ٣ ديسمبر ٢٠٢٦"},
	} {
		e, err := BuildWindow(ctx, r, "2026-12-04", c.from, c.to, Options{Location: riyadh, Weekly: true, SpanLine: c.span})
		if err != nil {
			t.Fatal(err)
		}
		if e.Span != c.want {
			t.Errorf("weekly (%s, %s]: span %q, want %q", c.from, c.to, e.Span, c.want)
		}
	}
	e, err := BuildWindow(ctx, r, "2026-12-02", at(12, 1, 7), at(12, 2, 7), Options{Location: riyadh})
	if err != nil || e.Span != "" {
		t.Errorf("daily edition: span %q, %v", e.Span, err)
	}
}
