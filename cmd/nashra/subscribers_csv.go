package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

// newSubscribersImportCmd is `nashra subscribers import FILE.csv`.
func newSubscribersImportCmd(a *app) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import subscribers from CSV (header row; UTF-8, BOM optional); bad rows are reported by line",
		Long: "Reads a CSV whose header names some of the columns\n  " + strings.Join(subscribe.CSVHeader, ",") + "\n" +
			"(email required; categories joined with |, by name or slug; newsletters as daily:cat1|cat2;weekly, a CSV\n" +
			"without it following --newsletter or the default newsletter). Good rows are imported, bad rows are listed with\n" +
			"their line number and reason (exit status 2). Addresses that unsubscribed or bounced are never\n" +
			"subscribed again. Rows without a status are pending, or confirmed with --confirmed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("subscribers import: %w", err)
			}
			defer f.Close()
			total, err := countLines(f)
			if err != nil {
				return fmt.Errorf("subscribers import: %w", err)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st store.Store) error {
				cat, err := subscribe.LoadCatalog(ctx, st, subscribeCategories(cfg))
				if err != nil {
					return err
				}
				secret, err := delivery.Secret(ctx, st, cfg.Security.Secret)
				if err != nil {
					return err
				}
				o := subscribe.ImportOptions{Confirmed: confirmed, Categories: &cat, Erased: subscribe.ErasedCheck(st, secret),
					Newsletters: cfg.NewsletterSlugs()}
				if o.Newsletter, err = namedNewsletter(cfg, a.newsletter); err != nil {
					return err
				}
				tick, done := progress(cmd.ErrOrStderr(), max(total-1, 0), "importing")
				if tick != nil {
					o.Progress = func() { tick("") }
				}
				rep, err := subscribe.Import(ctx, st, bufio.NewReader(f), o)
				done()
				if err != nil {
					return err
				}
				return importReport(cmd.OutOrStdout(), args[0], rep)
			})
		},
	}
	cmd.Flags().BoolVar(&confirmed, "confirmed", false, "the list already opted in: import rows without a status as confirmed")
	return cmd
}

// importReport prints what subscribers import did to file: each ignored
// column and rejected row, then the counts; some rows rejected is
// errPartial, all of them an error.
func importReport(out io.Writer, file string, rep *subscribe.ImportReport) error {
	for _, c := range rep.Ignored {
		fmt.Fprintf(out, "%s: line 1: column %q ignored\n", file, c)
	}
	for _, r := range rep.Rejected {
		who := ""
		if r.Email != "" {
			who = r.Email + ": "
		}
		fmt.Fprintf(out, "%s: line %d: %s%s\n", file, r.Line, who, r.Reason)
	}
	fmt.Fprintf(out, "%d rows: %d added, %d already on the list, %d marked unsubscribed or bounced, %d kept out (unsubscribed or bounced), %d rejected\n",
		rep.Rows, rep.Added, rep.Existing, rep.Suppressed, rep.Kept, len(rep.Rejected))
	if rep.Joined > 0 {
		fmt.Fprintf(out, "%d of those already on the list now follow a newsletter of their row they had not followed\n", rep.Joined)
	}
	if len(rep.Rejected) > 0 && len(rep.Rejected) == rep.Rows {
		return fmt.Errorf("subscribers import: every row rejected (%d), nothing imported", rep.Rows)
	}
	if len(rep.Rejected) > 0 {
		return fmt.Errorf("subscribers import: %d of %d rows rejected: %w", len(rep.Rejected), rep.Rows, errPartial)
	}
	return nil
}

// newSubscribersExportCmd is `nashra subscribers export`.
func newSubscribersExportCmd(a *app) *cobra.Command {
	var outPath string
	var excel bool
	cmd := &cobra.Command{
		Use:   "export [--excel] [-o FILE]",
		Short: "Write every subscriber as CSV (the format import reads)",
		Args:  cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			out, err := createOutput(cmd, outPath)
			if err != nil {
				return fmt.Errorf("subscribers export: %w", err)
			}
			bw := bufio.NewWriterSize(out, 64<<10)
			export := subscribe.Export
			if excel {
				export = subscribe.ExportExcel
			}
			n, err := export(cmd.Context(), st, bw)
			if err == nil {
				err = bw.Flush()
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("subscribers export: %w", err)
			}
			if out.file != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d subscribers to %s\n", n, outPath)
			}
			return nil
		}),
	}
	cmd.Flags().StringVarP(&outPath, "out", "o", "", "write to this file instead of standard output")
	cmd.Flags().BoolVar(&excel, "excel", false, "for Excel: a UTF-8 byte order mark and CRLF line ends (import reads it too)")
	return cmd
}

// countLines counts the lines of f for the progress bar and rewinds it.
func countLines(f *os.File) (int, error) {
	buf := make([]byte, 256<<10)
	n := 0
	last := byte('\n')
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}
