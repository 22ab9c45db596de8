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
	var n int
	if err := s.db.QueryRowContext(ctx, s.q["unreported-merges-count"]).Scan(&n); err != nil {
		return nil, s.errf(err, "subscriber merges")
	}
	if n == 0 {
		return nil, nil
	}
	var out []store.SubscriberMerge
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q["unreported-merges"])
		if err != nil {
			return s.errf(err, "subscriber merges")
		}
		defer rows.Close()
		for rows.Next() {
			var m store.SubscriberMerge
			var status, cats string
			var created, confirmed, unsub, merged sql.NullInt64
			if err := rows.Scan(&m.ID, &m.Email, &m.Name, &status, &cats, &created, &confirmed, &unsub, &m.MergedInto, &merged); err != nil {
				return s.errf(err, "subscriber merges")
			}
			m.Status = store.Status(status)
			if err := json.Unmarshal([]byte(cats), &m.Categories); err != nil {
				return fmt.Errorf("%s: subscriber merge %d: categories: %w", s.d.Name, m.ID, err)
			}
			m.CreatedAt, m.ConfirmedAt, m.UnsubscribedAt, m.MergedAt = fromNS(created), fromNS(confirmed), fromNS(unsub), fromNS(merged)
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			return s.errf(err, "subscriber merges")
		}
		rows.Close()
		if len(out) == 0 {
			return nil
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
