package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// prepareArticle checks a and puts it in its stored form: ID from Key,
// times in UTC, empty tags as nil.
func prepareArticle(a *article.Article) error {
	switch {
	case a.ID == "" && a.Key == "":
		return fmt.Errorf("%w: article has neither ID nor Key", store.ErrInvalid)
	case a.ID == "":
		a.ID = article.IDFor(a.Key)
	case a.Key != "" && a.ID != article.IDFor(a.Key):
		return fmt.Errorf("%w: article ID %s is not IDFor(%q)", store.ErrInvalid, a.ID, a.Key)
	}
	if a.Published.IsZero() {
		return fmt.Errorf("%w: article %s: no publication time", store.ErrInvalid, a.ID)
	}
	a.Published = a.Published.UTC()
	if !a.Updated.IsZero() {
		a.Updated = a.Updated.UTC()
	}
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	return nil
}

// contentHash fingerprints everything stored about a, so that re-storing
// identical content can be told apart from a change.
func contentHash(a *article.Article) string {
	b, _ := json.Marshal(a) // cannot fail: plain strings, bools and times
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// UpsertArticle implements store.Articles.
func (s *Core) UpsertArticle(ctx context.Context, a *article.Article) (created, changed bool, err error) {
	if err := prepareArticle(a); err != nil {
		return false, false, fmt.Errorf("%s: upsert article: %w", s.d.Name, err)
	}
	pub, err := ns(a.Published)
	if err != nil {
		return false, false, fmt.Errorf("%s: article %s: %w: %v", s.d.Name, a.ID, store.ErrInvalid, err)
	}
	upd, err := ns(a.Updated)
	if err != nil {
		return false, false, fmt.Errorf("%s: article %s: %w: %v", s.d.Name, a.ID, store.ErrInvalid, err)
	}
	tags, _ := json.Marshal(a.Tags)
	if a.Tags == nil {
		tags = []byte("[]")
	}
	hash := contentHash(a)
	var stored, withdrawn string
	err = s.db.QueryRowContext(ctx, s.q["article-hash"], a.ID).Scan(&stored, &withdrawn)
	if err == nil && stored == hash {
		if withdrawn == store.WithdrawnFileGone {
			// Its file is back unchanged: publish it again.
			return false, true, s.setWithdrawn(ctx, a.ID, "")
		}
		return false, false, nil
	}
	if err != nil && !isNoRows(err) {
		return false, false, s.errf(err, "upsert article %s", a.ID)
	}
	now := nsNow(s.now())
	var createdAt int64
	err = s.db.QueryRowContext(ctx, s.q["upsert-article"],
		a.ID, a.Key, a.Slug, a.Title, a.Subtitle, a.Category, string(tags), a.Author,
		pub, upd, a.Summary, a.SummaryExplicit, a.BodyHTML, a.BodyText, a.Image,
		a.Language, a.SourceURL, a.SourcePath, a.Draft, hash, now,
	).Scan(&createdAt)
	switch {
	case isNoRows(err):
		return false, false, nil // identical content: nothing written
	case err != nil && s.d.IsUnique(err):
		return false, false, fmt.Errorf("%s: article %s: slug %q: %w", s.d.Name, a.ID, a.Slug, store.ErrConflict)
	case err != nil:
		return false, false, s.errf(err, "upsert article %s", a.ID)
	}
	return createdAt == now, true, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanArticle(r scanner) (article.Article, error) {
	var a article.Article
	var tags string
	var pub, upd, edited sql.NullInt64
	err := r.Scan(&a.ID, &a.Key, &a.Slug, &a.Title, &a.Subtitle, &a.Category, &tags, &a.Author,
		&pub, &upd, &a.Summary, &a.SummaryExplicit, &a.BodyHTML, &a.BodyText, &a.Image,
		&a.Language, &a.SourceURL, &a.SourcePath, &a.Draft, &edited)
	if err != nil {
		return a, err
	}
	if err := decodeList(tags, &a.Tags); err != nil {
		return a, fmt.Errorf("article %s: tags: %w", a.ID, err)
	}
	a.Published, a.Updated, a.Edited = fromNS(pub), fromNS(upd), fromNS(edited)
	return a, nil
}

// GetArticle implements store.Articles.
func (s *Core) GetArticle(ctx context.Context, id string) (*article.Article, error) {
	return one(ctx, s, "article id "+id, scanArticle, s.q["get-article"], id)
}

// ArticleBySlug implements store.Articles.
func (s *Core) ArticleBySlug(ctx context.Context, slug string) (*article.Article, error) {
	return one(ctx, s, "article slug "+slug, scanArticle, s.q["article-by-slug"], slug)
}

// bound turns a query time into nanoseconds, open sides becoming the
// extremes.
func bound(t time.Time, open int64) int64 {
	if t.IsZero() {
		return open
	}
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func limit(n int) int64 {
	if n <= 0 {
		return math.MaxInt64
	}
	return int64(n)
}

// ListArticles implements store.Articles.
func (s *Core) ListArticles(ctx context.Context, q store.ArticleQuery) ([]article.Article, error) {
	return collect(ctx, s, s.db, "list articles", scanArticle, s.q["list-articles"],
		q.Category, bound(q.From, math.MinInt64), bound(q.To, math.MaxInt64), q.IncludeDrafts, limit(q.Limit))
}

// ArticlesBetween implements store.Articles.
func (s *Core) ArticlesBetween(ctx context.Context, from, to time.Time) ([]article.Article, error) {
	return collect(ctx, s, s.db, "articles between", scanArticle, s.q["articles-between"],
		bound(from, math.MinInt64), bound(to, math.MaxInt64))
}

// Categories implements store.Articles.
func (s *Core) Categories(ctx context.Context) ([]string, error) {
	return collect(ctx, s, s.db, "categories", scanString, s.q["categories"])
}

// CountArticles implements store.Articles.
func (s *Core) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q["count-articles"]).Scan(&n); err != nil {
		return 0, s.errf(err, "count articles")
	}
	return n, nil
}

// LastChange implements store.Articles.
func (s *Core) LastChange(ctx context.Context) (time.Time, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q["last-change"]).Scan(&n); err != nil {
		return time.Time{}, s.errf(err, "last change")
	}
	return fromNS(n), nil
}

// SetRelated implements store.Articles.
func (s *Core) SetRelated(ctx context.Context, id string, rel []article.Related) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q["article-exists"], id).Scan(&n); err != nil {
			return s.errf(err, "set related %s", id)
		}
		if n == 0 {
			return fmt.Errorf("%s: set related: article %s: %w", s.d.Name, id, store.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, s.q["delete-related"], id); err != nil {
			return s.errf(err, "set related %s", id)
		}
		seen := map[string]bool{id: true}
		rank := 0
		for _, r := range rel {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			score := r.Score
			if math.IsNaN(score) || math.IsInf(score, 0) {
				score = 0
			}
			_, err := tx.ExecContext(ctx, s.q["insert-related"], id, r.ID, rank, score)
			if err != nil && s.d.IsForeignKey(err) {
				return fmt.Errorf("%s: set related %s: related article %s: %w", s.d.Name, id, r.ID, store.ErrNotFound)
			}
			if err != nil {
				return s.errf(err, "set related %s", id)
			}
			rank++
		}
		return nil
	})
}

// Related implements store.Articles.
func (s *Core) Related(ctx context.Context, id string, k int) ([]article.Article, error) {
	return collect(ctx, s, s.db, "related "+id, scanArticle, s.q["related"], id, limit(k))
}
