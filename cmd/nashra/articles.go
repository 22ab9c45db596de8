package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
)

func newArticlesCmd(a *app) *cobra.Command {
	return group("articles", "List, unpublish, publish and delete articles",
		newArticlesListCmd(a), newArticlesSlugCmd(a, "unpublish"), newArticlesSlugCmd(a, "publish"), newArticlesSlugCmd(a, "delete"))
}

func newArticlesListCmd(a *app) *cobra.Command {
	var category, source string
	cmd := &cobra.Command{
		Use:   "list [--category C] [--source S]",
		Short: "List articles, newest first, with their state (drafts and unpublished ones too)",
		Long: "List articles, newest first: slug, state, category, publication time, title and where it came from.\n" +
			"--category takes a category name; --source a source (its ID or URL, see `nashra sources list`),\n" +
			"or a file or folder the articles were imported from.",
		Args: cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			keep, err := sourceFilter(ctx, st, source)
			if err != nil {
				return err
			}
			arts, err := st.ListArticles(ctx, store.ArticleQuery{Category: strings.TrimSpace(category), IncludeDrafts: true})
			if err != nil {
				return err
			}
			withdrawn, err := st.WithdrawnArticles(ctx)
			if err != nil {
				return err
			}
			loc := cfg.Location()
			t := newTable(cmd.OutOrStdout(), "SLUG", "STATE", "CATEGORY", "PUBLISHED", "TITLE", "FROM")
			for _, x := range arts {
				if keep != nil && !keep(&x) {
					continue
				}
				from := x.SourcePath
				if from == "" {
					from = x.SourceURL
				}
				t.row(x.Slug, articleState(&x, withdrawn[x.ID]), x.Category, x.Published.In(loc).Format(time.DateTime), x.Title, from)
			}
			return t.flush()
		}),
	}
	cmd.Flags().StringVar(&category, "category", "", "only articles of this category")
	cmd.Flags().StringVar(&source, "source", "", "only articles from this source (ID or URL) or file or folder")
	return cmd
}

// articleState is the STATE column of articles list.
func articleState(a *article.Article, withdrawn string) string {
	switch {
	case withdrawn == store.WithdrawnByAdmin:
		return "unpublished"
	case withdrawn == store.WithdrawnFileGone:
		return "unpublished (file removed)"
	case a.Draft:
		return "draft"
	}
	return "published"
}

// sourceFilter turns --source into a test on articles: a source by ID or
// URL, else a file or folder the articles were imported from.
func sourceFilter(ctx context.Context, st store.Store, source string) (func(*article.Article) bool, error) {
	source = strings.TrimSpace(source)
	if source == "" {
		return nil, nil
	}
	var src *store.Source
	if id, err := strconv.ParseInt(source, 10, 64); err == nil {
		list, err := st.ListSources(ctx)
		if err != nil {
			return nil, err
		}
		for i := range list {
			if list[i].ID == id {
				src = &list[i]
			}
		}
	} else if s, err := st.SourceByURL(ctx, source); err == nil {
		src = s
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if src != nil {
		ids, err := st.SourceArticleIDs(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		set := make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		return func(a *article.Article) bool { return set[a.ID] }, nil
	}
	if strings.Contains(source, "://") {
		return nil, fmt.Errorf("articles list: --source %s: no such source (see nashra sources list)", source)
	}
	root, err := filepath.Abs(source)
	if err != nil {
		return nil, fmt.Errorf("articles list: --source: %w", err)
	}
	return func(a *article.Article) bool {
		if a.SourcePath == "" {
			return false
		}
		p, err := filepath.Abs(a.SourcePath)
		return err == nil && (p == root || strings.HasPrefix(p, root+string(filepath.Separator)))
	}, nil
}

// newArticlesSlugCmd is articles unpublish|publish|delete SLUG.
func newArticlesSlugCmd(a *app, verb string) *cobra.Command {
	short := map[string]string{
		"unpublish": "Withhold an article from feeds, pages and the next editions (kept; publish brings it back)",
		"publish":   "Publish again an unpublished article",
		"delete":    "Erase an article (unpublish keeps it instead)",
	}[verb]
	return &cobra.Command{
		Use:   verb + " SLUG",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.storeRunE(func(cmd *cobra.Command, args []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			slug := args[0]
			p := newPublisher(a, cfg, st)
			out := cmd.OutOrStdout()
			audit := func(x *article.Article) error {
				// The same action names as the console's.
				return newAuth(cfg, st).Audit(ctx, cliActor(), "article."+verb, x.Slug, x.Title)
			}
			switch verb {
			case "unpublish":
				x, err := p.Unpublish(ctx, slug)
				if err != nil {
					return fmt.Errorf("articles unpublish: %w", err)
				}
				fmt.Fprintf(out, "unpublished %s (%s)\n", x.Slug, x.Title)
				return audit(x)
			case "publish":
				x, draft, err := p.Publish(ctx, slug)
				if err != nil {
					return fmt.Errorf("articles publish: %w", err)
				}
				if draft {
					fmt.Fprintf(out, "%s stays a draft: its file %s says so (draft: true)\n", x.Slug, x.SourcePath)
					return nil
				}
				fmt.Fprintf(out, "published %s (%s)\n", x.Slug, x.Title)
				return audit(x)
			case "delete":
				x, left, err := p.Delete(ctx, slug)
				if err != nil {
					return fmt.Errorf("articles delete: %w", err)
				}
				fmt.Fprintf(out, "deleted %s (%s)\n", x.Slug, x.Title)
				if left != "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "nashra: its file %s is still there: the next import brings the article back (remove the file, or use articles unpublish)\n", left)
				}
				return audit(x)
			}
			return nil
		}),
	}
}
