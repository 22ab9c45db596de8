package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// InsertNewSubscribers inserts, in one transaction, every subscriber of
// subs whose address is not on the list yet, setting its ID, normalised
// email, defaults and stamps as AddSubscriber does. created[i] reports
// whether subs[i] was inserted; errs[i] holds its validation error (wrapping
// store.ErrInvalid or store.ErrInvalidEmail), if any. Addresses already on
// the list are left untouched, for the caller to pass to AddSubscriber
// and its rules. It is the bulk path of CSV imports: one commit per batch
// instead of one per row.
func (s *Core) InsertNewSubscribers(ctx context.Context, subs []*store.Subscriber) (created []bool, errs []error, err error) {
	created = make([]bool, len(subs))
	errs = make([]error, len(subs))
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q["insert-subscriber"])
		if err != nil {
			return s.errf(err, "insert subscribers")
		}
		defer stmt.Close()
		known := map[string]bool{}
		for i, sub := range subs {
			created[i], errs[i] = false, nil
			args, err := s.subscriberArgs(sub)
			if err == nil {
				err = s.knownNewsletters(ctx, tx, sub.Follow, known)
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s: add subscriber: %w", s.d.Name, err)
				continue
			}
			var id int64
			err = stmt.QueryRowContext(ctx, args...).Scan(&id)
			if isNoRows(err) {
				continue
			}
			if err == nil {
				err = s.follow(ctx, tx, id, sub)
			}
			if err != nil {
				return s.errf(err, "add subscriber %s", sub.Email)
			}
			sub.ID, created[i], sub.Follow = id, true, nil
		}
		return nil
	})
	if err != nil {
		for _, sub := range subs {
			sub.ID = 0
		}
		return nil, nil, err
	}
	return created, errs, nil
}

// knownNewsletters checks that every newsletter of follow exists (known
// caches the answers), so that one row naming an unknown newsletter is
// rejected alone instead of failing its batch.
func (s *Core) knownNewsletters(ctx context.Context, tx *sql.Tx, follow []store.Subscription, known map[string]bool) error {
	for _, f := range follow {
		ok, seen := known[f.Newsletter]
		if !seen {
			var n int
			if err := tx.QueryRowContext(ctx, s.q["newsletter-exists"], f.Newsletter).Scan(&n); err != nil {
				return err
			}
			ok, known[f.Newsletter] = n > 0, n > 0
		}
		if !ok {
			return fmt.Errorf("newsletter %q: %w", f.Newsletter, store.ErrNotFound)
		}
	}
	return nil
}
