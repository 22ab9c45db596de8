package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/nashra/nashra/internal/store"
)

// touchArticles moves LastChange for a change that leaves no changed_at
// behind (a withdrawal, a deletion).
func (s *Core) touchArticles(ctx context.Context, q execer) error {
	now := nsNow(s.now())
	if _, err := q.ExecContext(ctx, s.q["touch-articles"], strconv.FormatInt(now, 10), now); err != nil {
		return s.errf(err, "touch articles")
	}
	return nil
}

// setWithdrawn withdraws article id for reason, or restores it ("").
func (s *Core) setWithdrawn(ctx context.Context, id, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if reason == "" {
			res, err = tx.ExecContext(ctx, s.q["restore-article"], id)
		} else {
			res, err = tx.ExecContext(ctx, s.q["withdraw-article"], id, reason)
		}
		if err != nil {
			return s.errf(err, "article %s: withdraw %q", id, reason)
		}
		if err := s.affected(res, "article "+id); err != nil {
			return err
		}
		return s.touchArticles(ctx, tx)
	})
}

// UnpublishArticle implements store.Articles.
func (s *Core) UnpublishArticle(ctx context.Context, id, reason string) error {
	if reason != store.WithdrawnByAdmin && reason != store.WithdrawnFileGone {
		return fmt.Errorf("%s: unpublish article %s: %w: reason %q", s.d.Name, id, store.ErrInvalid, reason)
	}
	return s.setWithdrawn(ctx, id, reason)
}

// PublishArticle implements store.Articles.
func (s *Core) PublishArticle(ctx context.Context, id string) error {
	return s.setWithdrawn(ctx, id, "")
}

// UnpublishSourcePath implements store.Articles.
func (s *Core) UnpublishSourcePath(ctx context.Context, path string) ([]string, error) {
	var ids []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = collect(ctx, s, tx, "unpublish articles of "+path, scanString, s.q["withdraw-source-path"], path)
		if err != nil || len(ids) == 0 {
			return err
		}
		return s.touchArticles(ctx, tx)
	})
	return ids, err
}

// SetArticleCategory implements store.Articles.
func (s *Core) SetArticleCategory(ctx context.Context, id, category string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.execOne(ctx, tx, "set the category of article "+id, s.q["set-article-category"], id, category); err != nil {
			return err
		}
		return s.touchArticles(ctx, tx)
	})
}

// DeleteArticle implements store.Articles.
func (s *Core) DeleteArticle(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.execOne(ctx, tx, "delete article "+id, s.q["delete-article"], id); err != nil {
			return err
		}
		return s.touchArticles(ctx, tx)
	})
}

// WithdrawnArticles implements store.Articles.
func (s *Core) WithdrawnArticles(ctx context.Context) (map[string]string, error) {
	return collectMap[string, string](ctx, s, s.db, "withdrawn articles", s.q["withdrawn-articles"])
}

// SourceArticleIDs implements store.Articles.
func (s *Core) SourceArticleIDs(ctx context.Context, sourceID int64) ([]string, error) {
	return collect(ctx, s, s.db, fmt.Sprintf("articles of source %d", sourceID), scanString, s.q["source-article-ids"], sourceID)
}
