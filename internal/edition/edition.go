// Package edition is what editors do to the daily digest, whoever asks:
// the command line, the admin console and the API call the same functions
// here. It lists editions with their state and counts, previews one as a
// given reader would get it, sends test copies, approves, holds, pauses,
// resumes and cancels editions, resends one to a reader on request,
// reports per recipient, and reports progress while an edition goes out.
// Every operation that changes something is recorded in the audit log with
// the actor who did it.
//
// The lifecycle (see store.EditionState) is: scheduled → held (approval
// required) → approved → sending ⇄ paused → sent | cancelled. Building and
// sending belong to internal/delivery; this package moves states and
// leaves the sending to the queue's workers, which stop starting messages
// within a fraction of a second of a pause or a cancel.
package edition

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
)

// Named errors; branch with errors.Is.
var (
	// ErrState: the operation does not apply to the edition as it is now
	// (approving one that is sending, pausing one that is held…).
	ErrState = errors.New("edition: not possible in the edition's state")
	// ErrDate: a day that is not YYYY-MM-DD, or one that needs force.
	ErrDate = errors.New("edition: bad date")
	// ErrNotFound: no such edition or subscriber.
	ErrNotFound = errors.New("edition: not found")
)

// Actor is who acts, as the audit log records it: a user's email (console
// and API, with the client's address), "cli:USER" or "system".
type Actor = auth.Actor

// Service runs the edition operations on a store and a delivery service.
type Service struct {
	st  store.Store
	dv  *delivery.Service
	q   delivery.JobInserter // for Send; nil without workers
	loc *time.Location
	now func() time.Time
	// nl is the newsletter the service works on, as the store names it
	// ("" = the default one): its editions' IDs, due dates and lists.
	nl string
	// bound: For chose nl; New's service lists every newsletter's
	// editions (the console's).
	bound bool
}

// New returns a Service. loc is the site time zone; now may be nil
// (time.Now).
func New(st store.Store, dv *delivery.Service, loc *time.Location, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Service{st: st, dv: dv, loc: loc, now: now}
}

// For returns the service working on newsletter slug's editions ("" or
// the default newsletter's slug: the default one). New's works on the
// default newsletter's too, but lists every newsletter's editions.
func (s *Service) For(slug string) (*Service, error) {
	n, err := s.dv.Newsletter(slug)
	if err != nil {
		return nil, fmt.Errorf("%w: newsletter %q", ErrNotFound, slug)
	}
	c := *s
	c.nl, c.bound = n.Key(), true
	return &c, nil
}

// ID is the ID of the service's newsletter's edition of day (day
// itself when it is a full edition ID already).
func (s *Service) ID(day string) string {
	if nl, _, err := store.SplitEditionID(day); err == nil && nl != "" {
		return day
	}
	return store.EditionID(s.nl, day)
}

// CheckDay validates an edition: a YYYY-MM-DD day, or an edition ID
// (SLUG.YYYY-MM-DD, store.EditionID).
func (s *Service) CheckDay(day string) error {
	_, d, err := store.SplitEditionID(day)
	if err == nil {
		_, err = time.ParseInLocation(digest.DayLayout, d, s.loc)
	}
	if err != nil {
		return fmt.Errorf("%w: %q: want YYYY-MM-DD", ErrDate, day)
	}
	return nil
}

// NextDue is the ID of the next edition due: the first whose scheduled
// cut-off is not past.
func (s *Service) NextDue() string {
	id, err := s.dv.NextDueOf(s.nl)
	if err != nil { // For checked the newsletter
		return s.ID(s.dv.NextDue())
	}
	return id
}

// LastDue is the ID of the latest edition whose scheduled cut-off has
// passed.
func (s *Service) LastDue() string {
	id, err := s.dv.LastDueOf(s.nl)
	if err != nil {
		next := s.dv.NextDue()
		d, _ := time.ParseInLocation(digest.DayLayout, next, s.loc)
		return s.ID(d.AddDate(0, 0, -1).Format(digest.DayLayout))
	}
	return id
}

// CheckSendDate refuses, unless force, to send an edition whose cut-off is
// more than a day past (old news, probably a wrong --date) or still ahead
// (it would be cut early; --now says so explicitly).
func (s *Service) CheckSendDate(day string, force bool) error {
	if err := s.CheckDay(day); err != nil {
		return err
	}
	cut, err := s.dv.ScheduledCutoff(day)
	if err != nil {
		return err
	}
	if force {
		return nil
	}
	now := s.now()
	switch {
	case now.Sub(cut) > 24*time.Hour:
		return fmt.Errorf("%w: the edition of %s was due %s, more than a day ago; sending it now delivers old news (add --force if that is what you want)",
			ErrDate, day, cut.In(s.loc).Format("2006-01-02 15:04 MST"))
	case cut.After(now):
		return fmt.Errorf("%w: the edition of %s is due %s, in the future; sending it now cuts it early (use --now for the next edition, or add --force)",
			ErrDate, day, cut.In(s.loc).Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// audit records an operation; a failure to record fails the operation's
// report, not the operation (which has happened).
func (s *Service) audit(ctx context.Context, who Actor, action, day, detail string) error {
	if err := s.st.Audit(ctx, store.AuditEntry{Actor: who.Name, Action: action,
		Target: day, Detail: detail, Addr: who.Addr}); err != nil {
		return fmt.Errorf("edition: %s %s done, but not recorded in the audit log: %w", action, day, err)
	}
	return nil
}

// move applies one state change by who: the edition moves to `to` from
// one of `from`. An edition not recorded yet (due later, not built) is
// recorded with state `to` when create is set.
func (s *Service) move(ctx context.Context, who Actor, day, action string, to store.EditionState, create bool, from ...store.EditionState) (*store.Edition, error) {
	if err := s.CheckDay(day); err != nil {
		return nil, err
	}
	if who.Name == "" {
		return nil, fmt.Errorf("edition: %s %s: no actor", action, day)
	}
	note := fmt.Sprintf("%s by %s", to, who.Name)
	e, err := s.st.SetEditionState(ctx, day, to, note, from...)
	if errors.Is(err, store.ErrNotFound) && create {
		sendAt, _ := s.dv.ScheduledCutoff(day)
		nl, _, _ := store.SplitEditionID(day)
		e = &store.Edition{ID: day, Newsletter: nl, State: to, SendAt: sendAt, Note: note}
		var created bool
		if created, err = s.st.CreateEdition(ctx, e); err == nil && !created {
			// Recorded meanwhile: move it as it is now.
			e, err = s.st.SetEditionState(ctx, day, to, note, from...)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("%w: no edition recorded for %s", ErrNotFound, day)
	case errors.Is(err, store.ErrEditionState):
		return e, fmt.Errorf("%w: edition %s is %s; %s applies to %s", ErrState, day, e.State, action, states(from))
	case err != nil:
		return nil, fmt.Errorf("edition: %s %s: %w", action, day, err)
	}
	return e, s.audit(ctx, who, "edition."+action, day, "")
}

func states(ss []store.EditionState) string {
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
		case i == len(ss)-1:
			out += " or "
		default:
			out += ", "
		}
		out += string(s)
	}
	return out + " editions"
}

// Approve lets a held (or scheduled) edition go out at its send time. One
// approved after its send time goes out with Send (the console's and the
// API's "send now") or `digest send` (Summary.Late).
func (s *Service) Approve(ctx context.Context, who Actor, day string) (*Summary, error) {
	return s.op(ctx, who, day, "approve", store.EditionApproved, true, store.EditionHeld, store.EditionScheduled)
}

// Hold keeps a scheduled or approved edition from going out until it is
// approved (again).
func (s *Service) Hold(ctx context.Context, who Actor, day string) (*Summary, error) {
	return s.op(ctx, who, day, "hold", store.EditionHeld, true, store.EditionScheduled, store.EditionApproved)
}

// Pause stops an edition that is sending: messages in flight finish,
// nothing new starts (within a second on every worker).
func (s *Service) Pause(ctx context.Context, who Actor, day string) (*Summary, error) {
	return s.op(ctx, who, day, "pause", store.EditionPaused, false, store.EditionSending)
}

// Resume continues a paused edition where it stopped.
func (s *Service) Resume(ctx context.Context, who Actor, day string) (*Summary, error) {
	return s.op(ctx, who, day, "resume", store.EditionSending, false, store.EditionPaused)
}

// Cancel stops an edition for good: messages in flight finish, every
// delivery not yet started is recorded as cancelled, nothing more is sent.
// An edition cancelled before it started leaves its articles to the next.
func (s *Service) Cancel(ctx context.Context, who Actor, day string) (*Summary, error) {
	e, err := s.move(ctx, who, day, "cancel", store.EditionCancelled, true,
		store.EditionScheduled, store.EditionHeld, store.EditionApproved, store.EditionSending, store.EditionPaused)
	if err != nil && e == nil {
		return nil, err
	}
	if e.State == store.EditionCancelled {
		// Also when a worker raced the move: what is open is cancelled now.
		if _, cerr := s.st.CancelDeliveries(ctx, day); cerr != nil {
			return nil, fmt.Errorf("edition: cancel %s: %w", day, cerr)
		}
	}
	sum, serr := s.summary(ctx, e)
	if serr != nil {
		return nil, serr
	}
	return sum, err
}

func (s *Service) op(ctx context.Context, who Actor, day, action string, to store.EditionState, create bool, from ...store.EditionState) (*Summary, error) {
	e, err := s.move(ctx, who, day, action, to, create, from...)
	if e == nil {
		return nil, err
	}
	sum, serr := s.summary(ctx, e)
	if serr != nil {
		return nil, serr
	}
	return sum, err
}

// WithQueue gives the service the queue that Send enqueues on (serve's);
// without one, Send is not available.
func (s *Service) WithQueue(q delivery.JobInserter) *Service {
	s.q = q
	return s
}

// Send starts the edition of day now: it is built (when it is not yet) and
// its deliveries enqueued for the queue's workers, as at its send time
// (delivery.Service.Prepare, the scheduler's step); an approved edition
// whose send time passed goes out this way. The date is checked as by
// CheckSendDate unless force. It gives ErrState for a held or cancelled
// edition, and for one that is sending, paused or sent already, also when
// another Send or the scheduler started it a moment before: each reader
// gets it once (the ledger), and only the caller who started it is told
// so and recorded in the audit log.
func (s *Service) Send(ctx context.Context, who Actor, day string, force bool) (*Summary, error) {
	if s.q == nil {
		return nil, errors.New("edition: send: no queue (run it where the workers run, or use `nashra digest send`)")
	}
	if who.Name == "" {
		return nil, fmt.Errorf("edition: send %s: no actor", day)
	}
	if err := s.CheckSendDate(day, force); err != nil {
		return nil, err
	}
	if e, err := s.st.GetEdition(ctx, day); err == nil {
		switch e.State {
		case store.EditionSending, store.EditionPaused, store.EditionSent:
			return nil, fmt.Errorf("%w: edition %s is %s already; it is not sent again", ErrState, day, e.State)
		}
	}
	p, err := s.dv.Prepare(ctx, s.q, day)
	switch {
	case errors.Is(err, delivery.ErrHeld), errors.Is(err, delivery.ErrCancelled):
		return nil, fmt.Errorf("%w: %v", ErrState, err)
	case errors.Is(err, delivery.ErrNoEdition), errors.Is(err, delivery.ErrCovered):
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	case err != nil:
		return nil, err
	case !p.Started:
		return nil, fmt.Errorf("%w: edition %s is %s already; it is not sent again", ErrState, day, p.Edition.State)
	}
	if err := s.RecordSend(ctx, who, day); err != nil {
		return nil, err
	}
	return s.summary(ctx, p.Edition)
}

// RecordSend records in the audit log that who started sending the
// edition of day (`nashra digest send` does it through the queue itself).
func (s *Service) RecordSend(ctx context.Context, who Actor, day string) error {
	return s.audit(ctx, who, "edition.send", day, "")
}
