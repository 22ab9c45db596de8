package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(newBuildCmd) }

func newBuildCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "build --out DIR",
		Short: "Write every feed and index.html as static files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			set, err := newPublisher(a, cfg, st).Build(ctx)
			if err != nil {
				return err
			}
			if err := set.WriteDir(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(set.Files()), out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "output folder (required)")
	_ = c.MarkFlagRequired("out")
	return c
}
