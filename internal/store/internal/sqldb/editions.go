package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func scanEdition(r scanner) (store.Edition, error) {
	var e store.Edition
	var state string
	var created, from, to, sendAt, started, updated sql.NullInt64
	if err := r.Scan(&e.ID, &e.Subject, &e.Body, &created, &e.Recipients, &state,
		&from, &to, &sendAt, &started, &updated, &e.Note, &e.BodySize, &e.Newsletter); err != nil {
		return e, err
	}
	if len(e.Body) == 0 {
		e.Body = nil
	}
	e.State = store.EditionState(state)
	e.CreatedAt, e.From, e.To = fromNS(created), fromNS(from), fromNS(to)
	e.SendAt, e.StartedAt, e.UpdatedAt = fromNS(sendAt), fromNS(started), fromNS(updated)
	return e, nil
}

// nsAll converts times to column values, naming the first out of range.
func nsAll(names []string, ts ...time.Time) ([]any, error) {
	out := make([]any, len(ts))
	for i, t := range ts {
		v, err := ns(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", names[i], err)
		}
		out[i] = v
	}
	return out, nil
}

// CreateEdition implements store.Ledger.
func (s *Core) CreateEdition(ctx context.Context, e *store.Edition) (bool, error) {
	if e.ID == "" || len(e.ID) > 64 {
		return false, fmt.Errorf("%s: create edition: %w: ID %q", s.d.Name, store.ErrInvalid, e.ID)
	}
	if e.State == "" {
		e.State = store.EditionScheduled
	}
	if !e.State.Valid() {
		return false, fmt.Errorf("%s: create edition %s: %w: state %q", s.d.Name, e.ID, store.ErrInvalid, e.State)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	t, err := nsAll([]string{"created", "window from", "window to", "send at"},
		e.CreatedAt.UTC(), e.From, e.To, e.SendAt)
	if err != nil {
		return false, fmt.Errorf("%s: create edition %s: %w: %v", s.d.Name, e.ID, store.ErrInvalid, err)
	}
	body := e.Body
	if body == nil {
		body = []byte{}
	}
	res, err := s.db.ExecContext(ctx, s.q["insert-edition"], e.ID, e.Subject, body, t[0], string(e.State), t[1], t[2], t[3], e.Note, e.Newsletter)
	if err != nil {
		return false, s.errf(err, "create edition %s", e.ID)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, s.errf(err, "create edition %s", e.ID)
	} else if n == 1 {
		stored, err := s.GetEdition(ctx, e.ID)
		if err != nil {
			return false, err
		}
		*e = *stored
		return true, nil
	}
	if len(body) > 0 {
		if _, err := s.db.ExecContext(ctx, s.q["fill-edition"], e.ID, e.Subject, body, t[1], t[2], t[3]); err != nil {
			return false, s.errf(err, "create edition %s", e.ID)
		}
	}
	stored, err := s.GetEdition(ctx, e.ID)
	if err != nil {
		return false, err
	}
	*e = *stored
	return false, nil
}

// GetEdition implements store.Ledger.
func (s *Core) GetEdition(ctx context.Context, id string) (*store.Edition, error) {
	return one(ctx, s, "edition "+id, scanEdition, s.q["get-edition"], id)
}

// ListEditions implements store.Ledger.
func (s *Core) ListEditions(ctx context.Context, n int) ([]store.Edition, error) {
	return collect(ctx, s, s.db, "list editions", scanEdition, s.q["list-editions"], limit(n))
}

// SetEditionState implements store.Ledger.
func (s *Core) SetEditionState(ctx context.Context, id string, to store.EditionState, note string, from ...store.EditionState) (*store.Edition, error) {
	if !to.Valid() {
		return nil, fmt.Errorf("%s: edition %s: %w: state %q", s.d.Name, id, store.ErrInvalid, to)
	}
	js, _ := json.Marshal(from)
	e, err := scanEdition(s.db.QueryRowContext(ctx, s.q["set-edition-state"], id, string(to), nsNow(s.now()), note, string(js)))
	if err == nil {
		return &e, nil
	}
	if !isNoRows(err) {
		return nil, s.errf(err, "edition %s to %s", id, to)
	}
	cur, err := s.GetEdition(ctx, id)
	if err != nil {
		return nil, err
	}
	return cur, fmt.Errorf("%s: edition %s is %s, cannot become %s: %w", s.d.Name, id, cur.State, to, store.ErrEditionState)
}

// CancelDeliveries implements store.Ledger.
func (s *Core) CancelDeliveries(ctx context.Context, editionID string) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, q execer) error {
		res, err := q.ExecContext(ctx, s.q["cancel-deliveries"], editionID, nsNow(s.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, s.errf(err, "cancel deliveries %s", editionID)
	}
	return int(n), nil
}

// RecordResend implements store.Ledger.
func (s *Core) RecordResend(ctx context.Context, editionID string, sub *store.Subscriber, messageID, note string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q["record-resend"], editionID, sub.ID, sub.Email, note, messageID, nsNow(s.now()))
		if err != nil {
			if s.d.IsForeignKey(err) {
				return fmt.Errorf("%s: resend %s/%d: %w", s.d.Name, editionID, sub.ID, store.ErrNotFound)
			}
			return s.errf(err, "resend %s/%d", editionID, sub.ID)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.errf(err, "resend %s/%d", editionID, sub.ID)
		} else if n == 0 {
			return fmt.Errorf("%s: resend %s/%d: %w: the delivery is still on its way", s.d.Name, editionID, sub.ID, store.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, s.q["update-edition-recipients"], editionID); err != nil {
			return s.errf(err, "resend %s/%d", editionID, sub.ID)
		}
		return nil
	})
	return err
}

// PageDeliveries implements store.Ledger.
func (s *Core) PageDeliveries(ctx context.Context, q store.DeliveryQuery) ([]store.Delivery, error) {
	return collect(ctx, s, s.db, "list deliveries "+q.EditionID, scanDelivery, s.q["page-deliveries"],
		q.EditionID, string(q.State), q.Email, q.AfterSubscriber, limit(q.Limit))
}
