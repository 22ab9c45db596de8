package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
)

func newDigestCmd(a *app) *cobra.Command {
	cmd := group("digest", "Preview, send and follow the newsletters' editions",
		newDigestSendCmd(a), newDigestStatusCmd(a), newDigestPreviewCmd(a))
	cmd.AddCommand(editionCommands(a)...)
	cmd.PersistentFlags().StringVar(&a.newsletter, "newsletter", "", "the newsletter (slug) to work on (default: the default newsletter)")
	return cmd
}

func newDigestSendCmd(a *app) *cobra.Command {
	var date string
	var wait time.Duration
	var force, now bool
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send an edition to every confirmed subscriber (idempotent)",
		Long: "Inserts the edition job of the day, then works the queue in this process until every\n" +
			"delivery is sent or failed, or only retries scheduled later than --wait remain.\n" +
			"Running it again sends nothing twice; after a crash it finishes what was left.\n" +
			"Without --date it sends the latest edition whose send time has passed; a --date whose\n" +
			"send time is more than a day past, or still ahead, needs --force. --now sends the\n" +
			"next edition due at once, cut now.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return a.withEditions(ctx, func(cfg *config.Config, ed *edition.Service, b *backend.Backend) error {
				day, err := sendDay(ed, date, force, now)
				if err != nil {
					return fmt.Errorf("digest send: %w", err)
				}
				if err := ed.RecordSend(ctx, cliActor(), day); err != nil {
					return err
				}
				return digestSend(ctx, a, cfg, b, day, wait, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: the latest edition whose send time passed)")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "keep running for retries scheduled within this long")
	cmd.Flags().BoolVar(&force, "force", false, "send a --date whose send time is more than a day past, or still ahead")
	cmd.Flags().BoolVar(&now, "now", false, "send the next edition due now, its cut-off moved to now")
	return cmd
}

// digestSend sends the edition of day from this process
// (delivery.Queue.SendEdition) and reports what it did.
func digestSend(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, day string, wait time.Duration, out, errOut io.Writer) error {
	q, tr, err := openQueue(ctx, a, cfg, b, delivery.QueueOptions{})
	if err != nil {
		return err
	}
	defer tr.Close()
	var bar *progressBar
	r, err := q.SendEdition(ctx, day, delivery.RunOptions{Wait: wait, Progress: func(finished, recipients int) {
		if bar == nil {
			bar = newProgressBar(errOut, finished, recipients-finished, "sending "+day)
		}
		bar.set(finished)
	}})
	bar.finish() // what follows is printed below the bar
	switch {
	case errors.Is(err, delivery.ErrNoEdition):
		fmt.Fprintf(out, "no edition for %s: no new articles\n", day)
		return nil
	case errors.Is(err, delivery.ErrHeld):
		return fmt.Errorf("digest send: edition %s is held for approval: `nashra digest approve --date %s` first", day, day)
	case errors.Is(err, delivery.ErrPaused):
		return fmt.Errorf("digest send: edition %s is paused: `nashra digest resume --date %s` continues it", day, day)
	case errors.Is(err, delivery.ErrCancelled):
		return fmt.Errorf("digest send: edition %s is cancelled: nothing more is sent", day)
	case errors.Is(err, delivery.ErrCovered):
		return fmt.Errorf("digest send: %w", err)
	case errors.Is(err, delivery.ErrInterrupted):
		fmt.Fprintf(out, "interrupted; run `nashra digest send --date %s` again to finish\n", day)
		return ctx.Err()
	case err != nil:
		return err
	}
	counts := r.Counts
	fmt.Fprintf(out, "edition %s: %d recipients; sent %d, failed %d, skipped %d, retrying %d (%d finished by this run in %s)\n",
		day, r.Edition.Recipients, counts[store.DeliverySent], counts[store.DeliveryFailed], counts[store.DeliverySkipped],
		counts[store.DeliveryRetrying], delivery.Finished(counts)-r.FinishedBefore, r.Elapsed.Round(time.Millisecond))
	if n := counts[store.DeliveryCancelled]; n > 0 {
		fmt.Fprintf(out, "%d deliveries cancelled with the edition\n", n)
	}
	if r.Waiting > 0 {
		when := "later"
		if !r.NextRetry.IsZero() {
			when = "at " + r.NextRetry.In(cfg.Location()).Format(time.DateTime+" MST")
		}
		fmt.Fprintf(out, "%d deliveries wait for a scheduled retry (next %s); `nashra serve`, `nashra worker` or another `nashra digest send --date %s` will send them\n",
			r.Waiting, when, day)
	}
	if counts[store.DeliveryFailed] > 0 {
		return fmt.Errorf("digest send: %d deliveries failed (see `nashra digest status --date %s`): %w",
			counts[store.DeliveryFailed], day, errPartial)
	}
	return nil
}

func newDigestStatusCmd(a *app) *cobra.Command {
	var date string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show how far an edition has been delivered (default: the one sending or paused, else the latest)",
		Long: "Without --date it shows the edition of --newsletter sending now or paused (and how to\n" +
			"resume it), else the newest recorded one, and says which.",
		Args: cobra.NoArgs,
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, _ *config.Config, ed *edition.Service, st store.Store) error {
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			if date != "" {
				id, err := checkedDay(ed, date)
				if err != nil {
					return err
				}
				return digestStatus(ctx, st, id, out)
			}
			id, state, err := ed.Relevant(ctx)
			if errors.Is(err, edition.ErrNotFound) {
				fmt.Fprintf(out, "no edition recorded yet; the next is due %s\n", ed.NextDue())
				return nil
			}
			if err != nil {
				return err
			}
			switch state {
			case store.EditionSending:
				fmt.Fprintf(out, "the edition sending now (--date picks another):\n")
			case store.EditionPaused:
				fmt.Fprintf(out, "the edition paused mid-send; `nashra digest resume --date %s` continues it (--date picks another):\n", id)
			default:
				fmt.Fprintf(out, "none sending or paused; the latest recorded edition (--date picks another):\n")
			}
			return digestStatus(ctx, st, id, out)
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: the edition sending or paused, else the latest recorded)")
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
	fmt.Fprintf(out, "edition %s: %s\nstate %s\nrecipients %d\n", ed.ID, ed.Subject, ed.State, ed.Recipients)
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
	var date, format, outFile, subscriber string
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Render an edition without sending it (default: the next edition due)",
		Long: "Renders the edition as recorded, or as it would be cut now when it is not built yet,\n" +
			"for a sample reader or, with --subscriber, as that reader would get it (their\n" +
			"categories and name). Its unsubscribe and preference links act on no one.",
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch format {
			case "html", "text", "eml", "json":
			default:
				return fmt.Errorf("--format: must be html, text, eml or json, got %q", format)
			}
			return nil
		},
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, _ *config.Config, ed *edition.Service, _ store.Store) error {
			day, err := dayOr(ed, date, ed.NextDue)
			if err != nil {
				return err
			}
			b, err := ed.Preview(cmd.Context(), day, subscriber, format)
			if err != nil {
				return fmt.Errorf("digest preview: %w", err)
			}
			out, err := createOutput(cmd, outFile)
			if err != nil {
				return err
			}
			_, err = out.Write(b)
			return errors.Join(err, out.Close())
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: the next edition due)")
	cmd.Flags().StringVar(&format, "format", "html", "html, text, eml or json")
	cmd.Flags().StringVar(&subscriber, "subscriber", "", "render as this subscriber would get it")
	cmd.Flags().StringVar(&outFile, "out", "", "write to FILE instead of standard output")
	return cmd
}
