package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// testWithdrawArticle: an unpublished article leaves the lists, the
// editions and the related links but stays stored; publishing brings it
// back; a file withdrawal ends when the file is imported again, an
// admin's does not; deletion erases it; every one of these moves
// LastChange.
func testWithdrawArticle(ctx context.Context, t *testing.T, s store.Store) {
	a := newArticle("file:a", "المقال الأول", "اقتصاد", base)
	a.SourcePath = "content/a.txt"
	b := newArticle("file:b", "المقال الثاني", "اقتصاد", base.Add(time.Hour))
	b.SourcePath = "content/b.txt"
	c := newArticle("file:c", "مسودة", "اقتصاد", base.Add(2*time.Hour))
	c.Draft = true
	for _, x := range []*article.Article{a, b, c} {
		_, _, err := s.UpsertArticle(ctx, x)
		must(t, "UpsertArticle", err)
	}
	must(t, "SetRelated", s.SetRelated(ctx, b.ID, []article.Related{{ID: a.ID, Score: 0.5}}))
	visible := func(want ...string) {
		t.Helper()
		list, err := s.ListArticles(ctx, store.ArticleQuery{})
		must(t, "ListArticles", err)
		between, err := s.ArticlesBetween(ctx, time.Time{}, base.Add(24*time.Hour))
		must(t, "ArticlesBetween", err)
		for what, got := range map[string][]article.Article{"ListArticles": list, "ArticlesBetween": between} {
			if g := keys(got); !equal(g, want) {
				t.Errorf("%s = %v, want %v", what, g, want)
			}
		}
	}
	last := func() time.Time {
		t.Helper()
		lc, err := s.LastChange(ctx)
		must(t, "LastChange", err)
		return lc
	}
	before := last()
	visible("file:b", "file:a")

	must(t, "UnpublishArticle", s.UnpublishArticle(ctx, a.ID, store.WithdrawnByAdmin))
	visible("file:b")
	if rel, err := s.Related(ctx, b.ID, 0); err != nil || len(rel) != 0 {
		t.Errorf("Related of b after unpublishing a = %v, %v", keys(rel), err)
	}
	if got, err := s.GetArticle(ctx, a.ID); err != nil || !got.Draft {
		t.Errorf("GetArticle(a) = %+v, %v: want it stored, as a draft", got, err)
	}
	if w, err := s.WithdrawnArticles(ctx); err != nil || len(w) != 1 || w[a.ID] != store.WithdrawnByAdmin {
		t.Errorf("WithdrawnArticles = %v, %v", w, err)
	}
	if lc := last(); !lc.After(before) {
		t.Errorf("LastChange did not move on unpublish: %v then %v", before, lc)
	}
	// An edit of its file does not undo an admin's decision.
	a2 := *a
	a2.Title = "المقال الأول، منقحاً"
	if _, changed, err := s.UpsertArticle(ctx, &a2); err != nil || !changed {
		t.Fatalf("edit: changed=%v %v", changed, err)
	}
	visible("file:b")
	must(t, "PublishArticle", s.PublishArticle(ctx, a.ID))
	visible("file:b", "file:a")
	if rel, err := s.Related(ctx, b.ID, 0); err != nil || len(rel) != 1 {
		t.Errorf("Related of b after publishing a = %v, %v", keys(rel), err)
	}

	// Its file removed, then back unchanged.
	ids, err := s.UnpublishSourcePath(ctx, "content/b.txt")
	must(t, "UnpublishSourcePath", err)
	if len(ids) != 1 || ids[0] != b.ID {
		t.Errorf("UnpublishSourcePath = %v", ids)
	}
	visible("file:a")
	if ids, err := s.UnpublishSourcePath(ctx, "content/b.txt"); err != nil || len(ids) != 0 {
		t.Errorf("second UnpublishSourcePath = %v, %v", ids, err)
	}
	if created, changed, err := s.UpsertArticle(ctx, b); err != nil || created || !changed {
		t.Errorf("re-import of b: created=%v changed=%v %v", created, changed, err)
	}
	visible("file:b", "file:a")
	// …and back edited.
	if _, err := s.UnpublishSourcePath(ctx, "content/b.txt"); err != nil {
		t.Fatal(err)
	}
	b2 := *b
	b2.Title = "المقال الثاني، منقحاً"
	if created, changed, err := s.UpsertArticle(ctx, &b2); err != nil || created || !changed {
		t.Errorf("edited re-import of b: created=%v changed=%v %v", created, changed, err)
	}
	visible("file:b", "file:a")

	// A draft in its own file stays a draft when published.
	must(t, "UnpublishArticle c", s.UnpublishArticle(ctx, c.ID, store.WithdrawnByAdmin))
	must(t, "PublishArticle c", s.PublishArticle(ctx, c.ID))
	if got, _ := s.GetArticle(ctx, c.ID); got == nil || !got.Draft {
		t.Errorf("c after publish = %+v, want a draft still", got)
	}

	before = last()
	must(t, "DeleteArticle", s.DeleteArticle(ctx, a.ID))
	_, err = s.GetArticle(ctx, a.ID)
	wantErr(t, "GetArticle after delete", err, store.ErrNotFound)
	visible("file:b")
	if lc := last(); !lc.After(before) {
		t.Errorf("LastChange did not move on delete: %v then %v", before, lc)
	}
	wantErr(t, "DeleteArticle again", s.DeleteArticle(ctx, a.ID), store.ErrNotFound)
	wantErr(t, "UnpublishArticle unknown", s.UnpublishArticle(ctx, a.ID, store.WithdrawnByAdmin), store.ErrNotFound)
	wantErr(t, "PublishArticle unknown", s.PublishArticle(ctx, a.ID), store.ErrNotFound)
	wantErr(t, "UnpublishArticle bad reason", s.UnpublishArticle(ctx, b.ID, "because"), store.ErrInvalid)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testAdminCategory: a category set by an editor survives the article's
// file being imported again, changed or not, and moves LastChange.
func testAdminCategory(ctx context.Context, t *testing.T, s store.Store) {
	a := newArticle("file:a", "المقال الأول", "اقتصاد", base)
	_, _, err := s.UpsertArticle(ctx, a)
	must(t, "UpsertArticle", err)
	before, err := s.LastChange(ctx)
	must(t, "LastChange", err)
	must(t, "SetArticleCategory", s.SetArticleCategory(ctx, a.ID, "رياضة"))
	if after, err := s.LastChange(ctx); err != nil || !after.After(before) {
		t.Errorf("LastChange after SetArticleCategory = %v (before %v), %v", after, before, err)
	}
	category := func() string {
		t.Helper()
		got, err := s.GetArticle(ctx, a.ID)
		must(t, "GetArticle", err)
		return got.Category
	}
	if got := category(); got != "رياضة" {
		t.Errorf("category after SetArticleCategory = %q", got)
	}
	again := newArticle("file:a", "المقال الأول", "اقتصاد", base) // the file, unchanged
	_, _, err = s.UpsertArticle(ctx, again)
	must(t, "UpsertArticle unchanged", err)
	edited := newArticle("file:a", "المقال الأول، مصحّحًا", "اقتصاد", base) // the file, corrected
	_, changed, err := s.UpsertArticle(ctx, edited)
	must(t, "UpsertArticle edited", err)
	if !changed {
		t.Errorf("the corrected file changed nothing")
	}
	if got := category(); got != "رياضة" {
		t.Errorf("category after re-import = %q, want the editor's رياضة", got)
	}
	list, err := s.ListArticles(ctx, store.ArticleQuery{Category: "رياضة"})
	must(t, "ListArticles", err)
	if len(list) != 1 || list[0].Title != "المقال الأول، مصحّحًا" {
		t.Errorf("ListArticles(رياضة) = %v", keys(list))
	}
	wantErr(t, "SetArticleCategory unknown", s.SetArticleCategory(ctx, "file:none", "رياضة"), store.ErrNotFound)
}
