package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
)

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply store and queue migrations",
		Args:  cobra.NoArgs,
		RunE: a.configRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config) error {
			ctx := cmd.Context()
			before, err := backend.Migrate(ctx, cfg.Store.Driver, cfg.Store.DSN)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "store migrated (%d applied by this run at most), queue migrated\n", before)
			b, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer b.Close()
			return reportMerges(ctx, cmd.OutOrStdout(), b.Store)
		}),
	}
}
