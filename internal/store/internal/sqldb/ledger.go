package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// enqueueChunk is how many subscriber IDs one enqueue statement carries
// (as a JSON array, so that the SQL stays a fixed named query).
const enqueueChunk = 2000

// EnqueueDeliveries implements store.Ledger.
func (s *Core) EnqueueDeliveries(ctx context.Context, editionID string, subs []store.Subscriber) (int, error) {
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := scanEdition(tx.QueryRowContext(ctx, s.q["get-edition"], editionID))
		if isNoRows(err) {
			return fmt.Errorf("%s: enqueue: edition %s: %w", s.d.Name, editionID, store.ErrNotFound)
		}
		if err != nil {
			return s.errf(err, "enqueue %s", editionID)
		}
		now := nsNow(s.now())
		ids := make([]int64, 0, min(len(subs), enqueueChunk))
		for start := 0; start < len(subs); start += enqueueChunk {
			ids = ids[:0]
			for _, sub := range subs[start:min(start+enqueueChunk, len(subs))] {
				ids = append(ids, sub.ID)
			}
			js, _ := json.Marshal(ids)
			res, err := tx.ExecContext(ctx, s.q["enqueue-deliveries"], editionID, now, string(js))
			if err != nil {
				return s.errf(err, "enqueue %s", editionID)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return s.errf(err, "enqueue %s", editionID)
			}
			added += int(n)
		}
		if _, err := tx.ExecContext(ctx, s.q["update-edition-recipients"], editionID); err != nil {
			return s.errf(err, "enqueue %s", editionID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

func scanDelivery(r scanner) (store.Delivery, error) {
	var d store.Delivery
	var state string
	var updated, sent sql.NullInt64
	if err := r.Scan(&d.EditionID, &d.SubscriberID, &d.Email, &state, &d.Attempts,
		&d.LastError, &d.MessageID, &updated, &sent); err != nil {
		return d, err
	}
	d.State = store.DeliveryState(state)
	d.UpdatedAt, d.SentAt = fromNS(updated), fromNS(sent)
	return d, nil
}

func (s *Core) getDelivery(ctx context.Context, editionID string, subscriberID int64) (*store.Delivery, error) {
	return one(ctx, s, fmt.Sprintf("delivery %s/%d", editionID, subscriberID), scanDelivery, s.q["get-delivery"], editionID, subscriberID)
}

// ClaimDelivery implements store.Ledger. One UPDATE … RETURNING with the
// claimable states in its WHERE clause: the database lets exactly one of
// several concurrent claims match.
func (s *Core) ClaimDelivery(ctx context.Context, editionID string, subscriberID int64) (*store.Delivery, bool, error) {
	d, ok, _, err := s.claim(ctx, editionID, subscriberID, false)
	return d, ok, err
}

// ClaimDeliveryLoad implements store.ClaimLoader: the subscriber is read in
// the claim's own write, one turn on the connection instead of two.
func (s *Core) ClaimDeliveryLoad(ctx context.Context, editionID string, subscriberID int64) (*store.Delivery, bool, *store.Subscriber, error) {
	return s.claim(ctx, editionID, subscriberID, true)
}

func (s *Core) claim(ctx context.Context, editionID string, subscriberID int64, load bool) (*store.Delivery, bool, *store.Subscriber, error) {
	now := s.now()
	stale := nsNow(now.Add(-store.SendingLease))
	var d store.Delivery
	var sub *store.Subscriber
	claimed := false
	err := s.write(ctx, func(ctx context.Context, q execer) error {
		var err error
		sub = nil
		d, err = scanDelivery(q.QueryRowContext(ctx, s.q["claim-delivery"], nsNow(now), editionID, subscriberID, stale))
		if isNoRows(err) {
			claimed = false
			return nil
		}
		if claimed = err == nil; !claimed || !load {
			return err
		}
		got, err := scanSubscriber(q.QueryRowContext(ctx, s.q["recipient"], editionID, subscriberID))
		if isNoRows(err) {
			return nil
		}
		if err == nil {
			sub = &got
		}
		return err
	})
	if err != nil {
		return nil, false, nil, s.errf(err, "claim delivery %s/%d", editionID, subscriberID)
	}
	if claimed {
		return &d, true, sub, nil
	}
	cur, err := s.getDelivery(ctx, editionID, subscriberID)
	if err != nil {
		return nil, false, nil, err
	}
	return cur, false, nil, nil
}

// MarkDelivery implements store.Ledger.
func (s *Core) MarkDelivery(ctx context.Context, editionID string, subscriberID int64, state store.DeliveryState, errText string) error {
	return s.MarkDeliveryMessageID(ctx, editionID, subscriberID, state, errText, "")
}

// MarkDeliveryMessageID is MarkDelivery also recording the delivery's
// Message-ID (unless empty) in the same statement, as
// SetDeliveryMessageID would.
func (s *Core) MarkDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, state store.DeliveryState, errText, messageID string) error {
	if !state.Valid() {
		return fmt.Errorf("%s: mark delivery %s/%d: %w: state %q", s.d.Name, editionID, subscriberID, store.ErrInvalid, state)
	}
	var n int64
	err := s.write(ctx, func(ctx context.Context, q execer) error {
		res, err := q.ExecContext(ctx, s.q["mark-delivery"], string(state), errText, nsNow(s.now()), editionID, subscriberID, messageID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return s.errf(err, "mark delivery %s/%d", editionID, subscriberID)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.getDelivery(ctx, editionID, subscriberID); err != nil {
		return err
	}
	return fmt.Errorf("%s: mark delivery %s/%d %s: %w", s.d.Name, editionID, subscriberID, state, store.ErrDeliveryFinal)
}

// SetDeliveryMessageID implements store.Ledger. Where it is the commit mark
// itself (a store without store.MarkSender), the SMTP end of data follows
// it at once, and a kill between the two skips the reader, so nothing may
// be left to do once the UPDATE has committed. Hence no Exec:
// database/sql's RowsAffected takes the connection's lock, and by then the
// connection may be another statement's (on SQLite's one connection, often
// a River batch holding it for milliseconds). The row comes back through
// RETURNING; reading it closes the statement, which commits and releases
// the connection, and the success path formats nothing. On SQLite it is
// group-committed: there the commit mark is the journal's (see
// sqlite.Store.SendDeliveryMessageID) and this write comes after the reply.
func (s *Core) SetDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) error {
	found := false
	err := s.write(ctx, func(ctx context.Context, q execer) error {
		var id int64
		err := q.QueryRowContext(ctx, s.q["set-delivery-message-id"], messageID, editionID, subscriberID).Scan(&id)
		if found = err == nil; isNoRows(err) {
			return nil
		}
		return err
	})
	if err == nil && found {
		return nil
	}
	if err == nil {
		return fmt.Errorf("%s: delivery %s/%d: %w", s.d.Name, editionID, subscriberID, store.ErrNotFound)
	}
	return s.errf(err, "set message id %s/%d", editionID, subscriberID)
}

// DeliveryCounts implements store.Ledger.
func (s *Core) DeliveryCounts(ctx context.Context, editionID string) (map[store.DeliveryState]int, error) {
	out, err := collectMap[store.DeliveryState, int](ctx, s, s.db, "delivery counts "+editionID, s.q["delivery-counts"], editionID)
	if err != nil {
		return nil, err
	}
	for _, st := range store.DeliveryStates {
		if _, ok := out[st]; !ok {
			out[st] = 0
		}
	}
	return out, nil
}

// ListDeliveries implements store.Ledger.
func (s *Core) ListDeliveries(ctx context.Context, editionID string, state store.DeliveryState, n int) ([]store.Delivery, error) {
	return collect(ctx, s, s.db, "list deliveries "+editionID, scanDelivery, s.q["list-deliveries"], editionID, string(state), limit(n))
}

// GetSetting implements store.KV.
func (s *Core) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q["get-setting"], key).Scan(&v)
	if isNoRows(err) {
		return "", fmt.Errorf("%s: setting %q: %w", s.d.Name, key, store.ErrNotFound)
	}
	if err != nil {
		return "", s.errf(err, "setting %q", key)
	}
	return v, nil
}

// PutSettingIfAbsent implements store.KV.
func (s *Core) PutSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := s.db.ExecContext(ctx, s.q["put-setting-if-absent"], key, value, nsNow(s.now())); err != nil {
		return "", s.errf(err, "put setting %q", key)
	}
	return s.GetSetting(ctx, key)
}
