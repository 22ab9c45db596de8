package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// TakeSubscriberMerges implements store.Subscribers.
func (s *Core) TakeSubscriberMerges(ctx context.Context) ([]store.SubscriberMerge, error) {
	// Every command asks; almost always there is nothing, and the answer
	// must not take SQLite's write lock from a sending process.
	if n, err := s.count(ctx, "subscriber merges", s.q["unreported-merges-count"]); n == 0 || err != nil {
		return nil, err
	}
	var out []store.SubscriberMerge
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = collect(ctx, s, tx, "subscriber merges", scanMerge, s.q["unreported-merges"])
		if err != nil || len(out) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q["mark-merges-reported"], out[len(out)-1].ID); err != nil {
			return s.errf(err, "subscriber merges reported")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanMerge(r scanner) (store.SubscriberMerge, error) {
	var m store.SubscriberMerge
	var status, cats string
	var created, confirmed, unsub, merged sql.NullInt64
	if err := r.Scan(&m.ID, &m.Email, &m.Name, &status, &cats, &created, &confirmed, &unsub, &m.MergedInto, &merged); err != nil {
		return m, err
	}
	m.Status = store.Status(status)
	if err := json.Unmarshal([]byte(cats), &m.Categories); err != nil {
		return m, fmt.Errorf("subscriber merge %d: categories: %w", m.ID, err)
	}
	m.CreatedAt, m.ConfirmedAt, m.UnsubscribedAt, m.MergedAt = fromNS(created), fromNS(confirmed), fromNS(unsub), fromNS(merged)
	return m, nil
}
