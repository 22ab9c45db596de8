package subscribe

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nashra/nashra/internal/store"
)

// BulkInserter is the bulk path of a store (the SQLite and PostgreSQL
// stores have it): insert the addresses not on the list yet in one
// transaction, leave the others.
type BulkInserter interface {
	InsertNewSubscribers(ctx context.Context, subs []*store.Subscriber) (created []bool, errs []error, err error)
}

// batchSize is the number of rows per transaction on the bulk path.
const batchSize = 1000

// batcher stores imported rows and counts what happened to each: in
// batches when the store is a BulkInserter, else row by row.
type batcher struct {
	ctx   context.Context
	st    Importer
	bulk  BulkInserter
	rep   *ImportReport
	subs  []*store.Subscriber
	lines []int
}

func newBatcher(ctx context.Context, st Importer, rep *ImportReport) *batcher {
	b := &batcher{ctx: ctx, st: st, rep: rep}
	b.bulk, _ = st.(BulkInserter)
	return b
}

func (b *batcher) add(sub *store.Subscriber, line int) error {
	if b.bulk == nil {
		return b.one(sub, line)
	}
	b.subs, b.lines = append(b.subs, sub), append(b.lines, line)
	if len(b.subs) >= batchSize {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.subs) == 0 {
		return nil
	}
	want := make([]store.Subscriber, len(b.subs))
	for i, s := range b.subs {
		want[i] = *s
	}
	created, errs, err := b.bulk.InsertNewSubscribers(b.ctx, b.subs)
	if err != nil {
		return fmt.Errorf("subscribe: import: lines %d-%d: %w", b.lines[0], b.lines[len(b.lines)-1], err)
	}
	for i := range b.subs {
		switch {
		case errs[i] != nil:
			b.rep.Rejected = append(b.rep.Rejected, Rejected{Line: b.lines[i], Email: want[i].Email, Reason: errs[i].Error()})
		case created[i]:
			b.rep.Added++
		default:
			if err := b.one(&want[i], b.lines[i]); err != nil {
				return err
			}
		}
	}
	b.subs, b.lines = b.subs[:0], b.lines[:0]
	return nil
}

// one applies a row through AddSubscriber's rules.
func (b *batcher) one(sub *store.Subscriber, line int) error {
	want := sub.Status
	email := sub.Email
	follow := sub.Follow
	created, err := b.st.AddSubscriber(b.ctx, sub)
	switch {
	case errors.Is(err, store.ErrUnsubscribed), errors.Is(err, store.ErrBounced):
		b.rep.Kept++
		return nil
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrInvalidEmail):
		b.rep.Rejected = append(b.rep.Rejected, Rejected{Line: line, Email: email, Reason: err.Error()})
		return nil
	case err != nil:
		return fmt.Errorf("subscribe: import: line %d: %w", line, err)
	case created:
		b.rep.Added++
		return nil
	}
	if (want == store.StatusUnsubscribed || want == store.StatusBounced) &&
		(sub.Status == store.StatusPending || sub.Status == store.StatusConfirmed) {
		sub.Status = want
		if err := b.st.UpdateSubscriber(b.ctx, sub); err != nil {
			return fmt.Errorf("subscribe: import: line %d: %w", line, err)
		}
		b.rep.Suppressed++
		return nil
	}
	b.rep.Existing++
	return b.join(sub, follow, line)
}

// follower is a store that keeps subscriptions (store.Newsletters).
type follower interface {
	Subscriptions(ctx context.Context, subscriberID int64) ([]store.Subscription, error)
	Subscribe(ctx context.Context, subscriberID int64, newsletter string, categories []string) error
}

// join makes an existing pending or confirmed subscriber follow the
// newsletters of its row that it never followed; one it left stays left.
func (b *batcher) join(sub *store.Subscriber, follow []store.Subscription, line int) error {
	f, ok := b.st.(follower)
	if !ok || len(follow) == 0 || (sub.Status != store.StatusPending && sub.Status != store.StatusConfirmed) {
		return nil
	}
	have, err := f.Subscriptions(b.ctx, sub.ID)
	if err != nil {
		return fmt.Errorf("subscribe: import: line %d: %w", line, err)
	}
	joined := false
	for _, want := range follow {
		if want.Newsletter == "" || slices.ContainsFunc(have, func(h store.Subscription) bool { return h.Newsletter == want.Newsletter }) {
			continue
		}
		if err := f.Subscribe(b.ctx, sub.ID, want.Newsletter, want.Categories); err != nil {
			return fmt.Errorf("subscribe: import: line %d: %w", line, err)
		}
		joined = true
	}
	if joined {
		b.rep.Joined++
	}
	return nil
}
