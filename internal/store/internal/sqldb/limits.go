package sqldb

import (
	"context"
	"fmt"
	"time"
)

// TakeRate implements store.Limits with one atomic upsert (take-rate).
func (s *Core) TakeRate(ctx context.Context, key string, every time.Duration, burst int, now time.Time) (bool, error) {
	if every <= 0 || burst < 1 {
		return false, fmt.Errorf("%s: rate %q: interval %v and burst %d must be positive", s.d.Name, key, every, burst)
	}
	var tat int64
	err := s.db.QueryRowContext(ctx, s.q["take-rate"], key, now.UnixNano(), int64(every), int64(burst-1)*int64(every)).Scan(&tat)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, s.errf(err, "rate %s", key)
	}
	return true, nil
}

// PurgeRates implements store.Limits.
func (s *Core) PurgeRates(ctx context.Context, now time.Time) (int, error) {
	return s.deleted(ctx, "purge rates", s.q["purge-rates"], now.UnixNano())
}

// PurgePending implements store.Subscribers.
func (s *Core) PurgePending(ctx context.Context, before time.Time) (int, error) {
	return s.deleted(ctx, "purge pending subscribers", s.q["purge-pending"], before.UnixNano())
}
