package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nashra/nashra/internal/store"
)

func init() {
	accountQueries = append(accountQueries, "search-subscribers", "search-subscribers-text", "search-subscribers-address", "subscriber-deliveries", "subscriber-growth",
		"subscriber-counts", "edition-delivery-counts")
}

// likeEscape escapes LIKE's wildcards (and the escape character, \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchSubscribers implements store.Console.
func (s *Core) SearchSubscribers(ctx context.Context, q store.SubscriberSearch) ([]store.Subscriber, error) {
	query, text := "search-subscribers", ""
	if t := strings.TrimSpace(q.Text); t != "" {
		text = "%" + likeEscape(t) + "%"
		if norm, err := store.NormalizeEmail(t); err == nil && strings.Contains(t, "@") {
			// A whole address is looked up, not searched for: its common
			// pieces (gmail.com) would make the text index read much of
			// the list.
			query, text = "search-subscribers-address", store.EmailKey(norm)
		} else if utf8.RuneCountInString(t) >= 3 {
			query = "search-subscribers-text"
			if s.d.Name == "sqlite" {
				text = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
			}
		}
	}
	before := q.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	cat := ""
	if q.Category != "" {
		quoted, _ := json.Marshal(q.Category)
		cat = "%" + likeEscape(string(quoted)) + "%"
	}
	args := []any{text, string(q.Status), before, cat, limit(q.Limit)}
	plan, ok := s.q["search-subscribers-plan"]
	if !ok || query != "search-subscribers-text" {
		return collect(ctx, s, s.db, "search subscribers", scanSubscriber, s.q[query], args...)
	}
	var out []store.Subscriber
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, plan); err != nil {
			return s.errf(err, "search subscribers")
		}
		if recent, ok := s.q["search-subscribers-recent"]; ok && q.Limit > 0 {
			var top int64
			if err := tx.QueryRowContext(ctx, s.q["max-subscriber-below"], before).Scan(&top); err != nil {
				return s.errf(err, "search subscribers")
			}
			page, err := collect(ctx, s, tx, "search subscribers", scanSubscriber, recent, append(args, top-recentWindow)...)
			if err != nil || len(page) >= q.Limit {
				out = page
				return err
			}
		}
		var err error
		out, err = collect(ctx, s, tx, "search subscribers", scanSubscriber, s.q[query], args...)
		return err
	})
	return out, err
}

// SubscriberDeliveries implements store.Console.
func (s *Core) SubscriberDeliveries(ctx context.Context, id int64, n int) ([]store.Delivery, error) {
	return collect(ctx, s, s.db, "deliveries of a subscriber", scanDelivery, s.q["subscriber-deliveries"], id, limit(n))
}

// SubscriberGrowth implements store.Console.
func (s *Core) SubscriberGrowth(ctx context.Context, since time.Time, offset time.Duration) ([]store.DayCount, error) {
	type row struct {
		day   int64
		count int
	}
	rows, err := collect(ctx, s, s.db, "subscriber growth", func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.day, &x.count)
		return x, err
	}, s.q["subscriber-growth"], bound(since, -1<<63), int64(offset))
	if err != nil {
		return nil, err
	}
	out := make([]store.DayCount, len(rows))
	for i, r := range rows {
		out[i] = store.DayCount{Day: time.Unix(r.day*86400, 0).UTC().Format(time.DateOnly), Count: r.count}
	}
	return out, nil
}

// SubscriberCounts implements store.Console.
func (s *Core) SubscriberCounts(ctx context.Context) (map[store.Status]int, error) {
	out, err := collectMap[store.Status, int](ctx, s, s.db, "subscriber counts", s.q["subscriber-counts"])
	if err != nil {
		return nil, err
	}
	for _, st := range []store.Status{store.StatusPending, store.StatusConfirmed, store.StatusUnsubscribed, store.StatusBounced} {
		if _, ok := out[st]; !ok {
			out[st] = 0
		}
	}
	return out, nil
}

// EditionDeliveryCounts implements store.Console.
func (s *Core) EditionDeliveryCounts(ctx context.Context, ids []string) (map[string]map[store.DeliveryState]int, error) {
	out := make(map[string]map[store.DeliveryState]int, len(ids))
	for _, id := range ids {
		out[id] = make(map[store.DeliveryState]int, len(store.DeliveryStates))
		for _, st := range store.DeliveryStates {
			out[id][st] = 0
		}
	}
	err := s.eachRow(ctx, s.db, "delivery counts of editions", func(r scanner) error {
		var id string
		var st store.DeliveryState
		var n int
		if err := r.Scan(&id, &st, &n); err != nil {
			return err
		}
		out[id][st] = n
		return nil
	}, s.q["edition-delivery-counts"], categoriesJSON(ids))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recentWindow is how many of the newest subscribers a text search reads
// first where the backend has search-subscribers-recent.
const recentWindow = 10000
