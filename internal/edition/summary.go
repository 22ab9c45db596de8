package edition

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// Summary is an edition as lists and dashboards show it.
type Summary struct {
	ID string `json:"id"`
	// Newsletter is the slug of the newsletter it belongs to (absent
	// when the site's one newsletter has no slug).
	Newsletter string             `json:"newsletter,omitempty"`
	State      store.EditionState `json:"state"`
	Subject    string             `json:"subject,omitempty"`
	// Built is false for an edition not built yet (upcoming, or held or
	// approved ahead of its build).
	Built bool `json:"built"`
	// Recorded is false for the upcoming edition shown before anything
	// was recorded for it.
	Recorded bool `json:"recorded"`
	// From and To bound its articles, (From, To]; zero until built.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// SendAt is when it is due by the schedule.
	SendAt    time.Time `json:"send_at,omitzero"`
	StartedAt time.Time `json:"started_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Note      string    `json:"note,omitempty"`
	// Late: approved (or scheduled) after its send time passed, so not
	// sent by the scheduler; Send (the console's and the API's "send
	// now") or `digest send` sends it.
	Late       bool                        `json:"late"`
	Recipients int                         `json:"recipients"`
	Counts     map[store.DeliveryState]int `json:"counts"`
}

// Progress is where a sending edition stands, for progress bars.
type Progress struct {
	Summary
	// Done counts final deliveries (sent, failed, skipped, cancelled).
	Done int `json:"done"`
	// Percent is Done of Recipients, 0-100.
	Percent float64 `json:"percent"`
	// Rate is messages sent per second since the edition started.
	Rate float64 `json:"rate"`
	// Left estimates the time to finish at Rate (0: unknown or done).
	Left time.Duration `json:"left"`
}

// done counts the final deliveries.
func done(c map[store.DeliveryState]int) int {
	return c[store.DeliverySent] + c[store.DeliveryFailed] + c[store.DeliverySkipped] + c[store.DeliveryCancelled]
}

func openOf(c map[store.DeliveryState]int) int {
	return c[store.DeliveryQueued] + c[store.DeliverySending] + c[store.DeliveryRetrying]
}

// summary counts an edition's deliveries and, when it is sending with
// nothing left open, records it as sent.
func (s *Service) summary(ctx context.Context, e *store.Edition) (*Summary, error) {
	c, err := s.st.DeliveryCounts(ctx, e.ID)
	if err != nil {
		return nil, fmt.Errorf("edition: %w", err)
	}
	if e.State == store.EditionSending && e.Recipients > 0 && openOf(c) == 0 {
		ne, err := s.st.SetEditionState(ctx, e.ID, store.EditionSent, "", store.EditionSending)
		switch {
		case err == nil, errors.Is(err, store.ErrEditionState) && ne != nil:
			e = ne
		default:
			return nil, fmt.Errorf("edition: %w", err)
		}
	}
	sum := &Summary{ID: e.ID, Newsletter: s.slugOf(e.ID), State: e.State, Subject: e.Subject, Built: e.Built(), Recorded: true,
		From: e.From, To: e.To, SendAt: e.SendAt, StartedAt: e.StartedAt, UpdatedAt: e.UpdatedAt,
		Note: e.Note, Recipients: e.Recipients, Counts: c}
	sum.Late = (e.State == store.EditionApproved || e.State == store.EditionHeld) &&
		!e.SendAt.IsZero() && s.now().After(e.SendAt)
	return sum, nil
}

// Get returns the edition of day; one not recorded yet is shown as
// scheduled when it is still due, ErrNotFound otherwise.
func (s *Service) Get(ctx context.Context, day string) (*Summary, error) {
	if err := s.CheckDay(day); err != nil {
		return nil, err
	}
	e, err := s.st.GetEdition(ctx, day)
	if errors.Is(err, store.ErrNotFound) {
		sendAt, cerr := s.dv.ScheduledCutoff(day)
		if cerr != nil {
			return nil, cerr
		}
		if sendAt.Before(s.now()) {
			return nil, fmt.Errorf("%w: no edition recorded for %s", ErrNotFound, day)
		}
		return s.upcoming(day, sendAt), nil
	}
	if err != nil {
		return nil, fmt.Errorf("edition: %w", err)
	}
	return s.summary(ctx, e)
}

func (s *Service) upcoming(day string, sendAt time.Time) *Summary {
	c := make(map[store.DeliveryState]int, len(store.DeliveryStates))
	for _, st := range store.DeliveryStates {
		c[st] = 0
	}
	return &Summary{ID: day, Newsletter: s.slugOf(day), State: store.EditionScheduled, SendAt: sendAt, Counts: c}
}

// slugOf is the slug of the newsletter edition id belongs to, as
// configured ("" when unknown).
func (s *Service) slugOf(id string) string {
	key, _, err := store.SplitEditionID(id)
	if err != nil {
		return ""
	}
	n, err := s.dv.Newsletter(key)
	if err != nil {
		return key
	}
	return n.Slug
}

// List returns the next edition due (first, when nothing is recorded for
// it yet) and up to limit recorded editions, newest first (0: all).
func (s *Service) List(ctx context.Context, limit int) ([]Summary, error) {
	eds, err := s.editions(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("edition: %w", err)
	}
	var out []Summary
	next := s.NextDue()
	if newest := s.newestOwn(eds); newest == "" || newest < next {
		sendAt, err := s.dv.ScheduledCutoff(next)
		if err != nil {
			return nil, err
		}
		out = append(out, *s.upcoming(next, sendAt))
	}
	for i := range eds {
		sum, err := s.summary(ctx, &eds[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *sum)
	}
	return out, nil
}

// Progress reports how far the edition of day has gone out.
func (s *Service) Progress(ctx context.Context, day string) (*Progress, error) {
	sum, err := s.Get(ctx, day)
	if err != nil {
		return nil, err
	}
	p := &Progress{Summary: *sum, Done: done(sum.Counts)}
	if sum.Recipients > 0 {
		p.Percent = 100 * float64(p.Done) / float64(sum.Recipients)
	}
	if !sum.StartedAt.IsZero() {
		end := s.now()
		if sum.State.Final() && !sum.UpdatedAt.IsZero() {
			end = sum.UpdatedAt
		}
		if secs := end.Sub(sum.StartedAt).Seconds(); secs > 0 {
			p.Rate = float64(sum.Counts[store.DeliverySent]) / secs
		}
	}
	if left := openOf(sum.Counts); left > 0 && p.Rate > 0 && sum.State == store.EditionSending {
		p.Left = time.Duration(float64(left) / p.Rate * float64(time.Second)).Round(time.Second)
	}
	return p, nil
}

// Default is the day an operation without a date applies to: the newest
// recorded edition in one of states (of the last few), else the next
// edition due. `digest pause` then means the edition that is sending,
// `digest approve` the one held.
func (s *Service) Default(ctx context.Context, states ...store.EditionState) (string, error) {
	eds, err := s.editions(ctx, 7)
	if err != nil {
		return "", fmt.Errorf("edition: %w", err)
	}
	for _, e := range eds {
		for _, st := range states {
			if e.State == st {
				return e.ID, nil
			}
		}
	}
	return s.NextDue(), nil
}

// Relevant is the edition a status without a date is about: the newest
// of the last 30 recorded that is under way (sending, or paused: the one
// an admin has to follow or resume), else the newest recorded one; state
// is its state. It gives ErrNotFound when nothing is recorded.
func (s *Service) Relevant(ctx context.Context) (id string, state store.EditionState, err error) {
	eds, err := s.editions(ctx, 30)
	if err != nil {
		return "", "", fmt.Errorf("edition: %w", err)
	}
	if len(eds) == 0 {
		return "", "", fmt.Errorf("%w: no edition recorded yet", ErrNotFound)
	}
	for _, e := range eds {
		if e.State == store.EditionSending || e.State == store.EditionPaused {
			return e.ID, e.State, nil
		}
	}
	return eds[0].ID, eds[0].State, nil
}

// editions are the recorded editions of the service's newsletter, newest
// first, or of every newsletter when the service is not bound to one
// (For).
func (s *Service) editions(ctx context.Context, limit int) ([]store.Edition, error) {
	if !s.bound {
		return s.st.ListEditions(ctx, limit)
	}
	return s.st.NewsletterEditions(ctx, s.nl, limit)
}

// newestOwn is the ID of the newest of eds that belongs to the service's
// newsletter ("" when none does).
func (s *Service) newestOwn(eds []store.Edition) string {
	for _, e := range eds {
		if nl, _, err := store.SplitEditionID(e.ID); err == nil && nl == s.nl {
			return e.ID
		}
	}
	return ""
}
