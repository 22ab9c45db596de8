package storetest

import (
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

func testUpsertArticle(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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

func testArticleRoundTrip(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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

func testArticleErrors(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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
