package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// base is a fixed instant with a nanosecond part, so that storage that
// rounds to micro- or milliseconds fails the round trip.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

var riyadh = time.FixedZone("AST", 3*3600)

func newArticle(key, title, category string, published time.Time) *article.Article {
	return &article.Article{
		ID:        article.IDFor(key),
		Key:       key,
		Slug:      "s-" + article.IDFor(key),
		Title:     title,
		Category:  category,
		Published: published,
		Language:  "ar",
		Summary:   "ملخص: " + title,
		BodyHTML:  `<p dir="rtl">` + title + `</p>`,
		BodyText:  title,
	}
}

func fullArticle() *article.Article {
	return &article.Article{
		Key:             "https://example.com/ar/news/1",
		Slug:            "وزير-الطاقة-يعلن",
		Title:           "وزير الطاقة يعلن خطة جديدة للطاقة المتجددة",
		Subtitle:        "الخطة تمتد حتى عام ٢٠٣٠",
		Category:        "اقتصاد",
		Tags:            []string{"طاقة", "اقتصاد", "Solar PV"},
		Author:          "سارة العتيبي",
		Published:       base.In(riyadh),
		Updated:         base.Add(90 * time.Minute).In(riyadh),
		Summary:         "أعلن الوزير خطة جديدة.",
		SummaryExplicit: true,
		BodyHTML:        `<p dir="rtl">أعلن <b>الوزير</b> اليوم…</p>`,
		BodyText:        "أعلن الوزير اليوم…\n\nفقرة ثانية.",
		Image:           "https://example.com/img/1.jpg",
		Language:        "ar",
		SourceURL:       "https://example.com/ar/news/1",
		SourcePath:      "content/news-1.md",
	}
}

func testUpsertArticle(ctx context.Context, t *testing.T, s store.Store) {
	if lc, err := s.LastChange(ctx); err != nil || !lc.IsZero() {
		t.Errorf("LastChange on empty store = %v, %v; want zero", lc, err)
	}
	a := fullArticle()
	created, changed, err := s.UpsertArticle(ctx, a)
	must(t, "first upsert", err)
	if !created || !changed {
		t.Errorf("first upsert: created=%v changed=%v, want true true", created, changed)
	}
	if a.ID != article.IDFor(a.Key) {
		t.Errorf("upsert did not set ID from Key: %q", a.ID)
	}
	lc1, err := s.LastChange(ctx)
	must(t, "LastChange", err)
	if lc1.IsZero() {
		t.Fatal("LastChange after an insert is zero")
	}

	// Re-import of the same content: nothing happens.
	again := fullArticle()
	created, changed, err = s.UpsertArticle(ctx, again)
	must(t, "identical upsert", err)
	if created || changed {
		t.Errorf("identical upsert: created=%v changed=%v, want false false", created, changed)
	}
	if lc, _ := s.LastChange(ctx); !lc.Equal(lc1) {
		t.Errorf("LastChange moved on an identical upsert: %v -> %v", lc1, lc)
	}
	if got, err := s.GetArticle(ctx, a.ID); err != nil || !got.Edited.IsZero() {
		t.Errorf("never edited: Edited = %v (err %v), want zero", got.Edited, err)
	}
	// The same instant in another zone is the same content.
	again.Published = again.Published.In(time.UTC)
	if _, changed, _ := s.UpsertArticle(ctx, again); changed {
		t.Error("a time zone change of the same instant counted as a change")
	}

	// An edited re-import updates in place.
	time.Sleep(time.Millisecond)
	edited := fullArticle()
	edited.Title = "وزير الطاقة يعدّل خطته"
	edited.Tags = []string{"طاقة"}
	created, changed, err = s.UpsertArticle(ctx, edited)
	must(t, "changed upsert", err)
	if created || !changed {
		t.Errorf("changed upsert: created=%v changed=%v, want false true", created, changed)
	}
	if n, _ := s.CountArticles(ctx); n != 1 {
		t.Errorf("CountArticles after re-imports = %d, want 1 (no duplicates)", n)
	}
	got, err := s.GetArticle(ctx, a.ID)
	must(t, "GetArticle", err)
	if got.Title != edited.Title || !reflect.DeepEqual(got.Tags, edited.Tags) {
		t.Errorf("after update got title %q tags %v", got.Title, got.Tags)
	}
	lc2, _ := s.LastChange(ctx)
	if !lc2.After(lc1) {
		t.Errorf("LastChange did not move forward on a change: %v -> %v", lc1, lc2)
	}
	// Edited says when: every read path carries it.
	if !got.Edited.Equal(lc2) {
		t.Errorf("GetArticle after an edit: Edited = %v, want the change time %v", got.Edited, lc2)
	}
	if l, err := s.ListArticles(ctx, store.ArticleQuery{}); err != nil || len(l) != 1 || !l[0].Edited.Equal(lc2) {
		t.Errorf("ListArticles after an edit: %v (err %v), want Edited %v", l, err, lc2)
	}

	// Each field on its own counts as a change.
	mutations := map[string]func(a *article.Article){
		"summary":  func(a *article.Article) { a.Summary = "ملخص آخر" },
		"draft":    func(a *article.Article) { a.Draft = true },
		"updated":  func(a *article.Article) { a.Updated = a.Updated.Add(time.Nanosecond) },
		"image":    func(a *article.Article) { a.Image = "" },
		"explicit": func(a *article.Article) { a.SummaryExplicit = false },
	}
	for name, mutate := range mutations {
		m := fullArticle()
		m.Title = edited.Title
		m.Tags = edited.Tags
		mutate(m)
		if _, changed, err := s.UpsertArticle(ctx, m); err != nil || !changed {
			t.Errorf("mutation %s: changed=%v err=%v, want a change", name, changed, err)
		}
		// Put it back so the next mutation is measured against the edit.
		if _, _, err := s.UpsertArticle(ctx, edited); err != nil {
			t.Fatal(err)
		}
	}
}

func testArticleRoundTrip(ctx context.Context, t *testing.T, s store.Store) {
	tests := []struct {
		name string
		a    *article.Article
	}{
		{"full", fullArticle()},
		{"minimal", &article.Article{Key: "file:قصيرة", Slug: "قصيرة", Title: "عنوان", Published: base.Add(time.Nanosecond)}},
		{"empty slug and tags", &article.Article{Key: "file:x", Title: "x", Tags: []string{}, Published: base}},
		{"draft", &article.Article{Key: "file:d", Slug: "d", Title: "مسودة", Draft: true, Published: base.Add(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := *tt.a
			if _, _, err := s.UpsertArticle(ctx, &in); err != nil {
				t.Fatal(err)
			}
			want := in
			want.ID = article.IDFor(tt.a.Key)
			want.Published = tt.a.Published.UTC()
			if !tt.a.Updated.IsZero() {
				want.Updated = tt.a.Updated.UTC()
			}
			if len(want.Tags) == 0 {
				want.Tags = nil
			}
			got, err := s.GetArticle(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
			}
			if got.Published.Location() != time.UTC {
				t.Errorf("Published comes back in %v, want UTC", got.Published.Location())
			}
			if want.Slug != "" {
				bySlug, err := s.ArticleBySlug(ctx, want.Slug)
				if err != nil || bySlug.ID != want.ID {
					t.Errorf("ArticleBySlug(%q) = %v, %v", want.Slug, bySlug, err)
				}
			}
		})
	}
}

func testArticleErrors(ctx context.Context, t *testing.T, s store.Store) {
	_, err := s.GetArticle(ctx, "nope")
	wantErr(t, "GetArticle missing", err, store.ErrNotFound)
	_, err = s.ArticleBySlug(ctx, "لا-يوجد")
	wantErr(t, "ArticleBySlug missing", err, store.ErrNotFound)
	_, err = s.ArticleBySlug(ctx, "")
	wantErr(t, "ArticleBySlug empty", err, store.ErrNotFound)

	bad := []struct {
		name string
		a    article.Article
	}{
		{"no id or key", article.Article{Title: "x", Published: base}},
		{"id not from key", article.Article{ID: "0123456789abcdef", Key: "file:y", Title: "y", Published: base}},
		{"no published", article.Article{Key: "file:z", Title: "z"}},
		{"published out of range", article.Article{Key: "file:w", Title: "w", Published: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range bad {
		a := tt.a
		_, _, err := s.UpsertArticle(ctx, &a)
		wantErr(t, tt.name, err, store.ErrInvalid)
	}

	one := newArticle("file:one", "الأول", "سياسة", base)
	one.Slug = "مشترك"
	two := newArticle("file:two", "الثاني", "سياسة", base)
	two.Slug = "مشترك"
	must(t, "upsert one", func() error { _, _, err := s.UpsertArticle(ctx, one); return err }())
	_, _, err = s.UpsertArticle(ctx, two)
	wantErr(t, "slug taken", err, store.ErrConflict)
	if n, _ := s.CountArticles(ctx); n != 1 {
		t.Errorf("CountArticles = %d after a refused upsert, want 1", n)
	}
}

// seedArticles stores a small archive and returns the articles by key:
// p1..p4 in سياسة, e1..e3 in اقتصاد, one draft, and two articles 1 ns apart.
func seedArticles(ctx context.Context, t *testing.T, s store.Store) map[string]*article.Article {
	t.Helper()
	h := time.Hour
	list := []*article.Article{
		newArticle("p1", "سياسة ١", "سياسة", base),
		newArticle("p2", "سياسة ٢", "سياسة", base.Add(1*h)),
		newArticle("p3", "سياسة ٣", "سياسة", base.Add(2*h)),
		newArticle("p4", "سياسة ٤", "سياسة", base.Add(2*h+time.Nanosecond)),
		newArticle("e1", "اقتصاد ١", "اقتصاد", base.Add(-24*h)),
		newArticle("e2", "اقتصاد ٢", "اقتصاد", base.Add(3*h)),
		newArticle("e3", "اقتصاد ٣", "اقتصاد", base.Add(3*h)), // same instant as e2
		newArticle("d1", "مسودة", "سياسة", base.Add(4*h)),
	}
	list[len(list)-1].Draft = true
	out := map[string]*article.Article{}
	for _, a := range list {
		if _, _, err := s.UpsertArticle(ctx, a); err != nil {
			t.Fatalf("seed %s: %v", a.Key, err)
		}
		out[a.Key] = a
	}
	return out
}

func keys(as []article.Article) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Key)
	}
	return out
}

// tieOrder returns the keys of two same-instant articles in the store's
// order: newest first, ties by ID descending.
func tieOrder(arts map[string]*article.Article, a, b string) []string {
	if arts[a].ID > arts[b].ID {
		return []string{a, b}
	}
	return []string{b, a}
}

func testListArticles(ctx context.Context, t *testing.T, s store.Store) {
	arts := seedArticles(ctx, t, s)
	e23 := tieOrder(arts, "e2", "e3")
	all := append(append([]string{}, e23...), "p4", "p3", "p2", "p1", "e1")
	h := time.Hour
	tests := []struct {
		name string
		q    store.ArticleQuery
		want []string
	}{
		{"everything published", store.ArticleQuery{}, all},
		{"with drafts", store.ArticleQuery{IncludeDrafts: true}, append([]string{"d1"}, all...)},
		{"limit", store.ArticleQuery{Limit: 3}, all[:3]},
		{"category", store.ArticleQuery{Category: "سياسة"}, []string{"p4", "p3", "p2", "p1"}},
		{"category with drafts and limit", store.ArticleQuery{Category: "سياسة", IncludeDrafts: true, Limit: 2}, []string{"d1", "p4"}},
		{"unknown category", store.ArticleQuery{Category: "رياضة"}, []string{}},
		{"from is inclusive", store.ArticleQuery{From: base.Add(2 * h)}, append(append([]string{}, e23...), "p4", "p3")},
		{"to is exclusive", store.ArticleQuery{To: base.Add(2 * h)}, []string{"p2", "p1", "e1"}},
		{"nanosecond bounds", store.ArticleQuery{From: base.Add(2*h + time.Nanosecond), To: base.Add(3 * h)}, []string{"p4"}},
		{"window in another zone", store.ArticleQuery{From: base.In(riyadh), To: base.Add(h).In(riyadh)}, []string{"p1"}},
		{"empty window", store.ArticleQuery{From: base.Add(10 * h)}, []string{}},
	}
	for _, tt := range tests {
		got, err := s.ListArticles(ctx, tt.q)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if g := keys(got); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, g, tt.want)
		}
	}
	if n, err := s.CountArticles(ctx); err != nil || n != len(arts) {
		t.Errorf("CountArticles = %d, %v; want %d (drafts included)", n, err, len(arts))
	}
}

func testArticlesBetween(ctx context.Context, t *testing.T, s store.Store) {
	arts := seedArticles(ctx, t, s)
	e23 := tieOrder(arts, "e2", "e3")
	h := time.Hour
	tests := []struct {
		from, to time.Time
		want     []string
	}{
		{base, base.Add(2 * h), []string{"p3", "p2"}}, // from exclusive, to inclusive
		{base.Add(-time.Nanosecond), base, []string{"p1"}},
		{base.Add(2 * h), base.Add(5 * h), append(append([]string{}, e23...), "p4")}, // the draft at +4h is left out
		{base.Add(-48 * h), base.Add(-24 * h), []string{"e1"}},
		{base.Add(5 * h), base.Add(6 * h), []string{}},
	}
	for i, tt := range tests {
		got, err := s.ArticlesBetween(ctx, tt.from, tt.to)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if g := keys(got); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("case %d (%v, %v]: got %v, want %v", i, tt.from, tt.to, g, tt.want)
		}
	}
}

func testRelated(ctx context.Context, t *testing.T, s store.Store) {
	arts := seedArticles(ctx, t, s)
	id := func(k string) string { return arts[k].ID }

	got, err := s.Related(ctx, id("p1"), 5)
	if err != nil || len(got) != 0 {
		t.Errorf("Related before SetRelated = %v, %v; want none", keys(got), err)
	}
	rel := []article.Related{
		{ID: id("e2"), Score: 0.9},
		{ID: id("p1"), Score: 1},   // itself: dropped
		{ID: id("d1"), Score: 0.8}, // draft: stored, never shown
		{ID: id("p3"), Score: 0.5},
		{ID: id("e2"), Score: 0.4}, // duplicate: dropped
		{ID: id("e1"), Score: 0.1},
	}
	must(t, "SetRelated", s.SetRelated(ctx, id("p1"), rel))
	for _, tt := range []struct {
		k    int
		want []string
	}{
		{0, []string{"e2", "p3", "e1"}},
		{2, []string{"e2", "p3"}},
		{10, []string{"e2", "p3", "e1"}},
	} {
		got, err := s.Related(ctx, id("p1"), tt.k)
		if err != nil {
			t.Fatal(err)
		}
		if g := keys(got); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("Related(k=%d) = %v, want %v", tt.k, g, tt.want)
		}
		for _, a := range got {
			if a.Title == "" || a.Slug == "" || a.BodyHTML != "" || a.BodyText != "" {
				t.Errorf("Related article %q: want title and slug without the body, got body %d bytes", a.Title, len(a.BodyHTML)+len(a.BodyText))
			}
		}
	}
	// Replacing the set replaces it whole.
	must(t, "SetRelated again", s.SetRelated(ctx, id("p1"), []article.Related{{ID: id("p4"), Score: 0.3}}))
	got, _ = s.Related(ctx, id("p1"), 0)
	if g := keys(got); !reflect.DeepEqual(g, []string{"p4"}) {
		t.Errorf("after replacement Related = %v, want [p4]", g)
	}
	must(t, "SetRelated empty", s.SetRelated(ctx, id("p1"), nil))
	if got, _ := s.Related(ctx, id("p1"), 0); len(got) != 0 {
		t.Errorf("after clearing Related = %v", keys(got))
	}

	wantErr(t, "SetRelated unknown article", s.SetRelated(ctx, "missing", nil), store.ErrNotFound)
	err = s.SetRelated(ctx, id("p2"), []article.Related{{ID: id("p3"), Score: 1}, {ID: "missing", Score: 0.5}})
	wantErr(t, "SetRelated unknown related", err, store.ErrNotFound)
	if got, _ := s.Related(ctx, id("p2"), 0); len(got) != 0 {
		t.Errorf("a failed SetRelated left links behind: %v", keys(got))
	}

	// Links survive a re-import of either side.
	must(t, "SetRelated p2", s.SetRelated(ctx, id("p2"), []article.Related{{ID: id("p3"), Score: 1}}))
	p3 := *arts["p3"]
	p3.Title = "سياسة ٣ (محدث)"
	if _, _, err := s.UpsertArticle(ctx, &p3); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Related(ctx, id("p2"), 0)
	if len(got) != 1 || got[0].Title != p3.Title {
		t.Errorf("after re-import Related = %v", got)
	}
}

func testCategories(ctx context.Context, t *testing.T, s store.Store) {
	if cats, err := s.Categories(ctx); err != nil || len(cats) != 0 {
		t.Fatalf("Categories on an empty store = %q, %v", cats, err)
	}
	draft := newArticle("k-draft", "مسودة", "ثقافة", base)
	draft.Draft = true
	for _, a := range []*article.Article{
		newArticle("k1", "أ", "سياسة", base),
		newArticle("k2", "ب", "اقتصاد", base.Add(time.Hour)),
		newArticle("k3", "ج", "سياسة", base.Add(2*time.Hour)),
		newArticle("k4", "د", "", base.Add(3*time.Hour)),
		draft,
	} {
		if _, _, err := s.UpsertArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "اقتصاد", "ثقافة", "سياسة"}
	if !reflect.DeepEqual(cats, want) {
		t.Errorf("Categories = %q, want %q (each once, alphabetically)", cats, want)
	}
}
