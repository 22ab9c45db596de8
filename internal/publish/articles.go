package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// The article administration below is shared by the command line
// (nashra articles), the console and the API: each names an article by its
// slug, changes the store, and drops the related-article index so that the
// next import or build reads the store afresh.

// ErrNoSuchArticle: no article has the slug given. The error also
// matches store.ErrNotFound.
var ErrNoSuchArticle = errors.New("no such article")

func (p *Publisher) bySlug(ctx context.Context, slug string) (*article.Article, error) {
	a, err := p.st.ArticleBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &noSuchArticle{slug: slug, err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return a, nil
}

// Unpublish withholds the article with this slug from feeds, pages and
// the next editions until Publish; its file importing again does not
// bring it back.
func (p *Publisher) Unpublish(ctx context.Context, slug string) (*article.Article, error) {
	a, err := p.bySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := p.st.UnpublishArticle(ctx, a.ID, store.WithdrawnByAdmin); err != nil {
		return nil, fmt.Errorf("publish: unpublish %q: %w", slug, err)
	}
	p.Invalidate()
	return a, nil
}

// Publish ends a withdrawal of the article with this slug. It reports
// draft=true when the article's own file marks it a draft, which only the
// file can change.
func (p *Publisher) Publish(ctx context.Context, slug string) (a *article.Article, draft bool, err error) {
	if a, err = p.bySlug(ctx, slug); err != nil {
		return nil, false, err
	}
	if err := p.st.PublishArticle(ctx, a.ID); err != nil {
		return nil, false, fmt.Errorf("publish: publish %q: %w", slug, err)
	}
	p.Invalidate()
	now, err := p.st.GetArticle(ctx, a.ID)
	if err != nil {
		return nil, false, fmt.Errorf("publish: %w", err)
	}
	return now, now.Draft, nil
}

// Delete erases the article with this slug. It reports the file the
// article came from when that file still exists: the next import of the
// folder brings the article back, which Unpublish would not.
func (p *Publisher) Delete(ctx context.Context, slug string) (a *article.Article, fileLeft string, err error) {
	if a, err = p.bySlug(ctx, slug); err != nil {
		return nil, "", err
	}
	if err := p.st.DeleteArticle(ctx, a.ID); err != nil {
		return nil, "", fmt.Errorf("publish: delete %q: %w", slug, err)
	}
	p.Invalidate()
	if a.SourcePath != "" {
		if _, err := os.Stat(a.SourcePath); err == nil {
			fileLeft = a.SourcePath
		}
	}
	return a, fileLeft, nil
}

// FilesRemoved withdraws the articles imported from files that are gone
// from the content folder, and returns their IDs. Importing a file at the
// same path again publishes its article again.
func (p *Publisher) FilesRemoved(ctx context.Context, paths []string) ([]string, error) {
	var out []string
	for _, path := range paths {
		forms := []string{path}
		if abs, err := filepath.Abs(path); err == nil && abs != path {
			forms = append(forms, abs)
		}
		for _, f := range forms {
			ids, err := p.st.UnpublishSourcePath(ctx, f)
			if err != nil {
				return out, fmt.Errorf("publish: unpublish the articles of %s: %w", path, err)
			}
			out = append(out, ids...)
		}
	}
	if len(out) > 0 {
		p.Invalidate()
	}
	return out, nil
}

// ownerConflict reports why a, parsed from path, must not be stored: its
// ID (its slug, or the URL it names) already belongs to the article of
// another file that still exists. A stored article whose file is gone, or
// is the same file by another path, is taken over.
func (p *Publisher) ownerConflict(ctx context.Context, a *article.Article, path string) error {
	id := a.ID
	if id == "" {
		id = article.IDFor(a.Key)
	}
	cur, err := p.st.GetArticle(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if cur.SourcePath == "" || cur.SourcePath == path || !fileExists(cur.SourcePath) || sameFile(cur.SourcePath, path) {
		return nil
	}
	what := fmt.Sprintf("slug %q", cur.Slug)
	if a.SourceURL != "" && a.Key == a.SourceURL {
		what = "URL " + a.SourceURL
	}
	return fmt.Errorf("%s is already the article of %s; not replaced (give one of them another slug: in its front matter, or by renaming the file)", what, cur.SourcePath)
}

// slugOwner names what holds slug, for an ErrConflict on upsert.
func (p *Publisher) slugOwner(ctx context.Context, slug string) string {
	cur, err := p.st.ArticleBySlug(ctx, slug)
	switch {
	case err != nil:
		return "another article"
	case cur.SourcePath != "":
		return "the article of " + cur.SourcePath
	case cur.SourceURL != "":
		return "the article of " + cur.SourceURL
	}
	return "article " + cur.ID
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// noSuchArticle reads "publish: "SLUG": no such article" and matches both
// ErrNoSuchArticle and the store's ErrNotFound it came from.
type noSuchArticle struct {
	slug string
	err  error
}

func (e *noSuchArticle) Error() string {
	return fmt.Sprintf("publish: %q: %v", e.slug, ErrNoSuchArticle)
}
func (e *noSuchArticle) Unwrap() []error { return []error{ErrNoSuchArticle, e.err} }

// FilesMissing withdraws the published articles imported from files under
// dir that no longer exist (removed while nothing watched the folder) and
// returns their IDs; serve calls it at start.
func (p *Publisher) FilesMissing(ctx context.Context, dir string) ([]string, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	all, err := p.st.ListArticles(ctx, store.ArticleQuery{IncludeDrafts: true})
	if err != nil {
		return nil, fmt.Errorf("publish: list articles: %w", err)
	}
	var gone []string
	seen := map[string]bool{}
	for _, a := range all {
		if a.SourcePath == "" || a.Draft || seen[a.SourcePath] {
			continue
		}
		seen[a.SourcePath] = true
		abs, err := filepath.Abs(a.SourcePath)
		if err != nil || !strings.HasPrefix(abs, root+string(filepath.Separator)) {
			continue
		}
		if _, err := os.Stat(a.SourcePath); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, a.SourcePath)
		}
	}
	return p.FilesRemoved(ctx, gone)
}
