package delivery

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
)

// Outcome is what one delivery attempt did.
type Outcome int

// Outcomes of Deliver.
const (
	// Skipped: nothing to do (already sent, failed or skipped), or not to
	// be sent (erased, unsubscribed, paused, or no story in the
	// subscriber's categories): the delivery is recorded as skipped.
	Skipped Outcome = iota
	Sent
	// AssumedSent: a dead attempt had passed the commit mark (see
	// docs/delivery.md); recorded as sent without sending again.
	AssumedSent
	// Failed: a permanent failure (5xx) or the last allowed attempt.
	Failed
	// Retry: a temporary failure; the error returned asks for a retry.
	Retry
	// Paused: the edition is paused (ErrPaused): nothing was attempted;
	// the job comes back later.
	Paused
)

func (o Outcome) String() string {
	return [...]string{"skipped", "sent", "assumed-sent", "failed", "retry", "paused"}[o]
}

// Assumed-sent notes recorded in last_error.
const (
	noteInterrupted = "assumed sent: the attempt that sent it was interrupted after the end of data"
	noteNoReply     = "assumed sent: no reply after the end of data"
)

// ledgerTimeout bounds ledger writes made after a send, which run even when
// the job's context has ended (shutdown), so the ledger records what the
// server was told.
const ledgerTimeout = 30 * time.Second

// Deliver makes one attempt at sending edition to subscriber sub. It must
// only run inside the single job that owns (edition, sub): a delivery found
// in "sending" is then known to be left by a dead attempt. A non-nil error
// means "try again later" (the delivery is marked retrying, or the ledger
// could not be reached).
//
// Nothing starts while the edition is paused (Paused, ErrPaused) or once
// it is cancelled (the delivery is settled without sending; see
// cancelOne); an attempt already past this point finishes.
//
// It is long because it is the exactly-once protocol of docs/delivery.md
// step by step (claim, take over, render, mark and send, record what the
// server said); in one function, what runs between the commit mark and
// the end of data stays in view.
func (s *Service) Deliver(ctx context.Context, edition string, sub int64) (Outcome, error) {
	switch err := s.admit(ctx, edition); {
	case errors.Is(err, ErrPaused):
		return Paused, err
	case errors.Is(err, ErrCancelled):
		return s.cancelOne(ctx, edition, sub)
	case err != nil:
		return Retry, fmt.Errorf("delivery: %s/%d: edition state: %w", edition, sub, err)
	}
	d, ok, subscriber, loaded, err := s.claim(ctx, edition, sub)
	if errors.Is(err, store.ErrNotFound) {
		return Skipped, nil
	}
	if err != nil {
		return Retry, fmt.Errorf("delivery: claim %s/%d: %w", edition, sub, err)
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerTimeout)
	defer cancel()
	committer, isCommitter := s.committer()
	if isCommitter && d.MessageID == "" && (!ok && d.State == store.DeliverySending || ok && d.Attempts > 1) {
		// Taking over from an earlier attempt: its commit mark may still
		// be in a dead process's journal (store.MarkRecoverer).
		if d, err = s.recoverMark(ctx, d); err != nil {
			return Retry, fmt.Errorf("delivery: claim %s/%d: %w", edition, sub, err)
		}
	}
	if !ok {
		switch d.State {
		case store.DeliverySent, store.DeliveryFailed, store.DeliverySkipped, store.DeliveryCancelled:
			return Skipped, nil
		case store.DeliverySending:
			// Left by a dead attempt of this same job.
			if isCommitter && d.MessageID != "" {
				return AssumedSent, s.mark(lctx, d, store.DeliverySent, noteInterrupted)
			}
			if err := s.st.MarkDelivery(lctx, edition, sub, store.DeliveryRetrying, "previous attempt interrupted before the end of data"); err != nil {
				return Retry, fmt.Errorf("delivery: take over %s/%d: %w", edition, sub, err)
			}
			d, ok, subscriber, loaded, err = s.claim(ctx, edition, sub)
			if err != nil {
				return Retry, fmt.Errorf("delivery: claim %s/%d: %w", edition, sub, err)
			}
			if !ok {
				return Retry, fmt.Errorf("delivery: claim %s/%d: still %s", edition, sub, d.State)
			}
		default:
			return Retry, fmt.Errorf("delivery: claim %s/%d: lost to a concurrent claim (%s)", edition, sub, d.State)
		}
	} else if isCommitter && d.MessageID != "" {
		// A stale "sending" row handed out after the lease, past its mark.
		return AssumedSent, s.mark(lctx, d, store.DeliverySent, noteInterrupted)
	}

	if !loaded {
		subscriber, err = s.st.Recipient(ctx, edition, sub)
		yieldDB()
	} else if subscriber == nil {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return Skipped, s.mark(lctx, d, store.DeliverySkipped, "not sent: subscriber erased")
	}
	if err != nil {
		return s.retry(lctx, d, err)
	}
	if subscriber.Status != store.StatusConfirmed || subscriber.Paused {
		why := "not sent: subscriber " + string(subscriber.Status)
		if subscriber.Paused {
			why = "not sent: subscriber paused"
		}
		return Skipped, s.mark(lctx, d, store.DeliverySkipped, why)
	}
	e, err := s.edition(ctx, edition)
	if err != nil {
		return s.retry(lctx, d, err)
	}
	release, err := s.holdRendered(ctx)
	if err != nil {
		return s.retry(lctx, d, err)
	}
	defer release()
	msg, mid, has, err := s.Render(e, subscriber)
	if err != nil {
		return s.retry(lctx, d, err)
	}
	if !has {
		return Skipped, s.mark(lctx, d, store.DeliverySkipped, "not sent: no story in the chosen categories")
	}

	env := mailer.Envelope{From: s.o.FromAddr, To: []string{subscriber.Email}}
	marked := false
	var markErr error // the pipelined mark's outcome, known after the send
	if isCommitter {
		var wait func() error
		// The pipelined mark's context and outcome are set up before the
		// send: nothing is allocated between the mark going out and the
		// end of data (see below).
		mctx, mcancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerTimeout)
		defer mcancel()
		err = committer.SendCommit(ctx, env, msg, func() error {
			// The mark must be durable before the end of data; a kill
			// between the two skips the reader (docs/delivery.md).
			// Where the store can, the mark goes on the wire (or into
			// the journal) and the end of data follows at once, without
			// waiting for the database's reply.
			if ms, ok := s.st.(store.MarkSender); ok {
				w, err := ms.SendDeliveryMessageID(mctx, edition, sub, mid)
				if err != nil {
					return err
				}
				wait, marked = w, true
				return nil
			}
			if err := s.st.SetDeliveryMessageID(ctx, edition, sub, mid); err != nil {
				return err
			}
			marked = true
			return nil
		})
		if wait != nil {
			if markErr = wait(); markErr != nil {
				s.o.Log.Warn("commit mark not recorded", "edition", edition, "subscriber", sub, "err", markErr)
			}
		}
	} else {
		err = s.tr.Send(ctx, env, msg)
	}
	// The transports are done with the message once they return.
	s.comp.Recycle(msg)
	release()
	// What the server was told is recorded with a fresh ledger timeout,
	// however long the SMTP exchange took.
	lctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), ledgerTimeout)
	defer cancel()

	// recordSent records the delivery as sent. After a commit mark (which
	// may not have landed, or which the store records with this very
	// write, see store.MarkSender) a retry would send again: keep trying
	// until the ledger timeout (the database may be restarting).
	recordSent := func(note string) error {
		write := func() error {
			defer yieldDB()
			return s.st.MarkDelivery(lctx, edition, sub, store.DeliverySent, note)
		}
		if marked {
			return retryLedger(lctx, write)
		}
		return write()
	}
	switch {
	case err == nil:
		if !isCommitter {
			if err := s.st.SetDeliveryMessageID(lctx, edition, sub, mid); err != nil {
				return Retry, fmt.Errorf("delivery: %s/%d sent but not recorded: %w", edition, sub, err)
			}
		}
		if err := recordSent(""); err != nil {
			// Left in "sending" with its mark: the retry records it as
			// sent without sending again.
			return Retry, fmt.Errorf("delivery: %s/%d sent but not recorded: %w", edition, sub, err)
		}
		return Sent, nil
	case marked && !replied(err):
		// The end of data went out and no reply came back.
		s.o.Log.Warn("no reply after end of data; recorded as sent", "edition", edition, "subscriber", sub, "err", err)
		if err := recordSent(noteNoReply + ": " + err.Error()); err != nil {
			return Retry, fmt.Errorf("delivery: mark %s/%d sent: %w", edition, sub, err)
		}
		return AssumedSent, nil
	case mailer.IsPermanent(err):
		if err := s.mark(lctx, d, store.DeliveryFailed, err.Error()); err != nil {
			return Retry, err
		}
		if _, berr := s.st.RecordBounce(lctx, sub, s.o.MaxBounces); berr != nil {
			s.o.Log.Error("recording bounce", "subscriber", sub, "err", berr)
		}
		return Failed, nil
	default:
		if marked {
			if err := s.st.SetDeliveryMessageID(lctx, edition, sub, ""); err != nil {
				// Keep the row in "sending": the retry takes it as
				// assumed sent rather than risk a repeat.
				return Retry, fmt.Errorf("delivery: clear mark %s/%d: %w", edition, sub, err)
			}
		}
		return s.retry(lctx, d, err)
	}
}

// holdRendered waits until one more message may be rendered
// (Options.MaxRendered) and returns what gives the turn back; calling it
// again does nothing. The wait holds no database connection.
func (s *Service) holdRendered(ctx context.Context) (release func(), err error) {
	if s.rendered == nil {
		return func() {}, nil
	}
	select {
	case s.rendered <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("delivery: waiting to render: %w", ctx.Err())
	}
	held := true
	return func() {
		if held {
			held = false
			<-s.rendered
		}
	}, nil
}

// claim claims the delivery and, where the store can (store.ClaimLoader),
// reads the subscriber in the same turn on the database; loaded reports
// whether it did (subscriber is then nil when erased).
func (s *Service) claim(ctx context.Context, edition string, sub int64) (d *store.Delivery, ok bool, subscriber *store.Subscriber, loaded bool, err error) {
	defer yieldDB()
	if cl, can := s.st.(store.ClaimLoader); can {
		d, ok, subscriber, err = cl.ClaimDeliveryLoad(ctx, edition, sub)
		return d, ok, subscriber, ok, err
	}
	d, ok, err = s.st.ClaimDelivery(ctx, edition, sub)
	return d, ok, nil, false, err
}

// recoverMark moves the commit marks of dead processes into the ledger
// when the store keeps them elsewhere, and returns d as the ledger has it
// now.
func (s *Service) recoverMark(ctx context.Context, d *store.Delivery) (*store.Delivery, error) {
	mr, ok := s.st.(store.MarkRecoverer)
	if !ok {
		return d, nil
	}
	n, err := mr.RecoverMarks(ctx)
	if err != nil || n == 0 {
		return d, err
	}
	// The delivery is "sending" and not stale: this claim reads it back
	// without taking it.
	cur, claimed, err := s.st.ClaimDelivery(ctx, d.EditionID, d.SubscriberID)
	if err != nil {
		return d, err
	}
	if claimed {
		return cur, fmt.Errorf("delivery: %s/%d claimed twice while recovering marks", d.EditionID, d.SubscriberID)
	}
	d.MessageID = cur.MessageID
	return d, nil
}

// yieldDB lets the goroutine that was handed the database connection we
// just released run now. database/sql wakes it on this goroutine's P,
// where it would otherwise wait until this one blocks — after rendering or
// an SMTP write, with SQLite's single connection idle all that time. It is
// not called between the commit mark and the end of data.
func yieldDB() { runtime.Gosched() }

// committer returns the transport as a mailer.Committer when the commit
// mark protocol applies. The file outbox is left out: writing the same
// Message-ID twice is a no-op there, so an unsure delivery is simply
// written again, which is exact.
func (s *Service) committer() (mailer.Committer, bool) {
	if _, idempotent := s.tr.(*mailer.FileTransport); idempotent {
		return nil, false
	}
	c, ok := s.tr.(mailer.Committer)
	return c, ok
}

// retry records a temporary failure: retrying, or failed once the attempts
// are used up.
func (s *Service) retry(ctx context.Context, d *store.Delivery, cause error) (Outcome, error) {
	if d.Attempts >= s.o.MaxAttempts {
		msg := fmt.Sprintf("gave up after %d attempts: %v", d.Attempts, cause)
		if err := s.mark(ctx, d, store.DeliveryFailed, msg); err != nil {
			return Retry, err
		}
		return Failed, nil
	}
	if err := s.mark(ctx, d, store.DeliveryRetrying, cause.Error()); err != nil {
		return Retry, err
	}
	return Retry, fmt.Errorf("delivery: %s/%d: attempt %d: %w", d.EditionID, d.SubscriberID, d.Attempts, cause)
}

func (s *Service) mark(ctx context.Context, d *store.Delivery, state store.DeliveryState, note string) error {
	if err := s.st.MarkDelivery(ctx, d.EditionID, d.SubscriberID, state, note); err != nil {
		return fmt.Errorf("delivery: mark %s/%d %s: %w", d.EditionID, d.SubscriberID, state, err)
	}
	return nil
}

// retryLedger calls write until it succeeds or ctx ends, waiting 100 ms,
// then twice as long each time up to 2 s: the database may be restarting.
// A delivery that is final already, or gone (its subscriber erased), is
// not tried again.
func retryLedger(ctx context.Context, write func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := write()
		if err == nil || errors.Is(err, store.ErrDeliveryFinal) || errors.Is(err, store.ErrNotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// replied reports whether err carries an SMTP reply (the server's answer is
// known), as opposed to a network error or a timeout.
func replied(err error) bool {
	var se *mailer.SendError
	return errors.As(err, &se) && se.Code != 0
}
