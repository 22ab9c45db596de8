package store

import (
	"context"
	"time"
)

// Source is a feed or sitemap that nashra pulls articles from, with the
// state of its fetching.
type Source struct {
	ID int64
	// Key is the URL the source was first added with. It never changes,
	// even when URL follows a permanent redirect: the identities of the
	// source's articles derive from it.
	Key string
	// URL is where the source is fetched (http or https).
	URL  string
	Name string
	// Category, when set, is the category of every article of the source;
	// otherwise each item's own categories are used.
	Category string
	// FullText fetches each item's page and extracts the article from it.
	FullText bool
	// FromConfig marks sources listed in config.yaml (sources.list).
	FromConfig bool

	// Validators of the last successful response, for conditional GET.
	ETag, LastModified string
	// LastFetch is the last attempt; LastSuccess the last good one.
	LastFetch, LastSuccess time.Time
	// NextFetch is when the source is due again.
	NextFetch time.Time
	// Errors counts the failed fetches since the last success.
	Errors    int
	LastError string
	// LastStatus is the HTTP status of the last response (0 = none).
	LastStatus int
	// Items counts the items of the source stored as articles (read only).
	Items int

	// WebSub subscription: the hub and topic the feed names, the secret
	// the hub signs deliveries with, the lease end, and its state.
	Hub, Topic, HubSecret string
	HubLeaseEnd           time.Time
	HubState              HubState

	CreatedAt time.Time
}

// HubState is where a WebSub subscription stands.
type HubState string

// WebSub subscription states.
const (
	HubNone     HubState = ""         // no hub, or not subscribed
	HubPending  HubState = "pending"  // subscription requested, intent not verified yet
	HubVerified HubState = "verified" // the hub verified the intent; deliveries expected
	HubDenied   HubState = "denied"   // the hub refused; polling only
)

// SourceItem records one item of a source and the article it became.
type SourceItem struct {
	SourceID int64
	// Key identifies the item within its source: its guid, else its link.
	Key       string
	ArticleID string
	// Hash fingerprints the item as the source last sent it, so that an
	// unchanged item is not processed (nor its page fetched) again.
	Hash string
}

// Sources stores the sources nashra fetches and the items they gave.
type Sources interface {
	// AddSource stores s by URL and sets its ID, Key (= URL when empty),
	// CreatedAt and NextFetch (now when zero). For a URL already stored it
	// reports created=false and fills s with the stored source.
	AddSource(ctx context.Context, s *Source) (created bool, err error)
	GetSource(ctx context.Context, id int64) (*Source, error)
	// SourceByURL finds a source by its URL or its Key.
	SourceByURL(ctx context.Context, url string) (*Source, error)
	// ListSources returns every source by ID.
	ListSources(ctx context.Context) ([]Source, error)
	// DueSources returns up to limit (0 = all) sources whose NextFetch is
	// not after now, the most overdue first.
	DueSources(ctx context.Context, now time.Time, limit int) ([]Source, error)
	// UpdateSource writes every field of s but ID, Key, Items and
	// CreatedAt. A URL that belongs to another source gives ErrConflict.
	UpdateSource(ctx context.Context, s *Source) error
	// RemoveSource deletes the source and its item records; the articles
	// stay.
	RemoveSource(ctx context.Context, id int64) error
	// GetSourceItem returns the record of an item, or ErrNotFound.
	GetSourceItem(ctx context.Context, sourceID int64, key string) (*SourceItem, error)
	// PutSourceItem inserts or replaces the record of an item. An unknown
	// source gives ErrNotFound.
	PutSourceItem(ctx context.Context, it *SourceItem) error
	// PutSourceItems does PutSourceItem for every item in one transaction:
	// all or none.
	PutSourceItems(ctx context.Context, items []SourceItem) error
}
