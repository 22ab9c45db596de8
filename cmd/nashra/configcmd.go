package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/mailer"
)

func newConfigCmd(a *app) *cobra.Command {
	return group("config", "Check or print the configuration", &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration; exit non-zero naming each bad key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(a.configFile)
			if cfg != nil {
				err = errors.Join(err, checkDKIMKey(cfg))
			}
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			src := cfg.File
			if src == "" {
				src = "embedded defaults"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "config ok (%s)\n", src)
			return nil
		},
	}, &cobra.Command{
		Use:   "dump",
		Short: "Print the effective configuration as YAML, secrets redacted",
		Args:  cobra.NoArgs,
		RunE: a.configRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config) error {
			return cfg.Dump(cmd.OutOrStdout())
		}),
	})
}

// checkDKIMKey opens and parses mail.dkim.key_file, so that a missing or
// unreadable key is found by `config check` rather than by the first send.
func checkDKIMKey(cfg *config.Config) error {
	path := cfg.Mail.DKIM.KeyFile
	if path == "" {
		return nil
	}
	bad := func(msg string) error {
		return &config.Error{Source: cfg.File, Key: "mail.dkim.key_file", Msg: msg}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return bad(fmt.Sprintf("cannot read %s: %v", path, err))
	}
	if _, err := mailer.ParseDKIMKey(data); err != nil {
		return bad(fmt.Sprintf("%s: %s", path, strings.TrimPrefix(err.Error(), "mailer: dkim key: ")))
	}
	return nil
}
