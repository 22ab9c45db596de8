package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nashra/nashra/mailer"
)

// RateHeadroom widens the spacing of SharedLimiter's slots: rate messages
// take at least (1+RateHeadroom) seconds, so that the jitter between a
// slot and the moment the SMTP server accepts the message (pool waits,
// round trips) cannot squeeze rate+1 acceptances into one second.
// 10% keeps a loaded machine's scheduling jitter within the limit.
const RateHeadroom = 0.10

// rateTable holds one row per shared limiter: the time of its next free
// slot, on the database's clock (the one clock every node agrees on). The
// PostgreSQL store's migrations create it.
const rateTable = "nashra_rate_limit"

// SharedLimiter is a mailer.Limiter shared by every process using one
// PostgreSQL database: mail.rate becomes a global limit however many
// workers run. Each Wait reserves the next free time slot with one
// atomic UPDATE … RETURNING on a single row (the row lock orders the
// callers), then sleeps until its slot. Slots are 1/rate apart (plus
// RateHeadroom), measured on the database server's clock, so nodes whose
// clocks disagree still share one schedule.
//
// A caller whose context ends while it waits loses its slot; the limit
// then errs on the side of sending less, never more.
type SharedLimiter struct {
	db       *sql.DB
	name     string
	interval time.Duration
}

// NewSharedLimiter returns a limiter allowing perSecond messages per second
// across every process sharing db and name; perSecond <= 0 returns nil
// (no limit). db is a migrated PostgreSQL store's.
func NewSharedLimiter(db *sql.DB, name string, perSecond float64) *SharedLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &SharedLimiter{db: db, name: name,
		interval: time.Duration(float64(time.Second) * (1 + RateHeadroom) / perSecond)}
}

// Interval is the spacing between two slots.
func (l *SharedLimiter) Interval() time.Duration { return l.interval }

// reserveSQL takes the next slot: max(next_at, now), and moves next_at one
// interval further. It returns how long the caller must wait, in
// microseconds (<= 0: go now).
const reserveSQL = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO ` + rateTable + ` (name, next_at)
SELECT $1, now.t + make_interval(secs => $2::float8 / 1e6) FROM now
ON CONFLICT (name) DO UPDATE
SET next_at = GREATEST(` + rateTable + `.next_at, (SELECT t FROM now)) + make_interval(secs => $2::float8 / 1e6)
RETURNING (EXTRACT(EPOCH FROM (next_at - (SELECT t FROM now))) * 1e6)::bigint - $2::bigint`

// Reserve takes the next slot and returns how long to wait for it.
func (l *SharedLimiter) Reserve(ctx context.Context) (time.Duration, error) {
	var us int64
	if err := l.db.QueryRowContext(ctx, reserveSQL, l.name, l.interval.Microseconds()).Scan(&us); err != nil {
		return 0, fmt.Errorf("delivery: rate limit: %w", err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Wait blocks until the caller's slot comes, or ctx ends.
func (l *SharedLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := l.Reserve(ctx)
	if err != nil {
		return err
	}
	return mailer.WaitSlot(ctx, d)
}
