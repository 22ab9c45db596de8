package store

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// SubscriptionStatus is where a subscriber stands with one newsletter.
type SubscriptionStatus string

// Subscription states.
const (
	Subscribed   SubscriptionStatus = "subscribed"
	Unsubscribed SubscriptionStatus = "unsubscribed"
)

// Subscription is a subscriber's choice of one newsletter.
type Subscription struct {
	SubscriberID int64
	// Newsletter is the newsletter's slug; "" names the default newsletter
	// in arguments (stored rows carry the slug).
	Newsletter string
	Status     SubscriptionStatus
	// Categories chosen for this newsletter; none means all.
	Categories []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RecipientQuery pages through the recipients of one newsletter by
// subscriber ID.
type RecipientQuery struct {
	// Newsletter is the slug; "" = the default newsletter.
	Newsletter string
	AfterID    int64
	// Limit caps the page; 0 means no limit.
	Limit int
}

// Newsletters keeps which newsletters exist, who follows each, and which
// edition belongs to which. In every method a newsletter "" is the default
// newsletter (the one that took over the single daily digest).
type Newsletters interface {
	// SyncNewsletters records the configured newsletters, slugs[0] being
	// the default one. The first call names the default newsletter (until
	// then its slug is "", holding the subscribers and editions of the
	// single digest); later calls add new slugs. A default newsletter
	// already named otherwise gives ErrConflict: its editions are the ones
	// at the old archive paths, and it stays the default. Every command
	// calls it when it opens the store: when every slug is recorded
	// already it only reads, opening no write transaction.
	SyncNewsletters(ctx context.Context, slugs []string) error
	// DefaultNewsletter is the default newsletter's slug ("" until named).
	DefaultNewsletter(ctx context.Context) (string, error)
	// Subscribe makes subscriber id follow newsletter with categories
	// (again, if it had left it). An unknown subscriber or newsletter
	// gives ErrNotFound.
	Subscribe(ctx context.Context, subscriberID int64, newsletter string, categories []string) error
	// SetReturnChoice keeps the newsletters, with their categories, that
	// a subscriber who left chose when signing up again, replacing an
	// earlier choice: when UpdateSubscriber brings it back (pending or
	// confirmed while following none) it follows them, not the default
	// newsletter, and the choice is forgotten. An unknown subscriber
	// gives ErrNotFound.
	SetReturnChoice(ctx context.Context, subscriberID int64, follow []Subscription) error
	// ReturnChoice is the choice SetReturnChoice keeps for subscriber id
	// and that has not yet been used (nil when there is none).
	ReturnChoice(ctx context.Context, subscriberID int64) ([]Subscription, error)
	// Unsubscribe makes subscriber id leave newsletter and reports how many
	// newsletters it still follows. One that follows none any more becomes
	// unsubscribed. A subscription that does not exist gives ErrNotFound.
	Unsubscribe(ctx context.Context, subscriberID int64, newsletter string) (remaining int, err error)
	// Subscriptions lists subscriber id's subscriptions (left ones too), by
	// slug.
	Subscriptions(ctx context.Context, subscriberID int64) ([]Subscription, error)
	// SubscriptionsOf maps each of ids to its subscriptions, by slug.
	SubscriptionsOf(ctx context.Context, ids []int64) (map[int64][]Subscription, error)
	// ListRecipients returns, in ID order, the confirmed, non-paused
	// subscribers following the newsletter, with that newsletter's
	// categories in Categories.
	ListRecipients(ctx context.Context, q RecipientQuery) ([]Subscriber, error)
	// Recipient is subscriber id as a recipient of edition editionID: its
	// categories are those chosen for the edition's newsletter, and its
	// status is unsubscribed when it does not follow that newsletter.
	Recipient(ctx context.Context, editionID string, subscriberID int64) (*Subscriber, error)
	// CountFollowers counts, per newsletter slug, the confirmed subscribers
	// following it.
	CountFollowers(ctx context.Context) (map[string]int, error)
	// NewsletterEditions returns the newsletter's editions, newest first,
	// without their bodies (as ListEditions).
	NewsletterEditions(ctx context.Context, newsletter string, limit int) ([]Edition, error)
}

// dayLayout is an edition day.
const dayLayout = "2006-01-02"

// slugRE is what a newsletter slug looks like: it appears in URLs, edition
// IDs and List-Id headers.
var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// ValidSlug reports whether s can name a newsletter: 1-40 lower-case ASCII
// letters, digits and inner hyphens.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// EditionID is the ledger ID of a newsletter's edition of day: the day
// itself for the default newsletter (newsletter ""), so that its editions
// keep the IDs, archive paths and Message-IDs of the single digest;
// "slug.day" for the others.
func EditionID(newsletter, day string) string {
	if newsletter == "" {
		return day
	}
	return newsletter + "." + day
}

// SplitEditionID is EditionID's inverse: newsletter "" for the default
// one. An ID that is neither form gives an error.
func SplitEditionID(id string) (newsletter, day string, err error) {
	if len(id) < len(dayLayout) {
		return "", "", fmt.Errorf("edition ID %q: want YYYY-MM-DD or SLUG.YYYY-MM-DD", id)
	}
	day = id[len(id)-len(dayLayout):]
	if _, err := time.Parse(dayLayout, day); err != nil {
		return "", "", fmt.Errorf("edition ID %q: want YYYY-MM-DD or SLUG.YYYY-MM-DD", id)
	}
	if len(id) == len(day) {
		return "", day, nil
	}
	newsletter = id[:len(id)-len(day)-1]
	if id[len(newsletter)] != '.' || !ValidSlug(newsletter) {
		return "", "", fmt.Errorf("edition ID %q: want YYYY-MM-DD or SLUG.YYYY-MM-DD", id)
	}
	return newsletter, day, nil
}
