package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func scanSource(r scanner) (store.Source, error) {
	var s store.Source
	var hubState string
	var lastFetch, lastSuccess, lease sql.NullInt64
	var next, created int64
	err := r.Scan(&s.ID, &s.Key, &s.URL, &s.Name, &s.Category, &s.FullText, &s.FromConfig,
		&s.ETag, &s.LastModified, &lastFetch, &lastSuccess, &next, &s.Errors, &s.LastError,
		&s.LastStatus, &s.Hub, &s.Topic, &s.HubSecret, &lease, &hubState, &created, &s.Items)
	if err != nil {
		return s, err
	}
	s.HubState = store.HubState(hubState)
	s.LastFetch, s.LastSuccess, s.HubLeaseEnd = fromNS(lastFetch), fromNS(lastSuccess), fromNS(lease)
	s.NextFetch = time.Unix(0, next).UTC()
	s.CreatedAt = time.Unix(0, created).UTC()
	return s, nil
}

func checkSource(s *store.Source) error {
	if strings.TrimSpace(s.URL) == "" {
		return fmt.Errorf("%w: source has no URL", store.ErrInvalid)
	}
	switch s.HubState {
	case store.HubNone, store.HubPending, store.HubVerified, store.HubDenied:
	default:
		return fmt.Errorf("%w: source %s: unknown hub state %q", store.ErrInvalid, s.URL, s.HubState)
	}
	if s.Errors < 0 {
		return fmt.Errorf("%w: source %s: negative error count", store.ErrInvalid, s.URL)
	}
	return nil
}

// AddSource implements store.Sources.
func (s *Core) AddSource(ctx context.Context, src *store.Source) (bool, error) {
	if err := checkSource(src); err != nil {
		return false, fmt.Errorf("%s: add source: %w", s.d.Name, err)
	}
	if src.Key == "" {
		src.Key = src.URL
	}
	now := s.now()
	if src.NextFetch.IsZero() {
		src.NextFetch = now
	}
	next, err := ns(src.NextFetch)
	if err != nil {
		return false, fmt.Errorf("%s: add source %s: %w: %v", s.d.Name, src.URL, store.ErrInvalid, err)
	}
	var id int64
	err = s.db.QueryRowContext(ctx, s.q["insert-source"], src.Key, src.URL, src.Name, src.Category,
		src.FullText, src.FromConfig, next, nsNow(now)).Scan(&id)
	if isNoRows(err) {
		got, err := s.SourceByURL(ctx, src.URL)
		if err != nil {
			got, err = s.SourceByURL(ctx, src.Key)
		}
		if err != nil {
			return false, err
		}
		*src = *got
		return false, nil
	}
	if err != nil {
		return false, s.errf(err, "add source %s", src.URL)
	}
	got, err := s.GetSource(ctx, id)
	if err != nil {
		return false, err
	}
	*src = *got
	return true, nil
}

// GetSource implements store.Sources.
func (s *Core) GetSource(ctx context.Context, id int64) (*store.Source, error) {
	return one(ctx, s, fmt.Sprintf("source id %d", id), scanSource, s.q["get-source"], id)
}

// SourceByURL implements store.Sources.
func (s *Core) SourceByURL(ctx context.Context, url string) (*store.Source, error) {
	return one(ctx, s, "source url "+url, scanSource, s.q["source-by-url"], url)
}

// ListSources implements store.Sources.
func (s *Core) ListSources(ctx context.Context) ([]store.Source, error) {
	return collect(ctx, s, s.db, "list sources", scanSource, s.q["list-sources"])
}

// DueSources implements store.Sources.
func (s *Core) DueSources(ctx context.Context, now time.Time, n int) ([]store.Source, error) {
	return collect(ctx, s, s.db, "due sources", scanSource, s.q["due-sources"], bound(now, 0), limit(n))
}

// UpdateSource implements store.Sources.
func (s *Core) UpdateSource(ctx context.Context, src *store.Source) error {
	if err := checkSource(src); err != nil {
		return fmt.Errorf("%s: update source: %w", s.d.Name, err)
	}
	var times [4]any
	for i, t := range []time.Time{src.LastFetch, src.LastSuccess, src.NextFetch, src.HubLeaseEnd} {
		v, err := ns(t)
		if err != nil {
			return fmt.Errorf("%s: update source %d: %w: %v", s.d.Name, src.ID, store.ErrInvalid, err)
		}
		times[i] = v
	}
	if times[2] == nil {
		times[2] = nsNow(s.now())
	}
	res, err := s.db.ExecContext(ctx, s.q["update-source"], src.URL, src.Name, src.Category,
		src.FullText, src.FromConfig, src.ETag, src.LastModified, times[0], times[1], times[2],
		src.Errors, src.LastError, src.LastStatus, src.Hub, src.Topic, src.HubSecret, times[3],
		string(src.HubState), src.ID)
	if err != nil && s.d.IsUnique(err) {
		return fmt.Errorf("%s: source %d: url %s: %w", s.d.Name, src.ID, src.URL, store.ErrConflict)
	}
	if err != nil {
		return s.errf(err, "update source %d", src.ID)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: update source %d: %w", s.d.Name, src.ID, store.ErrNotFound)
	}
	return nil
}

// RemoveSource implements store.Sources.
func (s *Core) RemoveSource(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, s.q["delete-source"], id)
	if err != nil {
		return s.errf(err, "remove source %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: remove source %d: %w", s.d.Name, id, store.ErrNotFound)
	}
	return nil
}

// GetSourceItem implements store.Sources.
func (s *Core) GetSourceItem(ctx context.Context, sourceID int64, key string) (*store.SourceItem, error) {
	return one(ctx, s, fmt.Sprintf("source %d item %q", sourceID, key), scanSourceItem, s.q["get-source-item"], sourceID, key)
}

func scanSourceItem(r scanner) (store.SourceItem, error) {
	var it store.SourceItem
	err := r.Scan(&it.SourceID, &it.Key, &it.ArticleID, &it.Hash)
	return it, err
}

// PutSourceItem implements store.Sources.
func (s *Core) PutSourceItem(ctx context.Context, it *store.SourceItem) error {
	if it.Key == "" || it.ArticleID == "" {
		return fmt.Errorf("%s: source item: %w: key and article ID are required", s.d.Name, store.ErrInvalid)
	}
	_, err := s.db.ExecContext(ctx, s.q["put-source-item"], it.SourceID, it.Key, it.ArticleID, it.Hash)
	if err != nil && s.d.IsForeignKey(err) {
		return fmt.Errorf("%s: source item: source %d: %w", s.d.Name, it.SourceID, store.ErrNotFound)
	}
	if err != nil {
		return s.errf(err, "source %d item %q", it.SourceID, it.Key)
	}
	return nil
}

// PutSourceItems implements store.Sources.
func (s *Core) PutSourceItems(ctx context.Context, items []store.SourceItem) error {
	if len(items) == 0 {
		return nil
	}
	for _, it := range items {
		if it.Key == "" || it.ArticleID == "" {
			return fmt.Errorf("%s: source item: %w: key and article ID are required", s.d.Name, store.ErrInvalid)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q["put-source-item"])
		if err != nil {
			return s.errf(err, "source items")
		}
		defer stmt.Close()
		for _, it := range items {
			_, err := stmt.ExecContext(ctx, it.SourceID, it.Key, it.ArticleID, it.Hash)
			if err != nil && s.d.IsForeignKey(err) {
				return fmt.Errorf("%s: source items: source %d: %w", s.d.Name, it.SourceID, store.ErrNotFound)
			}
			if err != nil {
				return s.errf(err, "source %d item %q", it.SourceID, it.Key)
			}
		}
		return nil
	})
}
