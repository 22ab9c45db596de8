package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
)

func init() { register(newDigestCmd) }

func newDigestCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest",
		Short: "Preview, send and follow the daily digest",
	}
	cmd.AddCommand(newDigestSendCmd(a), newDigestStatusCmd(a), newDigestPreviewCmd(a))
	return cmd
}

// editionDay returns --date, checked, or today in the site time zone.
func editionDay(cfg *config.Config, date string) (string, error) {
	if date == "" {
		return time.Now().In(cfg.Location()).Format(digest.DayLayout), nil
	}
	if _, err := time.ParseInLocation(digest.DayLayout, date, cfg.Location()); err != nil {
		return "", fmt.Errorf("--date %q: want YYYY-MM-DD", date)
	}
	return date, nil
}

func newDigestSendCmd(a *app) *cobra.Command {
	var date string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send the edition of a day to every confirmed subscriber (idempotent)",
		Long: "Inserts the edition job of the day, then works the queue in this process until every\n" +
			"delivery is sent or failed, or only retries scheduled later than --wait remain.\n" +
			"Running it again sends nothing twice; after a crash it finishes what was left.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return a.withEditionStore(ctx, date, func(cfg *config.Config, day string, st store.Store) error {
				return digestSend(ctx, a, cfg, st, day, wait, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: today in site.timezone)")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "keep running for retries scheduled within this long")
	return cmd
}

func digestSend(ctx context.Context, a *app, cfg *config.Config, st store.Store, day string, wait time.Duration, out, errOut io.Writer) error {
	// Every attempt that ends a delivery wakes the loop below, which then
	// reads the ledger at once instead of at its next tick: the send ends
	// when its last message is recorded, not up to half a second later.
	var ended atomic.Int64 // attempts of this run that ended a delivery
	settled := make(chan struct{}, 1)
	q, tr, err := openQueue(ctx, a, cfg, st, false, func(_ delivery.SendArgs, o delivery.Outcome) {
		if o == delivery.Retry {
			return
		}
		ended.Add(1)
		select {
		case settled <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer tr.Close()
	started := time.Now()
	// What was finished before this run, counted before its workers start
	// (they send while the edition is still being enqueued).
	before, err := st.DeliveryCounts(ctx, day)
	if err != nil {
		return err
	}
	jobID, _, err := q.InsertEdition(ctx, day)
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := q.Stop(sctx); err != nil {
			a.log.Error("stopping workers", "err", err)
		}
	}()

	// The edition job builds and enqueues; wait for it to finish.
	ed, err := waitEdition(ctx, q, st, day, jobID)
	if errors.Is(err, delivery.ErrNoEdition) {
		// The day's job found no article (perhaps before an import): look
		// again now, in this process.
		var p *delivery.Prepared
		if p, err = q.Service().Prepare(ctx, q, day); err == nil {
			ed = p.Edition
		}
	}
	if errors.Is(err, delivery.ErrNoEdition) {
		fmt.Fprintf(out, "no edition for %s: no new articles\n", day)
		return nil
	}
	if err != nil {
		return err
	}
	counts, err := st.DeliveryCounts(ctx, ed.ID)
	if err != nil {
		return err
	}
	done0 := finished(counts)
	tick, finish := progress(errOut, ed.Recipients-done0, "sending "+day)
	reported := done0
	var waiting int
	var next time.Time
	for {
		endedAtCount := ended.Load()
		counts, err = st.DeliveryCounts(ctx, ed.ID)
		if err != nil {
			return err
		}
		done := finished(counts)
		for ; tick != nil && reported < done; reported++ {
			tick("")
		}
		open := counts[store.DeliveryQueued] + counts[store.DeliverySending] + counts[store.DeliveryRetrying]
		if open == 0 {
			break
		}
		if counts[store.DeliveryQueued] == 0 && counts[store.DeliverySending] == 0 {
			pending, nextRetry, err := q.Pending(ctx)
			if err != nil {
				return err
			}
			if !pending && (nextRetry.IsZero() || time.Until(nextRetry) > wait) {
				waiting, next = counts[store.DeliveryRetrying], nextRetry
				break
			}
		}
		inFlight := counts[store.DeliveryQueued] + counts[store.DeliverySending]
		if !waitCount(ctx, open, inFlight, func() int64 { return ended.Load() - endedAtCount }, settled) {
			finish()
			fmt.Fprintf(out, "interrupted; run `nashra digest send --date %s` again to finish\n", day)
			return ctx.Err()
		}
	}
	finish()
	sentNow := finished(counts) - finished(before)
	fmt.Fprintf(out, "edition %s: %d recipients; sent %d, failed %d, skipped %d, retrying %d (%d finished by this run in %s)\n",
		day, ed.Recipients, counts[store.DeliverySent], counts[store.DeliveryFailed], counts[store.DeliverySkipped],
		counts[store.DeliveryRetrying], sentNow, time.Since(started).Round(time.Millisecond))
	if waiting > 0 {
		when := "later"
		if !next.IsZero() {
			when = "at " + next.In(cfg.Location()).Format(time.DateTime+" MST")
		}
		fmt.Fprintf(out, "%d deliveries wait for a scheduled retry (next %s); `nashra serve`, `nashra worker` or another `nashra digest send --date %s` will send them\n",
			waiting, when, day)
	}
	if counts[store.DeliveryFailed] > 0 {
		return fmt.Errorf("digest send: %d deliveries failed (see `nashra digest status --date %s`): %w",
			counts[store.DeliveryFailed], day, errPartial)
	}
	return nil
}

// finished counts the deliveries in a final state: sent, failed or
// skipped (not to be sent: no story in the subscriber's categories, or
// paused or unsubscribed by send time). Only failed ones make `digest send`
// exit non-zero; skipped ones are no error.
func finished(counts map[store.DeliveryState]int) int {
	return counts[store.DeliverySent] + counts[store.DeliveryFailed] + counts[store.DeliverySkipped]
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
// recorded and its deliveries enqueued, or there is none.
func waitEdition(ctx context.Context, q *delivery.Queue, st store.Store, day string, jobID int64) (*store.Edition, error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		done, jobErr, err := q.JobDone(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if done {
			ed, err := st.GetEdition(ctx, day)
			if errors.Is(err, store.ErrNotFound) {
				if jobErr != "" {
					return nil, fmt.Errorf("digest send: edition job failed: %s", jobErr)
				}
				return nil, delivery.ErrNoEdition
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

// withEditionStore is withStore for the digest commands: --date is checked
// before the store is opened, and fn gets the edition day.
func (a *app) withEditionStore(ctx context.Context, date string, fn func(cfg *config.Config, day string, st store.Store) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	day, err := editionDay(cfg, date)
	if err != nil {
		return err
	}
	return a.withStore(ctx, func(cfg *config.Config, st store.Store) error { return fn(cfg, day, st) })
}

func newDigestStatusCmd(a *app) *cobra.Command {
	var date string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show how far the edition of a day has been delivered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withEditionStore(ctx, date, func(cfg *config.Config, day string, st store.Store) error {
				return digestStatus(ctx, st, day, cmd.OutOrStdout())
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: today in site.timezone)")
	return cmd
}

// digestStatus prints the ledger of the edition of day.
func digestStatus(ctx context.Context, st store.Store, day string, out io.Writer) error {
	ed, err := st.GetEdition(ctx, day)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(out, "no edition recorded for %s\n", day)
		return nil
	}
	if err != nil {
		return err
	}
	counts, err := st.DeliveryCounts(ctx, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "edition %s: %s\nrecipients %d\n", ed.ID, ed.Subject, ed.Recipients)
	for _, s := range store.DeliveryStates {
		fmt.Fprintf(out, "%-9s %d\n", s, counts[s])
	}
	failed, err := st.ListDeliveries(ctx, day, store.DeliveryFailed, 10)
	if err != nil {
		return err
	}
	for _, d := range failed {
		fmt.Fprintf(out, "  failed %s: %s\n", d.Email, d.LastError)
	}
	return nil
}

func newDigestPreviewCmd(a *app) *cobra.Command {
	var date, format, outFile string
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Render the edition of a day without sending it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case "html", "text", "eml", "json":
			default:
				return fmt.Errorf("--format: must be html, text, eml or json, got %q", format)
			}
			ctx := cmd.Context()
			return a.withEditionStore(ctx, date, func(cfg *config.Config, day string, st store.Store) error {
				svc, tr, err := newDelivery(ctx, a, cfg, st)
				if err != nil {
					return err
				}
				tr.Close()
				b, err := preview(ctx, svc, st, day, format)
				if err != nil {
					return err
				}
				if outFile == "" || outFile == "-" {
					_, err = cmd.OutOrStdout().Write(b)
					return err
				}
				return os.WriteFile(outFile, b, 0o644)
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: today in site.timezone)")
	cmd.Flags().StringVar(&format, "format", "html", "html, text, eml or json")
	cmd.Flags().StringVar(&outFile, "out", "", "write to FILE instead of standard output")
	return cmd
}

// preview renders the recorded edition of day, or builds it (without
// recording it) when there is none yet, for a sample subscriber: the first
// confirmed one, else an example reader.
func preview(ctx context.Context, svc *delivery.Service, st store.Store, day, format string) ([]byte, error) {
	var e *digest.Edition
	if se, err := st.GetEdition(ctx, day); err == nil {
		e = new(digest.Edition)
		if err := json.Unmarshal(se.Body, e); err != nil {
			return nil, fmt.Errorf("digest preview: %w", err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	} else if e, err = svc.Build(ctx, day); err != nil {
		return nil, err
	}
	if format == "json" {
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("digest preview: %w", err)
		}
		return append(b, '\n'), nil
	}
	sub := &store.Subscriber{ID: 1, Email: "reader@example.com", Name: "قارئ النشرة", Status: store.StatusConfirmed}
	if subs, err := st.ListSubscribers(ctx, store.SubscriberQuery{Status: store.StatusConfirmed, Limit: 1}); err == nil && len(subs) > 0 {
		sub = &subs[0]
	}
	switch format {
	case "eml":
		msg, _, ok, err := svc.Render(e, sub)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("digest preview: no story in the categories of %s (%s)", sub.Email, strings.Join(sub.Categories, ", "))
		}
		return msg, nil
	default:
		html, text, _, err := svc.Parts(e, sub)
		if err != nil {
			return nil, err
		}
		if format == "text" {
			return []byte(text), nil
		}
		return []byte(html), nil
	}
}
