package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// subscriberArgs checks s, fills its defaults and stamps, and returns the
// column values in the order of insert-subscriber and update-subscriber:
// email, name, status, source, bounces, paused, created_at, confirmed_at,
// unsubscribed_at, updated_at.
func (s *Core) subscriberArgs(sub *store.Subscriber) ([]any, error) {
	email, err := store.NormalizeEmail(sub.Email)
	if err != nil {
		return nil, err
	}
	sub.Email = email
	if sub.Status == "" {
		sub.Status = store.StatusPending
	}
	if !sub.Status.Valid() {
		return nil, fmt.Errorf("%w: subscriber %s: unknown status %q", store.ErrInvalid, email, sub.Status)
	}
	switch sub.Source {
	case "":
		sub.Source = store.SourceAdmin
	case store.SourceForm, store.SourceImport, store.SourceAdmin:
	default:
		return nil, fmt.Errorf("%w: subscriber %s: unknown source %q", store.ErrInvalid, email, sub.Source)
	}
	if sub.Bounces < 0 {
		return nil, fmt.Errorf("%w: subscriber %s: negative bounce count", store.ErrInvalid, email)
	}
	now := s.now()
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = now
	}
	if sub.Status == store.StatusConfirmed && sub.ConfirmedAt.IsZero() {
		sub.ConfirmedAt = now
	}
	if sub.Status == store.StatusUnsubscribed && sub.UnsubscribedAt.IsZero() {
		sub.UnsubscribedAt = now
	}
	if len(sub.Categories) == 0 {
		sub.Categories = nil
	}
	var times [3]any
	for i, t := range []*time.Time{&sub.CreatedAt, &sub.ConfirmedAt, &sub.UnsubscribedAt} {
		if !t.IsZero() {
			*t = t.UTC()
		}
		if times[i], err = ns(*t); err != nil {
			return nil, fmt.Errorf("%w: subscriber %s: %v", store.ErrInvalid, email, err)
		}
	}
	return []any{email, sub.Name, string(sub.Status), sub.Source, sub.Bounces, sub.Paused,
		times[0], times[1], times[2], nsNow(now)}, nil
}

// categoriesJSON is the stored form of a category choice ("[]" = all).
func categoriesJSON(cats []string) string {
	if len(cats) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(cats)
	return string(b)
}

func scanSubscriber(r scanner) (store.Subscriber, error) {
	var sub store.Subscriber
	var status, cats string
	var created, confirmed, unsub sql.NullInt64
	err := r.Scan(&sub.ID, &sub.Email, &sub.Name, &status, &cats, &sub.Source, &sub.Bounces, &sub.Paused,
		&created, &confirmed, &unsub)
	if err != nil {
		return sub, err
	}
	sub.Status = store.Status(status)
	if err := decodeList(cats, &sub.Categories); err != nil {
		return sub, fmt.Errorf("subscriber %d: categories: %w", sub.ID, err)
	}
	sub.CreatedAt, sub.ConfirmedAt, sub.UnsubscribedAt = fromNS(created), fromNS(confirmed), fromNS(unsub)
	return sub, nil
}

// AddSubscriber implements store.Subscribers.
func (s *Core) AddSubscriber(ctx context.Context, sub *store.Subscriber) (bool, error) {
	orig := *sub // as the caller gave it, before defaults and stamps
	args, err := s.subscriberArgs(sub)
	if err != nil {
		return false, fmt.Errorf("%s: add subscriber: %w", s.d.Name, err)
	}
	orig.Email = sub.Email
	// The insert and the look-up of an existing row are two steps; a row
	// deleted in between sends us round again.
	for range 3 {
		var id int64
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, s.q["insert-subscriber"], args...).Scan(&id); err != nil {
				return err
			}
			return s.follow(ctx, tx, id, sub)
		})
		if err == nil {
			sub.ID = id
			sub.Follow = nil
			return true, nil
		}
		if !isNoRows(err) {
			return false, s.errf(err, "add subscriber %s", sub.Email)
		}
		found, err := s.addExisting(ctx, sub, orig)
		if found || err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("%s: add subscriber %s: the record kept changing under us", s.d.Name, sub.Email)
}

// addExisting applies AddSubscriber's rules to an address already stored;
// orig is the caller's record, sub receives the result.
func (s *Core) addExisting(ctx context.Context, sub *store.Subscriber, orig store.Subscriber) (found bool, err error) {
	var verdict error
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanSubscriber(tx.QueryRowContext(ctx, s.q["subscriber-by-email-for-update"], store.EmailKey(sub.Email)))
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return s.errf(err, "add subscriber %s", sub.Email)
		}
		found = true
		var next *store.Subscriber
		switch {
		case orig.Force:
			next = &orig
			next.ID, next.CreatedAt, next.Bounces = cur.ID, cur.CreatedAt, 0
			if next.Status != store.StatusUnsubscribed {
				next.UnsubscribedAt = time.Time{}
			}
			if next.Name == "" {
				next.Name = cur.Name
			}
			switch {
			case next.Status == store.StatusConfirmed && cur.Status != store.StatusConfirmed:
				next.ConfirmedAt = time.Time{} // a fresh confirmation
			case next.ConfirmedAt.IsZero():
				next.ConfirmedAt = cur.ConfirmedAt
			}
		case cur.Status == store.StatusUnsubscribed:
			verdict = store.ErrUnsubscribed
		case cur.Status == store.StatusBounced:
			verdict = store.ErrBounced
		case cur.Status == store.StatusPending && orig.Status == store.StatusConfirmed:
			next = &cur
			next.Status, next.ConfirmedAt = store.StatusConfirmed, time.Time{}
		}
		if next == nil {
			*sub = cur
			return nil
		}
		args, err := s.subscriberArgs(next)
		if err != nil {
			return fmt.Errorf("%s: add subscriber: %w", s.d.Name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q["update-subscriber"], append(args, next.ID)...); err != nil {
			return s.errf(err, "add subscriber %s", sub.Email)
		}
		if orig.Force {
			if err := s.follow(ctx, tx, next.ID, next); err != nil {
				return s.errf(err, "add subscriber %s", sub.Email)
			}
		}
		*sub = *next
		sub.Force, sub.Follow = false, nil
		return nil
	})
	if err == nil && verdict != nil {
		err = fmt.Errorf("%s: add subscriber %s: %w", s.d.Name, sub.Email, verdict)
	}
	return found, err
}

// GetSubscriber implements store.Subscribers.
func (s *Core) GetSubscriber(ctx context.Context, id int64) (*store.Subscriber, error) {
	return one(ctx, s, fmt.Sprintf("subscriber %d", id), scanSubscriber, s.q["get-subscriber"], id)
}

// SubscriberByEmail implements store.Subscribers.
func (s *Core) SubscriberByEmail(ctx context.Context, email string) (*store.Subscriber, error) {
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		return nil, fmt.Errorf("%s: subscriber: %w", s.d.Name, err)
	}
	return one(ctx, s, "subscriber "+norm, scanSubscriber, s.q["subscriber-by-email"], store.EmailKey(norm))
}

// UpdateSubscriber implements store.Subscribers.
func (s *Core) UpdateSubscriber(ctx context.Context, sub *store.Subscriber) error {
	args, err := s.subscriberArgs(sub)
	if err != nil {
		return fmt.Errorf("%s: update subscriber %d: %w", s.d.Name, sub.ID, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q["update-subscriber"], append(args, sub.ID)...)
		if err != nil && s.d.IsUnique(err) {
			return fmt.Errorf("%s: update subscriber %d: email %s: %w", s.d.Name, sub.ID, sub.Email, store.ErrConflict)
		}
		if err != nil {
			return s.errf(err, "update subscriber %d", sub.ID)
		}
		if err := s.affected(res, fmt.Sprintf("subscriber %d", sub.ID)); err != nil {
			return err
		}
		if err := s.updateFollows(ctx, tx, sub); err != nil {
			return s.errf(err, "update subscriber %d", sub.ID)
		}
		return nil
	})
}

// updateFollows keeps a subscriber's subscriptions in step with its
// record: one that left the list has left every newsletter; otherwise its
// categories are the default newsletter's, and one pending or confirmed
// while following none (coming back after leaving) follows what it chose
// when it signed up again (SetReturnChoice), else the default newsletter.
func (s *Core) updateFollows(ctx context.Context, tx *sql.Tx, sub *store.Subscriber) error {
	now := nsNow(s.now())
	if sub.Status == store.StatusUnsubscribed {
		_, err := tx.ExecContext(ctx, s.q["leave-all-by-id"], now, sub.ID)
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q["set-default-categories"], categoriesJSON(sub.Categories), now, sub.ID); err != nil {
		return err
	}
	if sub.Status != store.StatusPending && sub.Status != store.StatusConfirmed {
		return nil
	}
	choice, err := s.takeReturnChoice(ctx, tx, sub.ID)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q["count-following"], sub.ID).Scan(&n); err != nil || n > 0 {
		return err
	}
	return s.follow(ctx, tx, sub.ID, &store.Subscriber{Categories: sub.Categories, Follow: choice})
}

// returnChoice is one newsletter of a stored return choice.
type returnChoice struct {
	Newsletter string   `json:"newsletter"`
	Categories []string `json:"categories"`
}

// SetReturnChoice implements store.Newsletters.
func (s *Core) SetReturnChoice(ctx context.Context, subscriberID int64, follow []store.Subscription) error {
	choice := make([]returnChoice, len(follow))
	for i, f := range follow {
		choice[i] = returnChoice{Newsletter: f.Newsletter, Categories: f.Categories}
	}
	js, _ := json.Marshal(choice) // cannot fail: strings
	_, err := s.db.ExecContext(ctx, s.q["put-return-choice"], subscriberID, string(js), nsNow(s.now()))
	if err != nil && s.d.IsForeignKey(err) {
		return fmt.Errorf("%s: return choice of %d: subscriber: %w", s.d.Name, subscriberID, store.ErrNotFound)
	}
	if err != nil {
		return s.errf(err, "return choice of %d", subscriberID)
	}
	return nil
}

// ReturnChoice implements store.Newsletters.
func (s *Core) ReturnChoice(ctx context.Context, subscriberID int64) ([]store.Subscription, error) {
	follow, err := decodeReturnChoice(subscriberID, s.db.QueryRowContext(ctx, s.q["get-return-choice"], subscriberID))
	if err != nil {
		return nil, s.errf(err, "return choice of %d", subscriberID)
	}
	return follow, nil
}

// takeReturnChoice reads and forgets the return choice of a subscriber
// (nil when it has none).
func (s *Core) takeReturnChoice(ctx context.Context, tx *sql.Tx, id int64) ([]store.Subscription, error) {
	return decodeReturnChoice(id, tx.QueryRowContext(ctx, s.q["take-return-choice"], id))
}

// decodeReturnChoice reads subscriber id's return choice from its row
// (nil when there is none).
func decodeReturnChoice(id int64, row *sql.Row) ([]store.Subscription, error) {
	var js string
	err := row.Scan(&js)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var choice []returnChoice
	if err := json.Unmarshal([]byte(js), &choice); err != nil {
		return nil, fmt.Errorf("return choice of %d: %w", id, err)
	}
	follow := make([]store.Subscription, len(choice))
	for i, c := range choice {
		follow[i] = store.Subscription{Newsletter: c.Newsletter, Categories: c.Categories}
	}
	return follow, nil
}

// affected turns "no row changed" into ErrNotFound.
func (s *Core) affected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return s.errf(err, "%s", what)
	}
	if n == 0 {
		return fmt.Errorf("%s: %s: %w", s.d.Name, what, store.ErrNotFound)
	}
	return nil
}

// execOne runs query on q, a write that must change a row: no row changed
// is store.ErrNotFound. Errors name what was done.
func (s *Core) execOne(ctx context.Context, q execer, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return s.errf(err, "%s", what)
	}
	return s.affected(res, what)
}

// RemoveSubscriber implements store.Subscribers.
func (s *Core) RemoveSubscriber(ctx context.Context, email string) error {
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("%s: remove subscriber: %w", s.d.Name, err)
	}
	now, key := nsNow(s.now()), store.EmailKey(norm)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.execOne(ctx, tx, "remove subscriber "+norm, s.q["remove-subscriber"], now, key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q["leave-all-subscriptions"], now, key); err != nil {
			return s.errf(err, "remove subscriber %s", norm)
		}
		return nil
	})
}

// DeleteSubscriber implements store.Subscribers.
func (s *Core) DeleteSubscriber(ctx context.Context, email string) error {
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("%s: delete subscriber: %w", s.d.Name, err)
	}
	return s.execOne(ctx, s.db, "delete subscriber "+norm, s.q["delete-subscriber"], store.EmailKey(norm))
}

// ListSubscribers implements store.Subscribers.
func (s *Core) ListSubscribers(ctx context.Context, q store.SubscriberQuery) ([]store.Subscriber, error) {
	return collect(ctx, s, s.db, "list subscribers", scanSubscriber, s.q["list-subscribers"], string(q.Status), q.AfterID, limit(q.Limit))
}

// CountSubscribers implements store.Subscribers.
func (s *Core) CountSubscribers(ctx context.Context, status store.Status) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q["count-subscribers"], string(status)).Scan(&n); err != nil {
		return 0, s.errf(err, "count subscribers")
	}
	return n, nil
}

// RecordBounce implements store.Subscribers.
func (s *Core) RecordBounce(ctx context.Context, id int64, max int) (bool, error) {
	var status string
	err := s.db.QueryRowContext(ctx, s.q["record-bounce"], max, nsNow(s.now()), id).Scan(&status)
	if isNoRows(err) {
		return false, fmt.Errorf("%s: record bounce: subscriber %d: %w", s.d.Name, id, store.ErrNotFound)
	}
	if err != nil {
		return false, s.errf(err, "record bounce %d", id)
	}
	return store.Status(status) == store.StatusBounced, nil
}
