package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

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

func testListArticles(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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

func testArticlesBetween(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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

func testRelated(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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

func testCategories(t *testing.T, newStore NewStore) {
	ctx, s := setup(t, newStore)
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
