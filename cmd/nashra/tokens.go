package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

func newTokensCmd(a *app) *cobra.Command {
	return group("tokens", "Manage API tokens (Authorization: Bearer TOKEN on /api/v1/)",
		newTokensCreateCmd(a), newTokensListCmd(a), newTokensRevokeCmd(a))
}

func newTokensCreateCmd(a *app) *cobra.Command {
	var email, name string
	cmd := &cobra.Command{
		Use:   "create --user EMAIL --name NAME",
		Short: "Create an API token acting as the user; it is printed once and stored hashed",
		Args:  cobra.NoArgs,
		RunE: a.authRunE(func(cmd *cobra.Command, _ []string, svc *auth.Service) error {
			secret, t, err := svc.CreateToken(cmd.Context(), cliActor(), email, name)
			if err != nil {
				return fmt.Errorf("tokens create %s: %w", name, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %q for %s: copy it now, it is not shown again\n", t.Name, t.UserEmail)
			return nil
		}),
	}
	cmd.Flags().StringVar(&email, "user", "", "the user the token acts as (required)")
	cmd.Flags().StringVar(&name, "name", "", "a unique name for the token (required)")
	_ = cmd.MarkFlagRequired("user")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newTokensListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens: name, user, role, created, last used",
		Args:  cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			toks, err := st.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			loc := cfg.Location()
			t := newTable(cmd.OutOrStdout(), "NAME", "USER", "CREATED", "LAST USED")
			for _, tok := range toks {
				t.row(tok.Name, tok.UserEmail, when(tok.CreatedAt, loc, time.DateTime), when(tok.LastUsedAt, loc, time.DateTime))
			}
			return t.flush()
		}),
	}
}

func newTokensRevokeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			if err := svc.RevokeToken(cmd.Context(), cliActor(), args[0]); err != nil {
				return noSuch("tokens revoke", "token", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		}),
	}
}
