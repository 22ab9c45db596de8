package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
)

func newNewslettersCmd(a *app) *cobra.Command {
	return group("newsletters", "Show the site's newsletters", &cobra.Command{
		Use:   "list",
		Short: "List each newsletter: slug, name, schedule, next edition, confirmed followers, last edition",
		Args:  cobra.NoArgs,
		RunE: a.editionsRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, ed *edition.Service, st store.Store) error {
			return listNewsletters(cmd.Context(), cfg, ed, st, cmd.OutOrStdout())
		}),
	})
}

// listNewsletters prints one line per configured newsletter, the default
// one first: its next edition due with its send time, the confirmed
// subscribers following it, and its newest recorded edition with its
// state ("-" when none).
func listNewsletters(ctx context.Context, cfg *config.Config, ed *edition.Service, st store.Store, out io.Writer) error {
	counts, err := followersBySlug(ctx, cfg, st)
	if err != nil {
		return err
	}
	nls := cfg.NewsletterList()
	t := newTable(out, "SLUG", "NAME", "SCHEDULE", "NEXT", "FOLLOWERS", "LAST")
	for i, n := range nls {
		key := n.Slug
		if i == 0 {
			key = ""
		}
		one, err := ed.For(key)
		if err != nil {
			return err
		}
		next := one.NextDue()
		if s, err := one.Get(ctx, next); err == nil && !s.SendAt.IsZero() {
			next += " (" + s.SendAt.In(cfg.Location()).Format(minuteLayout) + ")"
		}
		last := "-"
		eds, err := st.NewsletterEditions(ctx, key, 1)
		if err != nil {
			return err
		}
		if len(eds) > 0 {
			last = eds[0].ID + " " + string(eds[0].State)
		}
		t.row(n.Slug, n.Name, n.Schedule, next, counts[n.Slug], last)
	}
	return t.flush()
}

// followersBySlug counts the confirmed followers of each configured
// newsletter (0 for one nobody follows), by its config slug; the store's
// unnamed default newsletter ("") counts as the first one.
func followersBySlug(ctx context.Context, cfg *config.Config, st store.Store) (map[string]int, error) {
	counts, err := st.CountFollowers(ctx)
	if err != nil || cfg == nil {
		return counts, err
	}
	out := map[string]int{}
	for i, n := range cfg.NewsletterList() {
		out[n.Slug] = counts[n.Slug]
		if i == 0 {
			out[n.Slug] += counts[""]
		}
	}
	return out, nil
}
