package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// follow records the subscriptions of a subscriber just inserted (or
// forced back): sub.Follow, or the default newsletter with sub.Categories;
// an unsubscribed subscriber has left them (its choice kept for the day
// it comes back).
func (s *Core) follow(ctx context.Context, tx *sql.Tx, id int64, sub *store.Subscriber) error {
	subs := sub.Follow
	if len(subs) == 0 {
		subs = []store.Subscription{{Categories: sub.Categories}}
	}
	now := nsNow(s.now())
	for _, f := range subs {
		var slug string
		err := tx.QueryRowContext(ctx, s.q["put-subscription"], id, f.Newsletter, categoriesJSON(f.Categories), now).Scan(&slug)
		if isNoRows(err) {
			return fmt.Errorf("newsletter %q: %w", f.Newsletter, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
	}
	if sub.Status == store.StatusUnsubscribed {
		_, err := tx.ExecContext(ctx, s.q["leave-all-by-id"], now, id)
		return err
	}
	return nil
}

// SyncNewsletters implements store.Newsletters.
func (s *Core) SyncNewsletters(ctx context.Context, slugs []string) error {
	if len(slugs) == 0 {
		return fmt.Errorf("%s: sync newsletters: %w: none given", s.d.Name, store.ErrInvalid)
	}
	for _, slug := range slugs {
		if !store.ValidSlug(slug) {
			return fmt.Errorf("%s: sync newsletters: %w: slug %q", s.d.Name, store.ErrInvalid, slug)
		}
	}
	if synced, err := s.newslettersSynced(ctx, slugs); err != nil || synced {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var def string
		if err := tx.QueryRowContext(ctx, s.q["default-newsletter"]).Scan(&def); err != nil {
			return s.errf(err, "sync newsletters")
		}
		switch def {
		case slugs[0]:
		case "":
			if _, err := tx.ExecContext(ctx, s.q["name-default-newsletter"], slugs[0]); err != nil {
				if s.d.IsUnique(err) {
					return fmt.Errorf("%s: sync newsletters: %w: %q is already a newsletter other than the default one", s.d.Name, store.ErrConflict, slugs[0])
				}
				return s.errf(err, "sync newsletters")
			}
			if _, err := tx.ExecContext(ctx, s.q["name-default-editions"], slugs[0]); err != nil {
				return s.errf(err, "sync newsletters")
			}
		default:
			return fmt.Errorf("%s: sync newsletters: %w: the default newsletter is %q, not %q: it holds the editions at /digest/{date}; list it first", s.d.Name, store.ErrConflict, def, slugs[0])
		}
		now := nsNow(s.now())
		for _, slug := range slugs[1:] {
			if _, err := tx.ExecContext(ctx, s.q["insert-newsletter"], slug, now); err != nil {
				return s.errf(err, "sync newsletters: %s", slug)
			}
		}
		return nil
	})
}

// newslettersSynced tells whether slugs are all recorded already, slugs[0]
// as the default newsletter: then SyncNewsletters has nothing to write and
// opens no write transaction (on SQLite one would wait for the file's
// write lock, held by a sending worker, on every command).
func (s *Core) newslettersSynced(ctx context.Context, slugs []string) (bool, error) {
	var def string
	if err := s.db.QueryRowContext(ctx, s.q["default-newsletter"]).Scan(&def); err != nil {
		return false, s.errf(err, "sync newsletters")
	}
	if def != slugs[0] {
		return false, nil
	}
	for _, slug := range slugs[1:] {
		var n int
		if err := s.db.QueryRowContext(ctx, s.q["newsletter-exists"], slug).Scan(&n); err != nil {
			return false, s.errf(err, "sync newsletters: %s", slug)
		}
		if n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// DefaultNewsletter implements store.Newsletters.
func (s *Core) DefaultNewsletter(ctx context.Context) (string, error) {
	var def string
	if err := s.db.QueryRowContext(ctx, s.q["default-newsletter"]).Scan(&def); err != nil {
		return "", s.errf(err, "default newsletter")
	}
	return def, nil
}

// Subscribe implements store.Newsletters.
func (s *Core) Subscribe(ctx context.Context, subscriberID int64, newsletter string, categories []string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.follow(ctx, tx, subscriberID, &store.Subscriber{
			Follow: []store.Subscription{{Newsletter: newsletter, Categories: categories}}})
	})
	if err != nil && s.d.IsForeignKey(err) {
		return fmt.Errorf("%s: subscribe %d to %q: subscriber: %w", s.d.Name, subscriberID, newsletter, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: subscribe %d to %q: %w", s.d.Name, subscriberID, newsletter, err)
	}
	return nil
}

// Unsubscribe implements store.Newsletters.
func (s *Core) Unsubscribe(ctx context.Context, subscriberID int64, newsletter string) (int, error) {
	var remaining int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := nsNow(s.now())
		res, err := tx.ExecContext(ctx, s.q["leave-subscription"], subscriberID, newsletter, now)
		if err != nil {
			return err
		}
		if err := s.affected(res, fmt.Sprintf("subscription %d/%q", subscriberID, newsletter)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q["count-following"], subscriberID).Scan(&remaining); err != nil {
			return err
		}
		if remaining == 0 {
			_, err = tx.ExecContext(ctx, s.q["unsubscribe-subscriber"], now, subscriberID)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: unsubscribe %d from %q: %w", s.d.Name, subscriberID, newsletter, err)
	}
	return remaining, nil
}

func scanSubscription(r scanner) (store.Subscription, error) {
	var sn store.Subscription
	var status, cats string
	var created, updated sql.NullInt64
	if err := r.Scan(&sn.SubscriberID, &sn.Newsletter, &status, &cats, &created, &updated); err != nil {
		return sn, err
	}
	sn.Status = store.SubscriptionStatus(status)
	if err := decodeList(cats, &sn.Categories); err != nil {
		return sn, fmt.Errorf("subscription %d/%s: categories: %w", sn.SubscriberID, sn.Newsletter, err)
	}
	sn.CreatedAt, sn.UpdatedAt = fromNS(created), fromNS(updated)
	return sn, nil
}

// Subscriptions implements store.Newsletters.
func (s *Core) Subscriptions(ctx context.Context, subscriberID int64) ([]store.Subscription, error) {
	m, err := s.SubscriptionsOf(ctx, []int64{subscriberID})
	return m[subscriberID], err
}

// SubscriptionsOf implements store.Newsletters.
func (s *Core) SubscriptionsOf(ctx context.Context, ids []int64) (map[int64][]store.Subscription, error) {
	js, _ := json.Marshal(ids)
	if ids == nil {
		js = []byte("[]")
	}
	list, err := collect(ctx, s, s.db, "subscriptions", scanSubscription, s.q["subscriptions-of"], string(js))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]store.Subscription, len(ids))
	for _, sn := range list {
		out[sn.SubscriberID] = append(out[sn.SubscriberID], sn)
	}
	return out, nil
}

// ListRecipients implements store.Newsletters.
func (s *Core) ListRecipients(ctx context.Context, q store.RecipientQuery) ([]store.Subscriber, error) {
	return collect(ctx, s, s.db, "list recipients", scanSubscriber, s.q["list-recipients"], q.Newsletter, q.AfterID, limit(q.Limit))
}

// Recipient implements store.Newsletters.
func (s *Core) Recipient(ctx context.Context, editionID string, subscriberID int64) (*store.Subscriber, error) {
	return one(ctx, s, fmt.Sprintf("recipient %s/%d", editionID, subscriberID), scanSubscriber, s.q["recipient"], editionID, subscriberID)
}

// CountFollowers implements store.Newsletters.
func (s *Core) CountFollowers(ctx context.Context) (map[string]int, error) {
	return collectMap[string, int](ctx, s, s.db, "count followers", s.q["count-followers"])
}

// NewsletterEditions implements store.Newsletters.
func (s *Core) NewsletterEditions(ctx context.Context, newsletter string, n int) ([]store.Edition, error) {
	return collect(ctx, s, s.db, "newsletter editions", scanEdition, s.q["newsletter-editions"], newsletter, limit(n))
}
