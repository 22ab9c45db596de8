package delivery

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/lineup"
	"github.com/nashra/nashra/internal/store"
)

// ErrUnknownNewsletter: an edition ID or a slug names no configured
// newsletter.
var ErrUnknownNewsletter = errors.New("delivery: no such newsletter")

// Newsletter is one of the site's newsletters as the service builds and
// sends it. Its editions are named store.EditionID(slug, day), the
// default newsletter's by their day alone.
type Newsletter struct {
	// Slug names it; it may be "" for the default newsletter when the
	// site lists none.
	Slug string
	// Default marks the newsletter that took over the single digest.
	Default bool
	// Name is shown to readers (and in subjects, for all but the default
	// newsletter, whose subject keeps the site title).
	Name string
	// Digest builds its editions: window, send time, cap, categories,
	// weekly layout.
	Digest digest.Options
	// RequireApproval holds each edition until an editor approves it.
	RequireApproval bool
	// FromName is the sender's display name ("" = Options.FromName).
	FromName string
	// ListID is its List-Id header ("" = derived from Options.ListID for
	// the default newsletter, "Name <slug.DOMAIN>" for the others).
	ListID string
	// Schedule is its cron in the site time zone (queue and NextDue).
	Schedule string
}

// Key is the newsletter as the store's arguments name it: "" for the
// default one.
func (n *Newsletter) Key() string {
	if n.Default {
		return ""
	}
	return n.Slug
}

// EditionID is the ledger ID of its edition of day.
func (n *Newsletter) EditionID(day string) string { return store.EditionID(n.Key(), day) }

// newslettersWithDefaults fills o.Newsletters: the single digest of o when
// there is none, and each one's sender, List-Id and digest options.
func newslettersWithDefaults(o Options) []Newsletter {
	list := append([]Newsletter(nil), o.Newsletters...)
	if len(list) == 0 {
		list = []Newsletter{{Default: true, Digest: o.Digest, RequireApproval: o.RequireApproval}}
	}
	list[0].Default = true
	for i := range list {
		n := &list[i]
		if n.FromName == "" {
			n.FromName = o.FromName
		}
		if n.ListID == "" {
			n.ListID = o.ListID
			if !n.Default {
				n.ListID = listID(n.Name, n.Slug, o.MessageDomain)
			}
		}
	}
	return list
}

// listID is "name <slug.domain>".
func listID(name, slug, domain string) string {
	if domain == "" {
		domain = "localhost"
	}
	if strings.TrimSpace(name) == "" {
		return slug + "." + domain
	}
	return name + " <" + slug + "." + domain + ">"
}

// Newsletters returns the site's newsletters, the default one first.
func (s *Service) Newsletters() []Newsletter { return append([]Newsletter(nil), s.nls...) }

// Newsletter returns the newsletter with slug ("" = the default one).
func (s *Service) Newsletter(slug string) (*Newsletter, error) {
	i := lineup.Index(s.nls, slug, func(n Newsletter) string { return n.Slug })
	if i < 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnknownNewsletter, slug)
	}
	return &s.nls[i], nil
}

// EditionID is the ledger ID of newsletter slug's edition of day ("" =
// the default newsletter).
func (s *Service) EditionID(slug, day string) (string, error) {
	n, err := s.Newsletter(slug)
	if err != nil {
		return "", err
	}
	return n.EditionID(day), nil
}

// edition ID → its newsletter and day.
func (s *Service) split(id string) (*Newsletter, string, error) {
	slug, day, err := store.SplitEditionID(id)
	if err != nil {
		return nil, "", fmt.Errorf("delivery: %w", err)
	}
	n, err := s.Newsletter(slug)
	if err != nil {
		return nil, "", fmt.Errorf("edition %s: %w", id, err)
	}
	return n, day, nil
}

// nextDue is the day of n's next send at or after now: the next firing of
// its schedule, or (no schedule) digest.DayOf.
func (s *Service) nextDue(n *Newsletter, now time.Time) string {
	loc := n.Digest.Location
	if loc == nil {
		loc = time.UTC
	}
	if n.Schedule != "" {
		if sched, err := Schedule(n.Schedule, loc); err == nil {
			return sched.Next(now.Add(-time.Second)).In(loc).Format(digest.DayLayout)
		}
	}
	return digest.DayOf(now, n.Digest)
}

// newsletterOf is the newsletter of a built edition (the default one for
// an ID that names none configured).
func (s *Service) newsletterOf(e *digest.Edition) *Newsletter {
	if n, _, err := s.split(e.ID); err == nil {
		return n
	}
	return &s.nls[0]
}

// title heads the newsletter's emails and subjects: the site title for
// the default newsletter (as before there were several), its name for
// the others.
func (s *Service) title(n *Newsletter) string {
	if n.Default || strings.TrimSpace(n.Name) == "" {
		return s.o.SiteTitle
	}
	return n.Name
}

// LastDueOf is the ID of newsletter slug's latest edition whose scheduled
// cut-off has passed: the last firing of its schedule (within a year).
func (s *Service) LastDueOf(slug string) (string, error) {
	n, err := s.Newsletter(slug)
	if err != nil {
		return "", err
	}
	loc := n.Digest.Location
	if loc == nil {
		loc = time.UTC
	}
	now := s.now().In(loc)
	next, err := time.ParseInLocation(digest.DayLayout, s.nextDue(n, now), loc)
	if err != nil {
		return "", fmt.Errorf("delivery: %w", err)
	}
	sched, err := Schedule(n.Schedule, loc)
	if n.Schedule == "" || err != nil { // a daily edition: the day before
		return n.EditionID(next.AddDate(0, 0, -1).Format(digest.DayLayout)), nil
	}
	for d := next.AddDate(0, 0, -1); now.Sub(d) < 400*24*time.Hour; d = d.AddDate(0, 0, -1) {
		if fire := sched.Next(d.Add(-time.Second)); fire.In(loc).Format(digest.DayLayout) == d.Format(digest.DayLayout) && !fire.After(now) {
			return n.EditionID(d.Format(digest.DayLayout)), nil
		}
	}
	return "", fmt.Errorf("delivery: newsletter %s: no send in the last year", n.Slug)
}
