package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
)

// Errors of the edition lifecycle; branch with errors.Is.
var (
	// ErrHeld: the edition waits for an editor's approval.
	ErrHeld = errors.New("delivery: edition held: waiting for approval")
	// ErrCancelled: the edition was cancelled; nothing more is sent.
	ErrCancelled = errors.New("delivery: edition cancelled")
	// ErrPaused: the edition is paused; its workers start nothing new.
	ErrPaused = errors.New("delivery: edition paused")
	// ErrCovered: a later edition is recorded already, and its window
	// took this one's articles.
	ErrCovered = errors.New("delivery: a later edition already covers this window")
)

// ScheduledCutoff is the cut-off the edition id has by the schedule: its
// newsletter's time of day on the edition's day, in the site time zone.
func (s *Service) ScheduledCutoff(id string) (time.Time, error) {
	n, day, err := s.split(id)
	if err != nil {
		return time.Time{}, err
	}
	_, to, err := digest.Window(day, n.Digest)
	if err != nil {
		return time.Time{}, fmt.Errorf("delivery: %w", err)
	}
	return to, nil
}

// NextDue is the day of the default newsletter's next edition whose
// scheduled cut-off is at or after now.
func (s *Service) NextDue() string { return digest.DayOf(s.now(), s.nls[0].Digest) }

// NextDueOf is the ID of newsletter slug's next edition ("" = the
// default newsletter's): the next firing of its schedule.
func (s *Service) NextDueOf(slug string) (string, error) {
	n, err := s.Newsletter(slug)
	if err != nil {
		return "", err
	}
	return n.EditionID(s.nextDue(n, s.now())), nil
}

func (s *Service) now() time.Time {
	if s.o.Now != nil {
		return s.o.Now()
	}
	return time.Now()
}

// counts reports whether an edition's window is taken: a built edition,
// unless it was cancelled before any message went out (its articles then
// go to the next edition).
func counts(e *store.Edition) bool {
	return e.Built() && !(e.State == store.EditionCancelled && e.StartedAt.IsZero())
}

// Window returns the window (from, to] of the edition id when built now:
// to, its cut-off, is the scheduled one, or now when that is still ahead
// (an edition built early, for approval, with --now or a forced future
// date, is cut when built); from is the latest cut-off before it among
// the editions of the same newsletter that took their window, or, for its
// first edition, the newsletter's window (digest.window; seven days for a
// weekly one) before to. Windows follow cut-offs, not dates: a day that
// had no edition (nothing published, or nothing run) leaves no gap, the
// next edition reaching back to the last cut-off. It gives ErrCovered when
// a recorded edition's window already reaches past the start of to.
func (s *Service) Window(ctx context.Context, id string) (from, to time.Time, err error) {
	n, day, err := s.split(id)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	first, sched, err := digest.Window(day, n.Digest)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("delivery: %w", err)
	}
	to = sched
	if now := s.now(); now.Before(to) {
		to = now
		first = to.Add(-n.Digest.Window)
		if n.Digest.Window <= 0 {
			first = to.Add(-digest.DefaultWindow)
		}
	}
	eds, err := s.st.NewsletterEditions(ctx, n.Key(), 0)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("delivery: window of %s: %w", id, err)
	}
	var prev time.Time
	for i := range eds {
		e := &eds[i]
		if e.ID == id || !e.Built() {
			continue
		}
		efrom, cut := s.span(e, n)
		switch {
		case !counts(e):
			// Cancelled before it went out: its window is given back.
			if cut.Before(to) && !efrom.IsZero() && efrom.Before(first) {
				first = efrom
			}
		case cut.Before(to):
			if cut.After(prev) {
				prev = cut
			}
		case efrom.Before(to):
			return time.Time{}, time.Time{}, fmt.Errorf("%w: edition %s covers up to %s", ErrCovered, e.ID, cut.Format(time.RFC3339))
		}
	}
	if !prev.IsZero() {
		return prev, to, nil
	}
	return first, to, nil
}

// span is the recorded window of a built edition of n; for editions
// recorded before windows were stored, the fixed window of their day that
// built them.
func (s *Service) span(e *store.Edition, n *Newsletter) (from, to time.Time) {
	if !e.To.IsZero() {
		return e.From, e.To
	}
	_, day, err := store.SplitEditionID(e.ID)
	if err != nil { // not an edition ID: never built by this code
		return time.Time{}, time.Time{}
	}
	from, to, err = digest.Window(day, n.Digest)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	return from, to
}

// BuildNow builds the edition id over its window as it would be cut now
// (see Window), without recording it.
func (s *Service) BuildNow(ctx context.Context, id string) (*digest.Edition, error) {
	n, day, err := s.split(id)
	if err != nil {
		return nil, err
	}
	from, to, err := s.Window(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := digest.BuildWindow(ctx, s.st, day, from, to, n.Digest)
	if errors.Is(err, digest.ErrEmpty) {
		return nil, fmt.Errorf("%w (%s)", ErrNoEdition, id)
	}
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	e.ID, e.Newsletter, e.Name = id, n.Key(), n.Name
	return e, nil
}

// start moves a recorded edition towards sending as its state allows:
// scheduled goes to sending (or to held when approval is required),
// approved to sending; sending, paused and sent stay as they are (the
// caller may complete what is enqueued: the workers' gate stops paused
// editions). It returns ErrHeld or ErrCancelled when nothing may go out.
func (s *Service) start(ctx context.Context, se *store.Edition) (*store.Edition, error) {
	se, _, err := s.startMoved(ctx, se)
	return se, err
}

// startMoved is start, reporting whether this call moved the edition to
// sending (a concurrent call that moved it first makes it false).
func (s *Service) startMoved(ctx context.Context, se *store.Edition) (*store.Edition, bool, error) {
	n, _, err := s.split(se.ID)
	if err != nil {
		return se, false, err
	}
	for range 3 { // a concurrent move changes the state: look again
		var next *store.Edition
		var err error
		switch se.State {
		case store.EditionSending, store.EditionPaused, store.EditionSent:
			return se, false, nil
		case store.EditionCancelled:
			return se, false, fmt.Errorf("%w: %s", ErrCancelled, se.ID)
		case store.EditionHeld:
			return se, false, fmt.Errorf("%w: %s", ErrHeld, se.ID)
		case store.EditionScheduled:
			if n.RequireApproval {
				next, err = s.st.SetEditionState(ctx, se.ID, store.EditionHeld, NoteHeld, store.EditionScheduled)
				if err == nil {
					return next, false, fmt.Errorf("%w: %s", ErrHeld, se.ID)
				}
			} else {
				next, err = s.st.SetEditionState(ctx, se.ID, store.EditionSending, "", store.EditionScheduled)
			}
		case store.EditionApproved:
			next, err = s.st.SetEditionState(ctx, se.ID, store.EditionSending, se.Note, store.EditionApproved)
		default:
			return se, false, fmt.Errorf("delivery: edition %s: unknown state %q", se.ID, se.State)
		}
		if err == nil {
			s.forget(se.ID)
			return next, next.State == store.EditionSending, nil
		}
		if !errors.Is(err, store.ErrEditionState) || next == nil {
			return se, false, fmt.Errorf("delivery: %w", err)
		}
		se = next
	}
	return se, false, fmt.Errorf("delivery: edition %s: its state keeps changing", se.ID)
}

// gateTTL is how long a worker trusts the edition state it read: a pause
// or a cancel reaches every worker within it.
const gateTTL = 250 * time.Millisecond

// gate caches, per process, the state of the editions being sent.
type gate struct {
	mu     sync.Mutex
	states map[string]gateEntry
}

type gateEntry struct {
	state store.EditionState
	at    time.Time
}

// editionState is the edition's state as read within gateTTL.
func (s *Service) editionState(ctx context.Context, id string) (store.EditionState, error) {
	s.gate.mu.Lock()
	g, ok := s.gate.states[id]
	s.gate.mu.Unlock()
	if ok && time.Since(g.at) < gateTTL {
		return g.state, nil
	}
	e, err := s.st.GetEdition(ctx, id)
	if err != nil {
		return "", err
	}
	s.gate.mu.Lock()
	if s.gate.states == nil || len(s.gate.states) > 64 {
		s.gate.states = map[string]gateEntry{}
	}
	s.gate.states[id] = gateEntry{state: e.State, at: time.Now()}
	s.gate.mu.Unlock()
	return e.State, nil
}

// forget drops the cached state of an edition this process just moved.
func (s *Service) forget(id string) {
	s.gate.mu.Lock()
	delete(s.gate.states, id)
	s.gate.mu.Unlock()
}

// pauseWait is how long a send job waits in a paused edition before it
// goes back to the queue (river.JobSnooze(0): available again at once,
// behind the jobs not yet tried, its attempts not counted): short enough
// that stopping a process is not held up, and since the workers' slots
// stay full of waiting jobs, a pause costs each process one job update per
// slot every pauseWait, and a resume reaches every job within gateTTL (a
// snooze for longer would leave jobs waiting for River's scheduler).
const pauseWait = 3 * time.Second

// admit decides whether a send of edition may start now: ErrCancelled
// when the edition is cancelled, ErrPaused when it is paused (or held)
// and stays so for pauseWait, nil otherwise.
func (s *Service) admit(ctx context.Context, edition string) error {
	deadline := time.Now().Add(pauseWait)
	for {
		st, err := s.editionState(ctx, edition)
		if errors.Is(err, store.ErrNotFound) {
			return nil // the claim finds nothing either
		}
		if err != nil {
			return err
		}
		switch st {
		case store.EditionCancelled:
			return ErrCancelled
		case store.EditionPaused, store.EditionHeld:
		default:
			return nil
		}
		if time.Now().After(deadline) {
			return ErrPaused
		}
		select {
		case <-ctx.Done():
			return ErrPaused
		case <-time.After(gateTTL):
		}
	}
}

// cancelOne settles the delivery of a cancelled edition without sending:
// one left in "sending" by a dead attempt is recorded as sent when it has
// its commit mark, cancelled otherwise; queued and retrying ones were
// cancelled with the edition (store.Ledger.CancelDeliveries).
func (s *Service) cancelOne(ctx context.Context, edition string, sub int64) (Outcome, error) {
	d, ok, err := s.st.ClaimDelivery(ctx, edition, sub)
	if errors.Is(err, store.ErrNotFound) {
		return Skipped, nil
	}
	if err != nil {
		return Retry, fmt.Errorf("delivery: claim %s/%d: %w", edition, sub, err)
	}
	if !ok {
		if d.State == store.DeliverySending {
			// Another attempt holds it, or a dead one within its lease.
			return Retry, fmt.Errorf("delivery: %s/%d: cancelled edition, delivery still sending", edition, sub)
		}
		return Skipped, nil
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ledgerTimeout)
	defer cancel()
	if _, isCommitter := s.committer(); isCommitter && d.MessageID == "" && d.Attempts > 1 {
		if d, err = s.recoverMark(ctx, d); err != nil {
			return Retry, fmt.Errorf("delivery: claim %s/%d: %w", edition, sub, err)
		}
	}
	if d.MessageID != "" && d.Attempts > 1 {
		return AssumedSent, s.mark(lctx, d, store.DeliverySent, noteInterrupted)
	}
	return Skipped, s.mark(lctx, d, store.DeliveryCancelled, "not sent: edition cancelled")
}

// NoteHeld is the note of an edition held for an editor's approval.
const NoteHeld = "waiting for approval"

// NoteMissed is the note of a held edition whose send time passed.
const NoteMissed = "not approved by its send time: not sent"

// Missed records that the edition of day was still held at its send time:
// a warning in the log, the note on the edition and an audit entry.
func (s *Service) Missed(ctx context.Context, day string) {
	s.o.Log.Warn("edition not approved by its send time: not sent; approve it, then run `nashra digest send --date "+day+"`", "date", day)
	if _, err := s.st.SetEditionState(ctx, day, store.EditionHeld, NoteMissed, store.EditionHeld); err != nil {
		s.o.Log.Error("recording a missed edition", "date", day, "err", err)
	}
	if err := s.st.Audit(ctx, store.AuditEntry{Actor: "system", Action: "edition.missed",
		Target: day, Detail: NoteMissed}); err != nil {
		s.o.Log.Error("recording a missed edition", "date", day, "err", err)
	}
}
