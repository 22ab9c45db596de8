package subscribe

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nashra/nashra/feeds"
)

// Category is a configured category (feeds.categories): Name is what
// articles and subscribers store, Slug its feed path segment ("" = derived
// from Name as the feeds derive it), Title what pages show ("" = Name).
type Category struct{ Name, Slug, Title string }

// CategoryLister lists the categories of stored articles.
type CategoryLister interface {
	Categories(ctx context.Context) ([]string, error)
}

// Catalog is the set of categories a subscriber may choose: the configured
// ones first, in their order, then those of stored articles, each once
// (names compared without case), every one with its slug filled in.
type Catalog []Category

// LoadCatalog builds the catalog from the configuration and the store.
func LoadCatalog(ctx context.Context, st CategoryLister, configured []Category) (Catalog, error) {
	fc := make([]feeds.Category, len(configured))
	for i, c := range configured {
		fc[i] = feeds.Category{Name: c.Name, Slug: c.Slug, Title: c.Title}
	}
	var out Catalog
	add := func(c Category) {
		c.Name = strings.TrimSpace(c.Name)
		if c.Name == "" || slices.ContainsFunc(out, func(o Category) bool { return strings.EqualFold(o.Name, c.Name) }) {
			return
		}
		if c.Slug == "" {
			c.Slug = feeds.Slug(c.Name, fc)
		}
		out = append(out, c)
	}
	for _, c := range configured {
		add(c)
	}
	stored, err := st.Categories(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: categories: %w", err)
	}
	for _, c := range stored {
		add(Category{Name: c})
	}
	return out, nil
}

// Find returns the category named s, or whose slug is s (both compared
// without case, spaces trimmed).
func (c Catalog) Find(s string) (Category, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Category{}, false
	}
	for _, k := range c {
		if strings.EqualFold(k.Name, s) {
			return k, true
		}
	}
	for _, k := range c {
		if strings.EqualFold(k.Slug, s) {
			return k, true
		}
	}
	return Category{}, false
}

// UnknownCategoryError names a category that is in no catalog entry, and
// what would have been accepted.
type UnknownCategoryError struct {
	Name  string
	Valid Catalog
}

func (e *UnknownCategoryError) Error() string {
	if len(e.Valid) == 0 {
		return fmt.Sprintf("unknown category %q (no categories yet: configure feeds.categories or import articles first)", e.Name)
	}
	return fmt.Sprintf("unknown category %q (valid: %s)", e.Name, e.Valid)
}

// String lists the catalog as "name (slug), …".
func (c Catalog) String() string {
	parts := make([]string, len(c))
	for i, k := range c {
		parts[i] = k.Name
		if k.Slug != k.Name {
			parts[i] += " (" + k.Slug + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// Resolve maps category names or slugs to the names subscribers store
// (spelled as the catalog spells them), each once, in the order given.
// Blank entries are dropped; none at all means every category (nil). The
// first unknown one is an *UnknownCategoryError.
func (c Catalog) Resolve(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, ok := c.Find(s)
		if !ok {
			return nil, &UnknownCategoryError{Name: strings.TrimSpace(s), Valid: c}
		}
		if !slices.Contains(out, k.Name) {
			out = append(out, k.Name)
		}
	}
	return out, nil
}

// Catalog is LoadCatalog with the service's configured categories: what
// the forms offer and every import should accept.
func (s *Service) Catalog(ctx context.Context) (Catalog, error) {
	return LoadCatalog(ctx, s.st, s.o.Categories)
}
