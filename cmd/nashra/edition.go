package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
)

// withEditions opens the store and the edition service (with the delivery
// service and its transport, closed after fn).
func (a *app) withEditions(ctx context.Context, fn func(cfg *config.Config, ed *edition.Service, b *backend.Backend) error) error {
	return a.withBackend(ctx, func(cfg *config.Config, b *backend.Backend) error {
		svc, tr, err := newDelivery(ctx, a, cfg, b)
		if err != nil {
			return err
		}
		defer tr.Close()
		if _, err := newsletterSlug(cfg, a.newsletter); err != nil {
			return err
		}
		ed, err := edition.New(b.Store, svc, cfg.Location(), nil).For(a.newsletter)
		if err != nil {
			return err
		}
		return fn(cfg, ed, b)
	})
}

// editionsRunE is the RunE of a command on --newsletter's editions: run
// gets the command, its arguments, the configuration, the edition service
// and the store (withEditions).
func (a *app) editionsRunE(run func(cmd *cobra.Command, args []string, cfg *config.Config, ed *edition.Service, st store.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return a.withEditions(cmd.Context(), func(cfg *config.Config, ed *edition.Service, b *backend.Backend) error {
			return run(cmd, args, cfg, ed, b.Store)
		})
	}
}

// newsletterSlug checks --newsletter against the configured newsletters
// and returns its slug ("" = the default newsletter's).
func newsletterSlug(cfg *config.Config, slug string) (string, error) {
	n, ok := cfg.FindNewsletter(slug)
	if !ok {
		return "", fmt.Errorf("--newsletter %q: no such newsletter (configured: %s)", slug, strings.Join(cfg.NewsletterSlugs(), ", "))
	}
	return n.Slug, nil
}

// namedNewsletter is newsletterSlug for a --newsletter that may be left
// out: "" when it is.
func namedNewsletter(cfg *config.Config, slug string) (string, error) {
	if slug == "" {
		return "", nil
	}
	return newsletterSlug(cfg, slug)
}

// dayOr returns the edition of --date, checked, or def() when it is empty.
func dayOr(ed *edition.Service, date string, def func() string) (string, error) {
	if date == "" {
		return def(), nil
	}
	return checkedDay(ed, date)
}

// checkedDay is the ID of the edition of --date (a day, or an edition ID),
// once checked.
func checkedDay(ed *edition.Service, date string) (string, error) {
	if err := ed.CheckDay(date); err != nil {
		return "", fmt.Errorf("--date %q: want YYYY-MM-DD", date)
	}
	return ed.ID(date), nil
}

func newDigestListCmd(a *app) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the next edition due and past editions with their state and counts",
		Args:  cobra.NoArgs,
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, ed *edition.Service, _ store.Store) error {
			ctx := cmd.Context()
			list, err := ed.List(ctx, limit)
			if err != nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "DATE", "STATE", "DUE", "RECIPIENTS", "SENT", "FAILED", "SKIPPED", "CANCELLED", "OPEN", "NOTE")
			for _, s := range list {
				c := s.Counts
				note := s.Note
				if s.Late {
					note = strings.TrimSpace("send time passed; " + note)
				}
				t.row(s.ID, s.State, when(s.SendAt, cfg.Location(), minuteLayout), s.Recipients,
					c[store.DeliverySent], c[store.DeliveryFailed], c[store.DeliverySkipped], c[store.DeliveryCancelled],
					c[store.DeliveryQueued]+c[store.DeliverySending]+c[store.DeliveryRetrying], note)
			}
			return t.flush()
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 30, "recorded editions to show (0: all)")
	return cmd
}

// newDigestStateCmd is approve, hold, cancel, pause or resume. Without
// --date it applies to the newest edition in one of defaults (the one
// sending for pause, …), else to the next edition due.
func newDigestStateCmd(a *app, name, short string, op func(*edition.Service, context.Context, edition.Actor, string) (*edition.Summary, error), defaults ...store.EditionState) *cobra.Command {
	var date string
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, ed *edition.Service, _ store.Store) error {
			ctx := cmd.Context()
			var day string
			var err error
			if date == "" {
				day, err = ed.Default(ctx, defaults...)
			} else {
				day, err = checkedDay(ed, date)
			}
			if err != nil {
				return err
			}
			s, err := op(ed, ctx, cliActor(), day)
			if err != nil {
				return fmt.Errorf("digest %s: %w", name, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "edition %s: %s\n", s.ID, s.State)
			if s.Late {
				fmt.Fprintf(out, "its send time (%s) has passed: `nashra digest send --date %s` (or «أرسِل الآن» on its console page) sends it now\n",
					s.SendAt.In(cfg.Location()).Format("2006-01-02 15:04 MST"), s.ID)
			}
			if s.State == store.EditionCancelled && s.Counts[store.DeliveryCancelled] > 0 {
				fmt.Fprintf(out, "%d deliveries cancelled; %d sent before\n", s.Counts[store.DeliveryCancelled], s.Counts[store.DeliverySent])
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: see above)")
	return cmd
}

func newDigestTestCmd(a *app) *cobra.Command {
	var date, to string
	cmd := &cobra.Command{
		Use:   "test --to ADDR[,ADDR…]",
		Short: "Send the edition to these addresses, marked as a test, outside the ledger",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if strings.TrimSpace(to) == "" {
				return errors.New("--to: give one or more addresses, comma-separated")
			}
			return nil
		},
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, _ *config.Config, ed *edition.Service, _ store.Store) error {
			day, err := dayOr(ed, date, ed.NextDue)
			if err != nil {
				return err
			}
			addrs := strings.Split(to, ",")
			if err := ed.Test(cmd.Context(), cliActor(), day, addrs); err != nil {
				return fmt.Errorf("digest test: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "test of the edition of %s sent to %d address(es)\n", day, len(addrs))
			return nil
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD (default: the next edition due)")
	cmd.Flags().StringVar(&to, "to", "", "addresses, comma-separated")
	return cmd
}

func newDigestResendCmd(a *app) *cobra.Command {
	var date string
	cmd := &cobra.Command{
		Use:   "resend --date YYYY-MM-DD EMAIL",
		Short: "Send an edition again to one subscriber, on request",
		Args:  cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if date == "" {
				return errors.New("--date: which edition to resend (YYYY-MM-DD)")
			}
			return nil
		},
		RunE: a.editionsRunE(func(cmd *cobra.Command, args []string, _ *config.Config, ed *edition.Service, _ store.Store) error {
			if err := ed.Resend(cmd.Context(), cliActor(), ed.ID(date), args[0]); err != nil {
				return fmt.Errorf("digest resend: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "edition %s sent again to %s\n", ed.ID(date), args[0])
			return nil
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD")
	return cmd
}

func newDigestReportCmd(a *app) *cobra.Command {
	var date, format, state, outFile string
	cmd := &cobra.Command{
		Use:   "report --date YYYY-MM-DD",
		Short: "One line per recipient: state, attempts, last SMTP reply, time",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if date == "" {
				return errors.New("--date: which edition to report on (YYYY-MM-DD)")
			}
			if format != "text" && format != "csv" {
				return fmt.Errorf("--format: must be text or csv, got %q", format)
			}
			if state != "" && !store.DeliveryState(state).Valid() {
				return fmt.Errorf("--state: unknown state %q", state)
			}
			return nil
		},
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, ed *edition.Service, _ store.Store) error {
			out, err := createOutput(cmd, outFile)
			if err != nil {
				return err
			}
			err = ed.Report(cmd.Context(), ed.ID(date), format, edition.ReportQuery{State: store.DeliveryState(state)}, out)
			return errors.Join(err, out.Close())
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "edition day YYYY-MM-DD")
	cmd.Flags().StringVar(&format, "format", "text", "text or csv")
	cmd.Flags().StringVar(&state, "state", "", "only recipients in this state (sent, failed, retrying, …)")
	cmd.Flags().StringVar(&outFile, "out", "", "write to FILE instead of standard output")
	return cmd
}

// editionCommands are the edition-control subcommands of `digest`.
func editionCommands(a *app) []*cobra.Command {
	return []*cobra.Command{
		newDigestListCmd(a),
		newDigestStateCmd(a, "approve", "Approve a held edition (default: the newest held): it goes out at its send time",
			(*edition.Service).Approve, store.EditionHeld),
		newDigestStateCmd(a, "hold", "Hold an edition (default: the next due): it is not sent until approved",
			(*edition.Service).Hold),
		newDigestStateCmd(a, "pause", "Pause an edition that is sending (default: the newest sending): nothing new starts",
			(*edition.Service).Pause, store.EditionSending),
		newDigestStateCmd(a, "resume", "Resume a paused edition (default: the newest paused)",
			(*edition.Service).Resume, store.EditionPaused),
		newDigestStateCmd(a, "cancel", "Cancel an edition (default: the newest sending, paused, held or approved, else the next due): nothing more is sent",
			(*edition.Service).Cancel, store.EditionSending, store.EditionPaused, store.EditionHeld, store.EditionApproved),
		newDigestTestCmd(a),
		newDigestResendCmd(a),
		newDigestReportCmd(a),
	}
}

// sendDay resolves the day `digest send` sends: --now takes the next
// edition due (cut now), --date is checked against the schedule unless
// --force, and the default is the latest edition whose send time passed.
func sendDay(ed *edition.Service, date string, force, now bool) (string, error) {
	if now {
		if date != "" {
			return "", errors.New("--now and --date: give one (--now sends the next edition due, cut now)")
		}
		return ed.NextDue(), nil
	}
	if date == "" {
		return ed.LastDue(), nil
	}
	day, err := checkedDay(ed, date)
	if err != nil {
		return "", err
	}
	return day, ed.CheckSendDate(day, force)
}
