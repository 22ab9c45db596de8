package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store"
)

func newImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import PATH...",
		Short: "Import article files or folders (.txt .md .html .json)",
		Long: "Import article files or folders. Re-importing a file updates its article.\n" +
			"A file that cannot be imported is reported by name and the rest go on;\n" +
			"the exit status is then 2.",
		Args: cobra.MinimumNArgs(1),
		RunE: a.storeRunE(func(cmd *cobra.Command, paths []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			p := newPublisher(a, cfg, st)
			tick, done := progress(cmd.ErrOrStderr(), publish.CountFiles(paths), "importing")
			r, err := p.Import(ctx, paths, tick)
			done()
			for _, e := range r.Errors {
				for _, line := range unjoinLines(e) {
					fmt.Fprintln(cmd.ErrOrStderr(), "nashra: import:", line)
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), r.String())
			if err != nil {
				return err
			}
			if r.Failed > 0 && r.Imported+r.Updated+r.Unchanged == 0 {
				return fmt.Errorf("import: nothing imported, every file failed (%d)", r.Failed)
			}
			if r.Failed > 0 {
				return fmt.Errorf("import: %d failed: %w", r.Failed, errPartial)
			}
			return nil
		}),
	}
}

// unjoinLines flattens joined errors into one line each.
func unjoinLines(err error) []string {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range u.Unwrap() {
			out = append(out, unjoinLines(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
