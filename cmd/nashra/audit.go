package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

func init() { register(newAuditCmd) }

func newAuditCmd(a *app) *cobra.Command {
	var since, action, actor string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--since DURATION|YYYY-MM-DD]",
		Short: "Show the audit log, newest first: who did what to what, when, from where",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st store.Store) error {
				loc := cfg.Location()
				from, err := parseSince(since, time.Now(), loc)
				if err != nil {
					return err
				}
				entries, err := st.ListAudit(ctx, store.AuditQuery{Since: from, Action: action, Actor: actor, Limit: limit})
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "TIME\tACTOR\tACTION\tTARGET\tADDRESS\tDETAIL")
				for _, e := range entries {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.In(loc).Format(time.DateTime), e.Actor, e.Action,
						dash(e.Target), dash(e.Addr), oneLine(e.Detail))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only entries since a duration ago (24h, 90m) or a day (YYYY-MM-DD, site time zone)")
	cmd.Flags().StringVar(&action, "action", "", "only this action (login.failed, user.add, edition.approve…)")
	cmd.Flags().StringVar(&actor, "actor", "", "only this actor (an email, cli:USER, system)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many entries (0 = all)")
	return cmd
}

// parseSince reads --since: a Go duration before now, or a day in loc.
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: a duration must be positive", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration such as 24h or a day YYYY-MM-DD", s)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
