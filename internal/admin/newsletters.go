package admin

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

// followRow is one newsletter on a subscriber's page.
type followRow struct {
	Slug, Name string
	Following  bool
	// Categories chosen for it (none = all).
	Categories []string
}

// followRows lists every configured newsletter for subscriber id, with
// whether it follows it and its categories.
func (c *Console) followRows(ctx context.Context, id int64) ([]followRow, error) {
	subs, err := c.o.Store.Subscriptions(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []followRow
	for _, n := range c.nls {
		f, ok := c.subscribedTo(subs, n.Slug)
		out = append(out, followRow{Slug: n.Slug, Name: n.Name, Following: ok, Categories: f.Categories})
	}
	return out, nil
}

// subscribedTo finds, in one subscriber's subscriptions, the one that
// follows the configured newsletter slug.
func (c *Console) subscribedTo(subs []store.Subscription, slug string) (store.Subscription, bool) {
	i := slices.IndexFunc(subs, func(f store.Subscription) bool {
		return c.nls.ConfigSlug(f.Newsletter) == slug && f.Status == store.Subscribed
	})
	if i < 0 {
		return store.Subscription{}, false
	}
	return subs[i], true
}

// followNames maps each of subs to the newsletters it follows, for the
// subscribers list: "name" (every category) or "name: cat، cat".
func (c *Console) followNames(ctx context.Context, subs []store.Subscriber) (map[int64][]string, error) {
	m, err := subscribe.Subscriptions(ctx, c.o.Store, subs)
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for id, list := range m {
		for _, n := range c.nls {
			f, ok := c.subscribedTo(list, n.Slug)
			if !ok {
				continue
			}
			label := n.Name
			if len(f.Categories) > 0 {
				label += ": " + strings.Join(f.Categories, "، ")
			}
			out[id] = append(out[id], label)
		}
	}
	return out, nil
}

// followError is a newsletter choice the console or API refuses; the
// message is English for the API, Flash the console's code.
type followError struct{ msg string }

func (e *followError) Error() string { return e.msg }

// cleanFollow checks newsletters chosen in the console or the API: known
// slugs, each once, with known categories; at least one. The result names
// them as the store does.
func (c *Console) cleanFollow(ctx context.Context, in []store.Subscription) ([]store.Subscription, error) {
	if len(in) == 0 {
		return nil, &followError{"newsletters must name at least one newsletter (to leave them all, set status to unsubscribed)"}
	}
	cat, err := c.catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Subscription
	for _, f := range in {
		if !slices.Contains(c.nls.Slugs(), f.Newsletter) || slices.ContainsFunc(out, func(o store.Subscription) bool { return o.Newsletter == c.nls.StoreSlug(f.Newsletter) }) {
			return nil, &followError{fmt.Sprintf("newsletter %q is unknown or given twice (newsletters: %s)", f.Newsletter, strings.Join(c.nls.Slugs(), ", "))}
		}
		cats, err := cat.Resolve(f.Categories)
		if err != nil {
			return nil, &followError{fmt.Sprintf("newsletter %q: %v", f.Newsletter, err)}
		}
		out = append(out, store.Subscription{Newsletter: c.nls.StoreSlug(f.Newsletter), Categories: cats})
	}
	return out, nil
}

// followForm reads the newsletters ticked on the subscriber page
// ("newsletters", each with "categories-SLUG").
func followForm(r *http.Request) []store.Subscription {
	var out []store.Subscription
	for _, slug := range r.PostForm["newsletters"] {
		var cats []string
		for _, x := range r.PostForm["categories-"+slug] {
			if x = strings.TrimSpace(x); x != "" {
				cats = append(cats, x)
			}
		}
		out = append(out, store.Subscription{Newsletter: slug, Categories: cats})
	}
	return out
}

// apiFollow is one newsletter a subscriber follows, in the API.
type apiFollow struct {
	Newsletter string   `json:"newsletter"`
	Categories []string `json:"categories"`
}

// follows lists the newsletters each of ids follows, by subscriber ID, in
// the configured order: for the API and the audit log.
func (c *Console) follows(ctx context.Context, ids []int64) (map[int64][]apiFollow, error) {
	m, err := c.o.Store.SubscriptionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64][]apiFollow{}
	for _, id := range ids {
		out[id] = []apiFollow{}
		for _, n := range c.nls {
			if f, ok := c.subscribedTo(m[id], n.Slug); ok {
				cats := f.Categories
				if cats == nil {
					cats = []string{}
				}
				out[id] = append(out[id], apiFollow{Newsletter: n.Slug, Categories: cats})
			}
		}
	}
	return out, nil
}

// describeFollows is a subscriber's newsletters for the audit log:
// "daily [all]; weekly [اقتصاد]".
func describeFollows(in []apiFollow) string {
	var parts []string
	for _, f := range in {
		cats := "all"
		if len(f.Categories) > 0 {
			cats = strings.Join(f.Categories, ", ")
		}
		parts = append(parts, f.Newsletter+" ["+cats+"]")
	}
	return strings.Join(parts, "; ")
}

// apiFollowOf checks the newsletters of an API body (nil: the body
// gives none) and names them as the store does; a refused choice is 422
// invalid_newsletters, and ok false says an answer was written.
func (c *Console) apiFollowOf(w http.ResponseWriter, r *http.Request, in *[]apiFollow) (follow []store.Subscription, ok bool) {
	if in == nil {
		return nil, true
	}
	for _, f := range *in {
		follow = append(follow, store.Subscription{Newsletter: f.Newsletter, Categories: f.Categories})
	}
	follow, err := c.cleanFollow(r.Context(), follow)
	if fe, bad := err.(*followError); bad {
		apiError(w, http.StatusUnprocessableEntity, "invalid_newsletters", fe.msg)
		return nil, false
	} else if err != nil {
		c.apiInternal(w, r, err)
		return nil, false
	}
	return follow, true
}

// newsletterRows lists each configured newsletter, the default one first,
// with its confirmed followers and next edition: GET /api/v1/newsletters,
// and the dashboard's card on a site with several.
func (c *Console) newsletterRows(ctx context.Context) ([]newsletterRow, error) {
	counts, err := c.o.Store.CountFollowers(ctx)
	if err != nil {
		return nil, err
	}
	byConfig := map[string]int{}
	for stored, n := range counts {
		byConfig[c.nls.ConfigSlug(stored)] += n
	}
	var out []newsletterRow
	for _, n := range c.nls {
		row := newsletterRow{Slug: n.Slug, Name: n.Name, Description: n.Description, Followers: byConfig[n.Slug]}
		if c.o.Editions != nil {
			if ed, err := c.o.Editions.For(c.nls.StoreSlug(n.Slug)); err == nil {
				row.Next = ed.NextDue()
				if e, err := ed.Get(ctx, row.Next); err == nil {
					row.NextAt = e.SendAt
				}
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// apiNewsletters lists the site's newsletters, the default one first, with
// their confirmed followers and next edition (the dashboard's card).
func (c *Console) apiNewsletters(w http.ResponseWriter, r *http.Request, _ *caller) {
	rows, err := c.newsletterRows(r.Context())
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[newsletterRow]{Data: rows})
}
