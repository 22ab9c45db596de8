package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(newConfigCmd) }

func newConfigCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Check or print the configuration"}
	c.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration; exit non-zero naming each bad key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			src := cfg.File
			if src == "" {
				src = "embedded defaults"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "config ok (%s)\n", src)
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "dump",
		Short: "Print the effective configuration as YAML, secrets redacted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			return cfg.Dump(cmd.OutOrStdout())
		},
	})
	return c
}
