package edition

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
)

// ReportQuery filters a report.
type ReportQuery struct {
	// State, when set, keeps recipients in that state.
	State store.DeliveryState
	// Email, when set, keeps addresses containing it.
	Email string
	// After and Limit page through recipients by subscriber ID.
	After int64
	Limit int
}

// Recipients returns one page of the per-recipient report of day.
func (s *Service) Recipients(ctx context.Context, day string, q ReportQuery) ([]store.Delivery, error) {
	if err := s.CheckDay(day); err != nil {
		return nil, err
	}
	if q.State != "" && !q.State.Valid() {
		return nil, fmt.Errorf("edition: report: unknown state %q", q.State)
	}
	ds, err := s.st.PageDeliveries(ctx, store.DeliveryQuery{EditionID: day, State: q.State, Email: q.Email,
		AfterSubscriber: q.After, Limit: q.Limit})
	if err != nil {
		return nil, fmt.Errorf("edition: %w", err)
	}
	return ds, nil
}

// reportPage is how many recipients Report reads at a time.
const reportPage = 1000

// Report writes one line per recipient of the edition of day: address,
// state, attempts, last SMTP reply (or why it was not sent) and time, as
// aligned text or CSV (format "text" or "csv").
func (s *Service) Report(ctx context.Context, day, format string, q ReportQuery, w io.Writer) error {
	if format != "text" && format != "csv" {
		return fmt.Errorf("edition: report format must be text or csv, got %q", format)
	}
	if _, err := s.st.GetEdition(ctx, day); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no edition recorded for %s", ErrNotFound, day)
	} else if err != nil {
		return fmt.Errorf("edition: %w", err)
	}
	cw := csv.NewWriter(w)
	if format == "csv" {
		_ = cw.Write([]string{"email", "state", "attempts", "last_reply", "time"})
	}
	q.Limit = reportPage
	for {
		page, err := s.Recipients(ctx, day, q)
		if err != nil {
			return err
		}
		for _, d := range page {
			at := d.UpdatedAt
			if !d.SentAt.IsZero() {
				at = d.SentAt
			}
			when := ""
			if !at.IsZero() {
				when = at.In(s.loc).Format(time.RFC3339)
			}
			if format == "csv" {
				_ = cw.Write([]string{d.Email, string(d.State), strconv.Itoa(d.Attempts), d.LastError, when})
				continue
			}
			reply := d.LastError
			if reply == "" {
				reply = "-"
			}
			if _, err := fmt.Fprintf(w, "%-40s %-9s %2d  %-25s %s\n", d.Email, d.State, d.Attempts, when, reply); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(page) < reportPage {
			return nil
		}
		q.After = page[len(page)-1].SubscriberID
	}
}

// Resend sends the edition of day once more to one subscriber, on
// request, through the transport at once, and records it on their
// delivery ("resent on request by …", one attempt more) and in the audit
// log. A delivery still on its way is not resent.
func (s *Service) Resend(ctx context.Context, who Actor, day, email string) error {
	if err := s.CheckDay(day); err != nil {
		return err
	}
	se, err := s.st.GetEdition(ctx, day)
	if errors.Is(err, store.ErrNotFound) || err == nil && !se.Built() {
		return fmt.Errorf("%w: no edition built for %s", ErrNotFound, day)
	}
	if err != nil {
		return fmt.Errorf("edition: %w", err)
	}
	if se.StartedAt.IsZero() {
		return fmt.Errorf("%w: edition %s is %s and has not gone out yet", ErrState, day, se.State)
	}
	sub, err := s.st.SubscriberByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidEmail) {
		return fmt.Errorf("%w: no subscriber %s", ErrNotFound, email)
	}
	if err != nil {
		return fmt.Errorf("edition: %w", err)
	}
	if sub.Status != store.StatusConfirmed {
		return fmt.Errorf("%w: %s is %s: nothing is sent to them", ErrState, sub.Email, sub.Status)
	}
	ds, err := s.st.PageDeliveries(ctx, store.DeliveryQuery{EditionID: day, AfterSubscriber: sub.ID - 1, Limit: 1})
	if err != nil {
		return fmt.Errorf("edition: %w", err)
	}
	if len(ds) == 1 && ds[0].SubscriberID == sub.ID && ds[0].State.Open() {
		return fmt.Errorf("%w: the edition of %s to %s is still on its way (%s)", ErrState, day, sub.Email, ds[0].State)
	}
	e, err := s.dv.Decode(se)
	if err != nil {
		return err
	}
	mid := s.dv.MessageIDFor(day, "resend-"+nonce())
	msg, _, ok, err := s.dv.RenderAs(e, sub, delivery.RenderOptions{MessageID: mid, Headers: map[string]string{HeaderResend: "yes"}})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s gets nothing from the edition of %s (no story in their categories)", ErrState, sub.Email, day)
	}
	if err := s.dv.SendNow(ctx, sub.Email, msg); err != nil {
		return fmt.Errorf("edition: resend %s to %s: %w", day, sub.Email, err)
	}
	note := "resent on request by " + who.Name
	if err := s.st.RecordResend(ctx, day, sub, mid, note); err != nil {
		return fmt.Errorf("edition: resend %s to %s sent, not recorded: %w", day, sub.Email, err)
	}
	return s.audit(ctx, who, "edition.resend", day, "to "+sub.Email)
}
