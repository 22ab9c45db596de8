package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/web"
	"github.com/nashra/nashra/templates"
)

func newBuildCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "build --out DIR",
		Short: "Write every feed, index.html, article page and edition page as static files",
		Long: "Write the site as static files: every feed and index.html, each published article's page\n" +
			"(articles/SLUG/index.html, so that /articles/SLUG works on a static host), each edition's web\n" +
			"copy (digest/DATE/index.html) and their archive (digest/index.html). The sign-up form needs serve.",
		Args: cobra.NoArgs,
		RunE: a.storeRunE(func(cmd *cobra.Command, _ []string, cfg *config.Config, st store.Store) error {
			ctx := cmd.Context()
			set, err := newPublisher(a, cfg, st).Build(ctx)
			if err != nil {
				return err
			}
			if err := set.WriteDir(out); err != nil {
				return err
			}
			pages, err := writePages(ctx, a, cfg, st, out)
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(set.Files())+pages, out)
			return err
		}),
	}
	c.Flags().StringVar(&out, "out", "", "output folder (required)")
	_ = c.MarkFlagRequired("out")
	return c
}

// writePages renders the pages serve shows at /articles/SLUG, /digest/DATE
// and /digest/ into dir as PATH/index.html, and returns how many it wrote.
// Embargoed articles and drafts are left out, as serve leaves them out.
func writePages(ctx context.Context, a *app, cfg *config.Config, st store.Store, dir string) (int, error) {
	tmpl, err := templates.New(cfg.Digest.Templates)
	if err != nil {
		return 0, err
	}
	srv := web.New(pageOptions(a, cfg, st, tmpl))
	var paths []string
	arts, err := st.ListArticles(ctx, store.ArticleQuery{To: time.Now()})
	if err != nil {
		return 0, fmt.Errorf("build: list articles: %w", err)
	}
	for _, art := range arts {
		name := art.Slug
		if name == "" {
			name = art.ID
		}
		paths = append(paths, "/articles/"+name)
	}
	eds, err := st.ListEditions(ctx, 100000)
	if err != nil {
		return 0, fmt.Errorf("build: list editions: %w", err)
	}
	for _, e := range eds {
		if publicEdition(e) {
			paths = append(paths, editionPath(e.ID))
		}
	}
	paths = append(paths, "/digest/")
	for _, n := range cfg.NewsletterList()[1:] {
		paths = append(paths, "/digest/"+n.Slug+"/")
	}
	n, skipped := 0, 0
	for _, p := range paths {
		rel := strings.Trim(p, "/")
		status, body, err := srv.Render(ctx, (&url.URL{Path: p}).EscapedPath())
		if err != nil {
			return n, fmt.Errorf("build: %s: %w", p, err)
		}
		if status != http.StatusOK || strings.Contains(rel, "..") || strings.ContainsAny(rel, "\\\x00") {
			a.log.Warn("build: page not written", "path", p, "status", status)
			skipped++
			continue
		}
		file := filepath.Join(dir, filepath.FromSlash(rel), "index.html")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return n, fmt.Errorf("build: %w", err)
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			return n, fmt.Errorf("build: %w", err)
		}
		n++
	}
	if skipped > 0 {
		return n, fmt.Errorf("build: %d pages not written: %w", skipped, errPartial)
	}
	return n, nil
}
