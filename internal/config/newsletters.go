package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/nashra/nashra/internal/lineup"
	"github.com/nashra/nashra/internal/store"
)

// Newsletter is one entry of the newsletters list: an email a reader can
// follow, with its own schedule and categories. Empty fields take the
// digest.* (and mail.from_name) value.
type Newsletter struct {
	// Slug names it in URLs (/digest/{slug}/{date}), edition IDs, List-Id
	// and the --newsletter flag: lower-case letters, digits, hyphens.
	Slug        string `mapstructure:"slug"`
	Name        string `mapstructure:"name"`
	Description string `mapstructure:"description"`
	// Schedule is a cron expression in the site time zone ("0 7 * * *"
	// daily at 07:00, "0 9 * * 5" Fridays at 09:00).
	Schedule string `mapstructure:"schedule"`
	// Categories it carries; none means all.
	Categories  []string `mapstructure:"categories"`
	MaxArticles int      `mapstructure:"max_articles"`
	// Approval is none or required (as digest.approval).
	Approval string `mapstructure:"approval"`
	// FromName is the sender's display name (default mail.from_name).
	FromName string `mapstructure:"from_name"`
	// Template is daily (stories by category) or weekly (by category and
	// day).
	Template string `mapstructure:"template"`
	// Window is how far back the first edition reaches (later editions
	// start where the previous one ended): default 24h for daily, 168h
	// for weekly.
	Window time.Duration `mapstructure:"window"`
}

// DefaultNewsletterSlug is the slug of the newsletter that digest.*
// defines when the config lists no newsletters.
const DefaultNewsletterSlug = "daily"

// Newsletter templates.
const (
	TemplateDaily  = "daily"
	TemplateWeekly = "weekly"
)

// NewsletterList is the site's newsletters with every field filled, the
// default one first: the newsletters list, or, when there is none, one
// newsletter "daily" made of digest.*.
func (c *Config) NewsletterList() []Newsletter {
	list := c.Newsletters
	if len(list) == 0 {
		list = []Newsletter{{Slug: DefaultNewsletterSlug, Name: "النشرة اليومية", Schedule: c.Digest.Schedule,
			Window: c.Digest.Window}}
	}
	out := make([]Newsletter, len(list))
	for i, n := range list {
		if n.Template == "" {
			n.Template = TemplateDaily
		}
		if n.Schedule == "" {
			n.Schedule = c.Digest.Schedule
		}
		if n.MaxArticles == 0 {
			n.MaxArticles = c.Digest.MaxArticles
		}
		if n.Approval == "" {
			n.Approval = c.Digest.Approval
		}
		if n.FromName == "" {
			n.FromName = c.Mail.FromName
		}
		if n.Window == 0 {
			n.Window = 24 * time.Hour
			if n.Template == TemplateWeekly {
				n.Window = 7 * 24 * time.Hour
			}
		}
		out[i] = n
	}
	return out
}

// FindNewsletter returns the newsletter with slug ("" = the default one)
// from NewsletterList, and whether there is one.
func (c *Config) FindNewsletter(slug string) (Newsletter, bool) {
	list := c.NewsletterList()
	if i := lineup.Index(list, slug, func(n Newsletter) string { return n.Slug }); i >= 0 {
		return list[i], true
	}
	return Newsletter{}, false
}

// NewsletterSlugs lists the slugs of NewsletterList, the default first.
func (c *Config) NewsletterSlugs() []string {
	var out []string
	for _, n := range c.NewsletterList() {
		out = append(out, n.Slug)
	}
	return out
}

// RequireApproval reports approval: required.
func (n Newsletter) RequireApproval() bool { return n.Approval == "required" }

// validateNewsletters checks the newsletters list, naming each key
// newsletters[i].field.
func (c *Config) validateNewsletters(bad func(key, format string, args ...any)) {
	seen := map[string]int{}
	for i, n := range c.Newsletters {
		key := func(f string) string { return fmt.Sprintf("newsletters[%d].%s", i, f) }
		if !store.ValidSlug(n.Slug) {
			bad(key("slug"), "must be 1-40 lower-case letters, digits and hyphens, not starting or ending with a hyphen (store.ValidSlug), got %q", n.Slug)
		} else if j, dup := seen[n.Slug]; dup {
			bad(key("slug"), "%q is used twice (also newsletters[%d])", n.Slug, j)
		}
		seen[n.Slug] = i
		if strings.TrimSpace(n.Name) == "" {
			bad(key("name"), "must not be empty")
		}
		if n.Schedule != "" {
			if _, err := cron.ParseStandard(n.Schedule); err != nil {
				bad(key("schedule"), "must be a cron expression such as \"0 7 * * *\" (daily at 07:00) or \"0 9 * * 5\" (Fridays at 09:00): %v", err)
			}
		}
		for j, cat := range n.Categories {
			if strings.TrimSpace(cat) == "" {
				bad(fmt.Sprintf("newsletters[%d].categories[%d]", i, j), "must not be empty")
			}
		}
		if n.MaxArticles < 0 {
			bad(key("max_articles"), "must be at least 1 (or absent for digest.max_articles), got %d", n.MaxArticles)
		}
		if n.Approval != "" {
			oneOf(bad, key("approval"), n.Approval, "none", "required")
		}
		if n.Template != "" {
			oneOf(bad, key("template"), n.Template, TemplateDaily, TemplateWeekly)
		}
		if n.Window != 0 && n.Window < time.Hour {
			bad(key("window"), "must be at least 1h, got %s", n.Window)
		}
	}
}
