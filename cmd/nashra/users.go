package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

// cliActor is who the audit log names for a command-line action: "cli"
// and the operating-system user.
func cliActor() auth.Actor {
	name := "cli"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name += ":" + u.Username
	}
	return auth.Actor{Name: name}
}

// newAuth is the sign-in service on st with the configured session limits.
func newAuth(cfg *config.Config, st store.Store) *auth.Service {
	return auth.New(st, auth.Options{Idle: cfg.Security.SessionIdle, MaxAge: cfg.Security.SessionMaxAge, Issuer: cfg.Site.Title})
}

// authRunE is the RunE of a command that works through the sign-in
// service: run gets the command, its arguments and the service on the
// configured store, which is closed when run returns.
func (a *app) authRunE(run func(cmd *cobra.Command, args []string, svc *auth.Service) error) func(*cobra.Command, []string) error {
	return a.storeRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error {
		return run(cmd, args, newAuth(cfg, st))
	})
}

func newUsersCmd(a *app) *cobra.Command {
	return group("users", "Manage console and API users (admin, editor, viewer)",
		newUsersAddCmd(a), newUsersListCmd(a), newUsersRemoveCmd(a), newUsersSetRoleCmd(a),
		newUsersResetPasswordCmd(a), newUsersTOTPCmd(a))
}

// readPassword asks twice on a terminal, or reads one line from stdin
// with --password-stdin.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	in := cmd.InOrStdin()
	if fromStdin {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("--password-stdin: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("--password-stdin: no password on standard input")
		}
		return pw, nil
	}
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal: use --password-stdin")
	}
	errOut := cmd.ErrOrStderr()
	fmt.Fprint(errOut, "Password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(errOut)
	if err != nil {
		return "", err
	}
	fmt.Fprint(errOut, "Password again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(errOut)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

func newUsersAddCmd(a *app) *cobra.Command {
	var role, name string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "add EMAIL --role admin|editor|viewer",
		Short: "Add a user (asks for the password twice, or reads it with --password-stdin)",
		Args:  cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if !store.Role(role).Valid() {
				return fmt.Errorf("--role: must be admin, editor or viewer, got %q", role)
			}
			return nil
		},
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return fmt.Errorf("users add %s: %w", args[0], err)
			}
			u, err := svc.AddUser(cmd.Context(), cliActor(), args[0], name, store.Role(role), pw)
			if err != nil {
				return fmt.Errorf("users add %s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s)\n", u.Email, u.Role)
			return nil
		}),
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, editor or viewer (required)")
	cmd.Flags().StringVar(&name, "name", "", "display name")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func newUsersListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users: email, name, role, second factor, created, last sign-in",
		Args:  cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			users, err := st.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			loc := cfg.Location()
			t := newTable(cmd.OutOrStdout(), "EMAIL", "NAME", "ROLE", "TOTP", "CREATED", "LAST SIGN-IN")
			for _, u := range users {
				totp := "no"
				if u.TOTPSecret != "" {
					totp = fmt.Sprintf("yes (%d recovery codes)", len(u.RecoveryCodes))
				}
				t.row(u.Email, u.Name, u.Role, totp, when(u.CreatedAt, loc, time.DateTime), when(u.LastLoginAt, loc, time.DateTime))
			}
			return t.flush()
		}),
	}
}

func newUsersRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Remove a user with their sessions and API tokens",
		Args:  cobra.ExactArgs(1),
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			if err := svc.RemoveUser(cmd.Context(), cliActor(), args[0]); err != nil {
				return noSuch("users remove", "user", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", args[0])
			return nil
		}),
	}
}

func newUsersSetRoleCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "set-role EMAIL ROLE",
		Short: "Change a user's role (admin, editor or viewer)",
		Args:  cobra.ExactArgs(2),
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			u, err := svc.SetRole(cmd.Context(), cliActor(), args[0], store.Role(args[1]))
			if err != nil {
				return noSuch("users set-role", "user", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is now %s\n", u.Email, u.Role)
			return nil
		}),
	}
}

func newUsersResetPasswordCmd(a *app) *cobra.Command {
	var stdin bool
	cmd := &cobra.Command{
		Use:   "reset-password EMAIL",
		Short: "Set a new password and end the user's sessions",
		Args:  cobra.ExactArgs(1),
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return fmt.Errorf("users reset-password %s: %w", args[0], err)
			}
			if err := svc.SetPassword(cmd.Context(), cliActor(), args[0], pw); err != nil {
				return noSuch("users reset-password", "user", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "new password set for %s; their sessions have ended\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	return cmd
}

func newUsersTOTPCmd(a *app) *cobra.Command {
	var disable bool
	cmd := &cobra.Command{
		Use:   "totp EMAIL",
		Short: "Give a user a TOTP second factor and recovery codes (shown once), or --disable it",
		Args:  cobra.ExactArgs(1),
		RunE: a.authRunE(func(cmd *cobra.Command, args []string, svc *auth.Service) error {
			out := cmd.OutOrStdout()
			if disable {
				if err := svc.DisableTOTP(cmd.Context(), cliActor(), args[0]); err != nil {
					return noSuch("users totp", "user", args[0], err)
				}
				fmt.Fprintf(out, "second factor removed for %s\n", args[0])
				return nil
			}
			s, err := svc.EnableTOTP(cmd.Context(), cliActor(), args[0])
			if err != nil {
				return noSuch("users totp", "user", args[0], err)
			}
			fmt.Fprintf(out, "secret: %s\nURI (for an authenticator app): %s\n\nrecovery codes (each works once; store them safely, they are not shown again):\n", s.Secret, s.URI)
			for _, c := range s.RecoveryCodes {
				fmt.Fprintln(out, "  "+c)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&disable, "disable", false, "remove the second factor")
	return cmd
}
