package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

func init() { register(newSubscribersCmd) }

func newSubscribersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subscribers",
		Short: "Add, remove and list digest subscribers",
	}
	cmd.AddCommand(newSubscribersAddCmd(a), newSubscribersRemoveCmd(a), newSubscribersListCmd(a),
		newSubscribersImportCmd(a), newSubscribersExportCmd(a), newSubscribersUnsubscribeMailCmd(a))
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
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st store.Store) error {
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
				s := &store.Subscriber{
					Email: email, Name: name, Status: store.StatusConfirmed,
					Categories: cats, Source: store.SourceAdmin, Force: force,
				}
				created, err := st.AddSubscriber(ctx, s)
				switch {
				case errors.Is(err, store.ErrUnsubscribed), errors.Is(err, store.ErrBounced):
					return fmt.Errorf("subscribers add %s: %w (use --force to subscribe it again)", args[0], err)
				case err != nil:
					return fmt.Errorf("subscribers add %s: %w", args[0], err)
				}
				out := cmd.OutOrStdout()
				if created {
					fmt.Fprintf(out, "added %s (id %d, %s)\n", s.Email, s.ID, s.Status)
				} else {
					fmt.Fprintf(out, "%s is already on the list (id %d, %s)\n", s.Email, s.ID, s.Status)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "display name")
	cmd.Flags().StringVar(&categories, "categories", "", "comma-separated category names or slugs (default: all)")
	cmd.Flags().BoolVar(&force, "force", false, "subscribe again an address that unsubscribed or bounced")
	return cmd
}

func newSubscribersRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Unsubscribe an address (the record is kept, marked unsubscribed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st store.Store) error {
				if err := st.RemoveSubscriber(ctx, args[0]); err != nil {
					return noSuch("subscribers remove", "subscriber", args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "unsubscribed %s\n", args[0])
				return nil
			})
		},
	}
}

func newSubscribersListCmd(a *app) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List subscribers: email, name, status, categories, created",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if status != "" && !store.Status(status).Valid() {
				return fmt.Errorf("--status: must be pending, confirmed, unsubscribed or bounced, got %q", status)
			}
			ctx := cmd.Context()
			b, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer b.Close()
			st := b.Store
			if err := reportMerges(ctx, cmd.ErrOrStderr(), st); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "EMAIL\tNAME\tSTATUS\tCATEGORIES\tCREATED")
			loc := cfg.Location()
			var after int64
			for {
				page, err := st.ListSubscribers(ctx, store.SubscriberQuery{Status: store.Status(status), AfterID: after, Limit: 1000})
				if err != nil {
					return err
				}
				if len(page) == 0 {
					break
				}
				for _, s := range page {
					state := string(s.Status)
					if s.Paused {
						state += " (paused)"
					}
					cats := strings.Join(s.Categories, ",")
					if cats == "" {
						cats = "*"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Email, s.Name, state, cats, s.CreatedAt.In(loc).Format(time.DateTime))
				}
				after = page[len(page)-1].ID
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only subscribers in this state")
	return cmd
}
