package subscribe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/lineup"
	"github.com/nashra/nashra/internal/store"
)

// Newsletter is one newsletter a reader may follow (config newsletters).
type Newsletter struct {
	// Slug names it in forms and links; the first newsletter of
	// Options.Newsletters is the default one.
	Slug, Name, Description string
	// Categories it carries (names or slugs); none means all. The forms
	// offer only these for it.
	Categories []string
}

// NewsletterChoice is a newsletter offered on the forms with its
// categories, ticked as the reader chose.
type NewsletterChoice struct {
	Newsletter
	Checked bool
	Choices []Choice
}

// Newsletters is the site's newsletters in the configured order, the
// default one first (package lineup has the rule); NewsletterList makes
// one, never empty. The console shares it with the forms.
type Newsletters []Newsletter

// NewsletterList is list, or one unnamed default newsletter when the site
// lists none.
func NewsletterList(list []Newsletter) Newsletters {
	if len(list) == 0 {
		return Newsletters{{}}
	}
	return list
}

// Find returns the newsletter slug names ("" = the default one), and
// whether it is known.
func (l Newsletters) Find(slug string) (Newsletter, bool) {
	if i := lineup.Index(l, slug, func(n Newsletter) string { return n.Slug }); i >= 0 {
		return l[i], true
	}
	return Newsletter{}, false
}

// Several reports whether readers choose among two or more newsletters
// (the forms and the console then show each one).
func (l Newsletters) Several() bool { return len(l) > 1 }

// Slugs lists the newsletters' slugs, the default first.
func (l Newsletters) Slugs() []string {
	out := make([]string, len(l))
	for i, n := range l {
		out[i] = n.Slug
	}
	return out
}

// StoreSlug is slug as the store takes it: "" for the default newsletter.
func (l Newsletters) StoreSlug(slug string) string { return lineup.StoreSlug(l[0].Slug, slug) }

// ConfigSlug is a stored subscription's newsletter as the forms name it:
// the default newsletter's stored slug is "" until the store is synced.
func (l Newsletters) ConfigSlug(stored string) string { return lineup.ConfigSlug(l[0].Slug, stored) }

// Newsletters lists the newsletters, the default one first: Options.
// Newsletters, or one unnamed newsletter when there are none.
func (s *Service) Newsletters() Newsletters { return s.nls }

// Several reports whether readers choose among two or more newsletters
// (the forms then show each one).
func (s *Service) Several() bool { return s.nls.Several() }

// offered is the part of the catalog that newsletter n carries.
func offered(cat Catalog, n Newsletter) Catalog {
	if len(n.Categories) == 0 {
		return cat
	}
	var out Catalog
	for _, c := range cat {
		if slices.ContainsFunc(n.Categories, func(x string) bool {
			return strings.EqualFold(x, c.Name) || strings.EqualFold(x, c.Slug)
		}) {
			out = append(out, c)
		}
	}
	return out
}

// NewsletterChoices lists the newsletters for the forms, each ticked when
// follow has it subscribed, with the categories it carries ticked as
// follow chose them. A newsletter with one category or none offers no
// category choice.
func (s *Service) NewsletterChoices(ctx context.Context, follow []store.Subscription) ([]NewsletterChoice, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []NewsletterChoice
	for _, n := range s.nls {
		nc := NewsletterChoice{Newsletter: n}
		var chosen []string
		for _, f := range follow {
			if s.nls.ConfigSlug(f.Newsletter) == n.Slug && f.Status != store.Unsubscribed {
				nc.Checked, chosen = true, f.Categories
			}
		}
		if off := offered(cat, n); len(off) > 1 {
			nc.Choices = choicesOf(off, chosen)
		}
		out = append(out, nc)
	}
	return out, nil
}

// choicesOf lists cat for a form, checked as in chosen.
func choicesOf(cat Catalog, chosen []string) []Choice {
	out := make([]Choice, len(cat))
	for i, c := range cat {
		label := c.Title
		if label == "" {
			label = c.Name
		}
		out[i] = Choice{Value: c.Name, Label: label, Checked: slices.ContainsFunc(chosen, func(ch string) bool {
			return strings.EqualFold(ch, c.Name)
		})}
	}
	return out
}

// msgNoNewsletter asks for at least one newsletter.
const msgNoNewsletter = "اختر نشرة واحدة على الأقل."

// cleanFollow checks the newsletters of a form: each known, once, with
// categories it carries; the result names them as the store does ("" =
// the default newsletter). None is an InputError.
func (s *Service) cleanFollow(ctx context.Context, in []store.Subscription) ([]store.Subscription, error) {
	if len(in) == 0 {
		return nil, &InputError{Field: "newsletters", Message: msgNoNewsletter}
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Subscription
	seen := map[string]bool{}
	for _, f := range in {
		n, ok := s.nls.Find(f.Newsletter)
		if !ok {
			return nil, &InputError{Field: "newsletters", Message: "اختر النشرات من القائمة المعروضة."}
		}
		if seen[n.Slug] {
			continue
		}
		seen[n.Slug] = true
		cats, err := offered(cat, n).Resolve(f.Categories)
		if err != nil {
			return nil, &InputError{Field: "categories", Message: fmt.Sprintf("اختر أقسام «%s» من القائمة المعروضة.", n.Name)}
		}
		out = append(out, store.Subscription{Newsletter: s.nls.StoreSlug(n.Slug), Categories: cats})
	}
	return out, nil
}

// Following lists the newsletters sub follows now, in the configured
// order (a subscription to a newsletter no longer configured is left out).
func (s *Service) Following(ctx context.Context, sub *store.Subscriber) ([]Newsletter, error) {
	subs, err := s.st.Subscriptions(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	var out []Newsletter
	for _, n := range s.nls {
		if slices.ContainsFunc(subs, func(f store.Subscription) bool {
			return s.nls.ConfigSlug(f.Newsletter) == n.Slug && f.Status == store.Subscribed
		}) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Joining lists the newsletters sub follows or, for a reader who left
// every one and signed up again, those it chose then and will follow
// once it confirms: what a confirmation page names.
func (s *Service) Joining(ctx context.Context, sub *store.Subscriber) ([]Newsletter, error) {
	if sub.Status != store.StatusUnsubscribed {
		return s.Following(ctx, sub)
	}
	choice, err := s.st.ReturnChoice(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	var out []Newsletter
	for _, n := range s.nls {
		if slices.ContainsFunc(choice, func(f store.Subscription) bool { return s.nls.ConfigSlug(f.Newsletter) == n.Slug }) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Subscriptions lists sub's subscriptions (left ones too), each named as
// the forms name it.
func (s *Service) Subscriptions(ctx context.Context, sub *store.Subscriber) ([]store.Subscription, error) {
	subs, err := s.st.Subscriptions(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	for i := range subs {
		subs[i].Newsletter = s.nls.ConfigSlug(subs[i].Newsletter)
	}
	return subs, nil
}

// leave makes sub leave newsletter (a store slug) and reports whether it
// followed it. Leaving the last one unsubscribes the reader, bounced or
// not, as does any link of a reader who follows none.
func (s *Service) leave(ctx context.Context, sub *store.Subscriber, newsletter string) (bool, error) {
	subs, err := s.st.Subscriptions(ctx, sub.ID)
	if err != nil {
		return false, err
	}
	want := s.nls.ConfigSlug(newsletter)
	following := slices.ContainsFunc(subs, func(f store.Subscription) bool { return f.Status == store.Subscribed })
	if following {
		if !slices.ContainsFunc(subs, func(f store.Subscription) bool {
			return s.nls.ConfigSlug(f.Newsletter) == want && f.Status == store.Subscribed
		}) {
			return false, nil
		}
		remaining, err := s.st.Unsubscribe(ctx, sub.ID, newsletter)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil || remaining > 0 {
			return err == nil, err
		}
	}
	// The last newsletter left (or a record that follows none at all).
	cur, err := s.st.GetSubscriber(ctx, sub.ID)
	if err != nil {
		return false, err
	}
	if cur.Status != store.StatusUnsubscribed {
		cur.Status, cur.UnsubscribedAt, cur.Paused = store.StatusUnsubscribed, time.Time{}, false
		if err := s.st.UpdateSubscriber(ctx, cur); err != nil {
			return false, err
		}
	}
	*sub = *cur
	return true, nil
}

// FollowStore is what SetFollow needs of the store (store.Store has it).
type FollowStore interface {
	Subscribe(ctx context.Context, subscriberID int64, newsletter string, categories []string) error
	Unsubscribe(ctx context.Context, subscriberID int64, newsletter string) (int, error)
	Subscriptions(ctx context.Context, subscriberID int64) ([]store.Subscription, error)
	DefaultNewsletter(ctx context.Context) (string, error)
}

// SetFollow makes subscriber id follow exactly follow (slugs, "" = the
// default newsletter; at least one) with their categories, and leave the
// others. The chosen ones are followed first, so that the subscriber
// never follows none on the way (which would unsubscribe them).
func SetFollow(ctx context.Context, st FollowStore, id int64, follow []store.Subscription) error {
	if len(follow) == 0 {
		return errors.New("subscribe: no newsletter to follow")
	}
	def, err := st.DefaultNewsletter(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, f := range follow {
		if err := st.Subscribe(ctx, id, f.Newsletter, f.Categories); err != nil {
			return err
		}
		keep[lineup.ConfigSlug(def, f.Newsletter)] = true
	}
	subs, err := st.Subscriptions(ctx, id)
	if err != nil {
		return err
	}
	for _, f := range subs {
		if f.Status == store.Subscribed && !keep[f.Newsletter] {
			if _, err := st.Unsubscribe(ctx, id, f.Newsletter); err != nil {
				return err
			}
		}
	}
	return nil
}

// setFollow is SetFollow on the service's store.
func (s *Service) setFollow(ctx context.Context, sub *store.Subscriber, follow []store.Subscription) error {
	return SetFollow(ctx, s.st, sub.ID, follow)
}
