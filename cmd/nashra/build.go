package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

func init() { register(newBuildCmd) }

func newBuildCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "build --out DIR",
		Short: "Write every feed and index.html as static files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st store.Store) error {
				set, err := newPublisher(a, cfg, st).Build(ctx)
				if err != nil {
					return err
				}
				if err := set.WriteDir(out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(set.Files()), out)
				return nil
			})
		},
	}
	c.Flags().StringVar(&out, "out", "", "output folder (required)")
	_ = c.MarkFlagRequired("out")
	return c
}
