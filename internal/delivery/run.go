package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// ErrInterrupted is returned (wrapped with the context's error) by
// SendEdition when its context ends before the edition is delivered; the
// deliveries left are sent by the next run or by any running worker.
var ErrInterrupted = errors.New("delivery: interrupted")

// RunOptions configure SendEdition.
type RunOptions struct {
	// Wait is how far ahead a scheduled retry keeps the run going: with
	// only retries due later than that left, SendEdition returns.
	Wait time.Duration
	// Progress, when set, is told after every count of the ledger how
	// many of the edition's recipients are finished (sent, failed or
	// skipped).
	Progress func(finished, recipients int)
}

// Run reports what SendEdition did.
type Run struct {
	Edition *store.Edition
	// Counts are the edition's deliveries by state at the end.
	Counts map[store.DeliveryState]int
	// FinishedBefore counts the deliveries already final when the run
	// started, so a caller can tell this run's share.
	FinishedBefore int
	// Waiting counts the deliveries left for a retry due later than
	// RunOptions.Wait, the earliest at NextRetry (zero when unknown).
	Waiting   int
	NextRetry time.Time
	Elapsed   time.Duration
}

// Finished counts the deliveries in a final state: sent, failed, skipped
// (not to be sent: no story in the subscriber's categories, or paused or
// unsubscribed by send time) or cancelled with their edition.
func Finished(counts map[store.DeliveryState]int) int {
	return counts[store.DeliverySent] + counts[store.DeliveryFailed] + counts[store.DeliverySkipped] +
		counts[store.DeliveryCancelled]
}

// SendEdition sends the edition of day from this process: it inserts the
// day's edition job (a no-op when it exists), starts the workers, waits
// until every delivery is finished or only retries due later than o.Wait
// are left, and stops the workers. Other processes may work the same jobs
// meanwhile; the ledger decides when the edition is done. It returns
// ErrNoEdition when the day has no new articles. The queue must not have
// been started.
func (q *Queue) SendEdition(ctx context.Context, day string, o RunOptions) (*Run, error) {
	started := time.Now()
	// Counted ahead of the workers, which send while the edition is still
	// being enqueued.
	before, err := q.svc.st.DeliveryCounts(ctx, day)
	if err != nil {
		return nil, err
	}
	jobID, _, err := q.InsertEdition(ctx, day)
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := q.Stop(sctx); err != nil {
			q.opts.Log.Error("stopping workers", "err", err)
		}
	}()
	ed, err := q.waitEdition(ctx, day, jobID)
	if errors.Is(err, ErrNoEdition) {
		// The day's job found no article (perhaps before an import): look
		// again now, in this process.
		var p *Prepared
		if p, err = q.svc.Prepare(ctx, q, day); err == nil {
			ed = p.Edition
		}
	}
	if err != nil {
		return nil, err
	}
	if ed.State == store.EditionScheduled || ed.State == store.EditionApproved {
		// Its job ran before (held then, approved since): start it here.
		p, err := q.svc.Prepare(ctx, q, day)
		if err != nil {
			return nil, err
		}
		ed = p.Edition
	}
	r := &Run{Edition: ed, FinishedBefore: Finished(before)}
	switch ed.State {
	case store.EditionHeld:
		return r, fmt.Errorf("%w: %s", ErrHeld, day)
	case store.EditionCancelled:
		return r, fmt.Errorf("%w: %s", ErrCancelled, day)
	case store.EditionPaused:
		return r, fmt.Errorf("%w: %s", ErrPaused, day)
	}
	err = q.waitDelivered(ctx, r, o)
	r.Elapsed = time.Since(started)
	if err == nil && r.Waiting == 0 {
		if se, err := q.svc.st.SetEditionState(ctx, day, store.EditionSent, "", store.EditionSending); err == nil {
			r.Edition = se
		}
	}
	return r, err
}

// waitDelivered counts the ledger of r.Edition until every delivery is
// finished or only retries due later than o.Wait are left, filling r.
func (q *Queue) waitDelivered(ctx context.Context, r *Run, o RunOptions) error {
	for {
		endedAtCount := q.ended.Load()
		counts, err := q.svc.st.DeliveryCounts(ctx, r.Edition.ID)
		if err != nil {
			return err
		}
		r.Counts = counts
		if o.Progress != nil {
			o.Progress(Finished(counts), r.Edition.Recipients)
		}
		inFlight := counts[store.DeliveryQueued] + counts[store.DeliverySending]
		open := inFlight + counts[store.DeliveryRetrying]
		if open == 0 {
			return nil
		}
		// An editor may pause or cancel the edition meanwhile.
		switch st, err := q.svc.editionState(ctx, r.Edition.ID); {
		case err != nil:
			return err
		case st == store.EditionPaused && counts[store.DeliverySending] == 0:
			return fmt.Errorf("%w: %s", ErrPaused, r.Edition.ID)
		case st == store.EditionCancelled && counts[store.DeliverySending] == 0:
			return fmt.Errorf("%w: %s", ErrCancelled, r.Edition.ID)
		}
		if inFlight == 0 {
			pending, nextRetry, err := q.Pending(ctx)
			if err != nil {
				return err
			}
			if !pending && (nextRetry.IsZero() || time.Until(nextRetry) > o.Wait) {
				r.Waiting, r.NextRetry = counts[store.DeliveryRetrying], nextRetry
				return nil
			}
		}
		if !waitCount(ctx, open, inFlight, func() int64 { return q.ended.Load() - endedAtCount }, q.settled) {
			return fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
		}
	}
}

// waitCount waits until the ledger is worth counting again, given the open
// deliveries at the last count and those of them queued or sending: after
// half a second; after 50 ms once at most 500 are open and some are on
// their way (other processes may be finishing them, and this one cannot
// see theirs end); at once when this process has ended (endedSince) as
// many as were open. A count reads every delivery of the edition, so it is
// not made on every delivery, nor often while only retries wait. It
// reports false when ctx ends.
func waitCount(ctx context.Context, open, inFlight int, endedSince func() int64, settled <-chan struct{}) bool {
	next := 500 * time.Millisecond
	if open <= 500 && inFlight > 0 {
		next = 50 * time.Millisecond
	}
	timer := time.NewTimer(next)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-settled:
			if endedSince() >= int64(open) {
				return true
			}
		}
	}
}

// waitEdition waits until the edition job of day has run: the edition is
// recorded and its deliveries enqueued, or there is none (ErrNoEdition).
func (q *Queue) waitEdition(ctx context.Context, day string, jobID int64) (*store.Edition, error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		done, jobErr, err := q.JobDone(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if done {
			ed, err := q.svc.st.GetEdition(ctx, day)
			if errors.Is(err, store.ErrNotFound) {
				if jobErr != "" {
					return nil, fmt.Errorf("delivery: edition job failed: %s", jobErr)
				}
				return nil, ErrNoEdition
			}
			return ed, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// sendEnded tells a waiting SendEdition that an attempt ended a delivery
// (any outcome but Retry), so that it counts the ledger at once instead
// of at its next tick: the run ends when its last message is recorded.
func (q *Queue) sendEnded(o Outcome) {
	if o == Retry {
		return
	}
	q.ended.Add(1)
	select {
	case q.settled <- struct{}{}:
	default:
	}
}
