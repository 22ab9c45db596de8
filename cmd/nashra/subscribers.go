package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

func newSubscribersCmd(a *app) *cobra.Command {
	cmd := group("subscribers", "Add, remove and list subscribers",
		newSubscribersAddCmd(a), newSubscribersRemoveCmd(a), newSubscribersListCmd(a),
		newSubscribersImportCmd(a), newSubscribersExportCmd(a), newSubscribersUnsubscribeMailCmd(a))
	cmd.PersistentFlags().StringVar(&a.newsletter, "newsletter", "", "the newsletter (slug) to add to, remove from or list (default: the default newsletter)")
	return cmd
}

// subscribeCategories is feeds.categories as the subscribe package takes it.
func subscribeCategories(cfg *config.Config) []subscribe.Category {
	cats := make([]subscribe.Category, len(cfg.Feeds.Categories))
	for i, c := range cfg.Feeds.Categories {
		cats[i] = subscribe.Category{Name: c.Name, Slug: c.Slug, Title: c.Title}
	}
	return cats
}

// splitList splits "a,b , c" into trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func newSubscribersAddCmd(a *app) *cobra.Command {
	var name, categories string
	var force bool
	cmd := &cobra.Command{
		Use:   "add EMAIL | 'NAME <EMAIL>'",
		Short: "Add a subscriber (an address added by an admin counts as confirmed)",
		Long: "Add a subscriber. The address may carry its display name, as in 'نورة <noura@example.org>',\n" +
			"or the name may come with --name. Categories are names or slugs of known categories\n" +
			"(feeds.categories and those of stored articles).",
		Args: cobra.ExactArgs(1),
		RunE: a.storeRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			inName, email, err := subscribe.ParseAddress(args[0])
			if err != nil {
				return fmt.Errorf("subscribers add: %w", err)
			}
			switch {
			case inName != "" && name != "" && inName != name:
				return fmt.Errorf("subscribers add: two names, %q in the address and %q from --name: give one", inName, name)
			case inName != "":
				name = inName
			}
			if name, err = subscribe.CleanName(name); err != nil {
				return fmt.Errorf("subscribers add: --name: %w", err)
			}
			cat, err := subscribe.LoadCatalog(ctx, st, subscribeCategories(cfg))
			if err != nil {
				return err
			}
			cats, err := cat.Resolve(splitList(categories))
			if err != nil {
				return fmt.Errorf("subscribers add: --categories: %w", err)
			}
			nl, err := newsletterSlug(cfg, a.newsletter)
			if err != nil {
				return err
			}
			s := &store.Subscriber{
				Email: email, Name: name, Status: store.StatusConfirmed, Categories: cats,
				Source: store.SourceAdmin, Force: force,
				Follow: []store.Subscription{{Newsletter: nl, Categories: cats}},
			}
			created, err := st.AddSubscriber(ctx, s)
			switch {
			case errors.Is(err, store.ErrUnsubscribed), errors.Is(err, store.ErrBounced):
				return fmt.Errorf("subscribers add %s: %w (use --force to subscribe it again)", args[0], err)
			case err != nil:
				return fmt.Errorf("subscribers add %s: %w", args[0], err)
			}
			return addedTo(ctx, cmd.OutOrStdout(), st, s, created, nl, cats, a.newsletter != "")
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "display name")
	cmd.Flags().StringVar(&categories, "categories", "", "comma-separated category names or slugs (default: all)")
	cmd.Flags().BoolVar(&force, "force", false, "subscribe again an address that unsubscribed or bounced")
	return cmd
}

func newSubscribersRemoveCmd(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Unsubscribe an address from a newsletter, or with --all from the list (the record is kept)",
		Long: "Unsubscribe an address from --newsletter (default: the default newsletter); one that\n" +
			"follows no newsletter any more is unsubscribed from the list. --all leaves every newsletter.",
		Args: cobra.ExactArgs(1),
		RunE: a.storeRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			nl, err := newsletterSlug(cfg, a.newsletter)
			if err != nil {
				return err
			}
			if all || len(cfg.NewsletterList()) == 1 {
				if err := st.RemoveSubscriber(ctx, args[0]); err != nil {
					return noSuch("subscribers remove", "subscriber", args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "unsubscribed %s\n", args[0])
				return nil
			}
			sub, err := st.SubscriberByEmail(ctx, args[0])
			if err != nil {
				return noSuch("subscribers remove", "subscriber", args[0], err)
			}
			left, err := st.Unsubscribe(ctx, sub.ID, nl)
			if err != nil {
				return noSuch("subscribers remove", "subscription to "+nl+" of", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "unsubscribed %s from %s (%d newsletters left)\n", args[0], nl, left)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "leave every newsletter (the list)")
	return cmd
}

// addedTo reports what subscribers add did; an address already on the
// list that --newsletter names a newsletter for now follows it too.
func addedTo(ctx context.Context, out io.Writer, st store.Store, s *store.Subscriber, created bool, nl string, cats []string, named bool) error {
	switch {
	case created:
		fmt.Fprintf(out, "added %s (id %d, %s) to %s\n", s.Email, s.ID, s.Status, nl)
	case named:
		if err := st.Subscribe(ctx, s.ID, nl, cats); err != nil {
			return fmt.Errorf("subscribers add %s: %w", s.Email, err)
		}
		fmt.Fprintf(out, "%s is already on the list (id %d, %s); now follows %s\n", s.Email, s.ID, s.Status, nl)
	default:
		fmt.Fprintf(out, "%s is already on the list (id %d, %s)\n", s.Email, s.ID, s.Status)
	}
	return nil
}

func newSubscribersListCmd(a *app) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List subscribers: email, name, status, newsletters (with their categories), created",
		Long: "Lists every subscriber with the newsletters it follows, each as SLUG(categories), * for\n" +
			"all categories; with --newsletter, only the followers of that newsletter.",
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if status != "" && !store.Status(status).Valid() {
				return fmt.Errorf("--status: must be pending, confirmed, unsubscribed or bounced, got %q", status)
			}
			return nil
		},
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			only, err := namedNewsletter(cfg, a.newsletter)
			if err != nil {
				return err
			}
			return listSubscribers(cmd.Context(), cmd.OutOrStdout(), st, cfg.Location(), store.Status(status), only)
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only subscribers in this state")
	return cmd
}

// listSubscribers writes the subscribers in status ("" = all) as a table,
// each with the newsletters it follows; only, when set, keeps the
// followers of that newsletter.
func listSubscribers(ctx context.Context, out io.Writer, st store.Store, loc *time.Location, status store.Status, only string) error {
	t := newTable(out, "EMAIL", "NAME", "STATUS", "NEWSLETTERS", "CREATED")
	var after int64
	for {
		page, err := st.ListSubscribers(ctx, store.SubscriberQuery{Status: status, AfterID: after, Limit: 1000})
		if err != nil || len(page) == 0 {
			return errors.Join(err, t.flush())
		}
		subs, err := subscribe.Subscriptions(ctx, st, page)
		if err != nil {
			return err
		}
		for _, s := range page {
			var nls []string
			follows := false
			for _, sn := range subs[s.ID] {
				if sn.Status == store.Subscribed {
					nls = append(nls, sn.Newsletter+"("+catList(sn.Categories)+")")
					follows = follows || sn.Newsletter == only
				}
			}
			if only != "" && !follows {
				continue
			}
			state := string(s.Status)
			if s.Paused {
				state += " (paused)"
			}
			t.row(s.Email, s.Name, state, dash(strings.Join(nls, " ")), s.CreatedAt.In(loc).Format(time.DateTime))
		}
		after = page[len(page)-1].ID
	}
}

// catList is a category choice as "a,b", or "*" for all.
func catList(cats []string) string {
	if len(cats) == 0 {
		return "*"
	}
	return strings.Join(cats, ",")
}
