package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

func newAuditCmd(a *app) *cobra.Command {
	var since, action, actor string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--since DURATION|YYYY-MM-DD]",
		Short: "Show the audit log, newest first: who did what to what, when, from where",
		Args:  cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			loc := cfg.Location()
			from, err := parseSince(since, time.Now(), loc)
			if err != nil {
				return err
			}
			entries, err := st.ListAudit(cmd.Context(), store.AuditQuery{Since: from, Action: action, Actor: actor, Limit: limit})
			if err != nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "TIME", "ACTOR", "ACTION", "TARGET", "ADDRESS", "DETAIL")
			for _, e := range entries {
				t.row(e.At.In(loc).Format(time.DateTime), e.Actor, e.Action, dash(e.Target), dash(e.Addr), oneLine(e.Detail))
			}
			return t.flush()
		}),
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
