// Package store declares nashra's storage: small interfaces for articles,
// subscribers, the delivery ledger and settings, the records they hold, and
// the named errors callers branch on. It holds no database code of its own:
// internal/store/sqlite (the embedded default) and internal/store/postgres
// implement every interface with one concrete type each, and
// internal/store/storetest is the one test suite both must pass.
// internal/backend opens one by driver name.
//
// All times are stored in UTC with nanosecond precision; a zero time.Time
// means "unset".
package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/nashra/nashra/internal/article"
)

// Named errors. Backends wrap them with %w; branch with errors.Is.
var (
	// ErrNotFound: no such article, subscriber, edition, delivery, setting or
	// source.
	ErrNotFound = errors.New("store: not found")
	// ErrUnsubscribed: AddSubscriber met an address that left the list;
	// it is not re-subscribed unless Subscriber.Force is set.
	ErrUnsubscribed = errors.New("store: address unsubscribed")
	// ErrBounced: AddSubscriber met an address that bounced too often;
	// it is not re-subscribed unless Subscriber.Force is set.
	ErrBounced = errors.New("store: address bounced")
	// ErrInvalidEmail: an address that NormalizeEmail rejects.
	ErrInvalidEmail = errors.New("store: invalid email address")
	// ErrConflict: a unique value (an article slug, a subscriber email)
	// already belongs to another record.
	ErrConflict = errors.New("store: already used by another record")
	// ErrInvalid: a record that cannot be stored as given (unknown status,
	// missing key, time out of range…).
	ErrInvalid = errors.New("store: invalid record")
	// ErrDeliveryFinal: MarkDelivery tried to move a delivery out of
	// "sent", which would send it twice.
	ErrDeliveryFinal = errors.New("store: delivery already sent")
	// ErrEditionState: SetEditionState found the edition in a state the
	// move does not start from (another editor or worker moved it first).
	ErrEditionState = errors.New("store: edition not in the expected state")
)

// SendingLease is how long a delivery may stay in "sending" before
// ClaimDelivery hands it out again: the worker that claimed it is presumed
// dead (River rescues its job) and the message was never marked sent.
const SendingLease = 5 * time.Minute

// Store is everything nashra keeps in its database.
type Store interface {
	Articles
	Subscribers
	Ledger
	KV
	Accounts
	Erasure
	Console
	Sources
	Limits
	Newsletters
	// Migrate applies the pending migrations in one transaction. Two
	// processes may call it at once: one applies, the other waits and
	// finds nothing left to do.
	Migrate(ctx context.Context) error
	// MigrationsPending counts the embedded migrations not yet applied.
	MigrationsPending(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
	// DB is the underlying pool, for River's database/sql driver and for
	// tests. Store methods never leave a transaction open on it.
	DB() *sql.DB
	Close() error
}

// ArticleQuery selects articles for feeds and archives.
type ArticleQuery struct {
	// Category, when set, keeps only articles whose Category equals it.
	Category string
	// From and To bound the publication time to [From, To); a zero value
	// leaves that side open.
	From, To time.Time
	// Limit caps the number of articles; 0 means no limit.
	Limit int
	// IncludeDrafts returns drafts too (admin previews).
	IncludeDrafts bool
}

// Articles stores articles and their related-article links.
type Articles interface {
	// UpsertArticle inserts or updates the article with ID a.ID, which must
	// be article.IDFor(a.Key); when a.ID is empty it is set from a.Key.
	// Re-storing identical content reports created=false, changed=false and
	// writes nothing. Published must be set. A slug that belongs to
	// another article gives ErrConflict.
	UpsertArticle(ctx context.Context, a *article.Article) (created, changed bool, err error)
	GetArticle(ctx context.Context, id string) (*article.Article, error)
	ArticleBySlug(ctx context.Context, slug string) (*article.Article, error)
	// ListArticles returns the matching articles, newest first (ties by ID).
	ListArticles(ctx context.Context, q ArticleQuery) ([]article.Article, error)
	// ArticlesBetween returns published (non-draft) articles with a
	// publication time in (from, to], newest first.
	ArticlesBetween(ctx context.Context, from, to time.Time) ([]article.Article, error)
	// Categories lists the categories of stored articles, drafts included
	// ("" when some article has none), each once, alphabetically.
	Categories(ctx context.Context) ([]string, error)
	CountArticles(ctx context.Context) (int, error)
	// LastChange is the time of the newest insert, content change,
	// withdrawal, publication or deletion; zero for an empty store. Feed
	// caches compare it.
	LastChange(ctx context.Context) (time.Time, error)
	// SetRelated replaces the related links of article id (best first).
	// Links to itself are dropped; an unknown id on either side gives
	// ErrNotFound.
	SetRelated(ctx context.Context, id string, rel []article.Related) error
	// Related returns up to k (0 = all) non-draft related articles, best
	// first, without BodyHTML and BodyText (callers show titles and links).
	Related(ctx context.Context, id string, k int) ([]article.Article, error)

	// UnpublishArticle withholds article id from feeds, pages, editions and
	// related links for reason (WithdrawnByAdmin or WithdrawnFileGone): it
	// reads as a draft from then on. Re-importing its file ends a
	// WithdrawnFileGone withdrawal, never a WithdrawnByAdmin one. An
	// unknown id gives ErrNotFound.
	UnpublishArticle(ctx context.Context, id, reason string) error
	// PublishArticle ends a withdrawal; the article stays a draft when its
	// own file says so.
	PublishArticle(ctx context.Context, id string) error
	// UnpublishSourcePath withdraws (WithdrawnFileGone) the published
	// articles imported from the file at path and returns their IDs.
	UnpublishSourcePath(ctx context.Context, path string) ([]string, error)
	// SetArticleCategory files article id under category for good: later
	// upserts (its file re-imported, its source fetched again) keep it.
	// An unknown id gives ErrNotFound.
	SetArticleCategory(ctx context.Context, id, category string) error
	// DeleteArticle erases article id and its related links.
	DeleteArticle(ctx context.Context, id string) error
	// WithdrawnArticles maps the ID of every withdrawn article to why.
	WithdrawnArticles(ctx context.Context) (map[string]string, error)
	// SourceArticleIDs lists the IDs of the articles that source sourceID
	// gave (see Sources), sorted.
	SourceArticleIDs(ctx context.Context, sourceID int64) ([]string, error)
}

// Why an article is withdrawn (Articles.UnpublishArticle).
const (
	WithdrawnByAdmin  = "admin" // nashra articles unpublish, the console, the API
	WithdrawnFileGone = "file"  // its file left site.content_dir
)

// Status is a subscriber's state.
type Status string

// Subscriber states.
const (
	StatusPending      Status = "pending"
	StatusConfirmed    Status = "confirmed"
	StatusUnsubscribed Status = "unsubscribed"
	StatusBounced      Status = "bounced"
)

// Valid reports whether s is one of the four states.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusConfirmed, StatusUnsubscribed, StatusBounced:
		return true
	}
	return false
}

// Source says how a subscriber came to the list.
const (
	SourceForm   = "form"
	SourceImport = "import"
	SourceAdmin  = "admin"
)

// Subscriber is one email recipient.
type Subscriber struct {
	ID int64
	// Email is normalised by the store (see NormalizeEmail), in the case
	// it was first given; addresses with the same EmailKey are one
	// subscriber.
	Email string
	Name  string
	// Status defaults to pending when empty.
	Status Status
	// Categories chosen for the default newsletter; none means all (or,
	// when the subscriber does not follow it, nothing: see Newsletters).
	// Recipient and ListRecipients put the categories of the newsletter
	// asked for here.
	Categories []string
	// Source is form, import or admin (default admin).
	Source  string
	Bounces int
	// Paused subscribers stay confirmed but receive nothing for now.
	Paused         bool
	CreatedAt      time.Time
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time

	// Force, for AddSubscriber only (never stored), re-subscribes an
	// address that unsubscribed or bounced, with the given fields.
	Force bool
	// Follow, for AddSubscriber only, lists the newsletters a new (or
	// forced) subscriber follows, each with its categories; empty means
	// the default newsletter with Categories.
	Follow []Subscription
}

// SubscriberQuery pages through subscribers by ID.
type SubscriberQuery struct {
	// Status, when set, keeps only subscribers in that state.
	Status Status
	// AfterID returns subscribers with ID > AfterID (keyset paging).
	AfterID int64
	// Limit caps the page; 0 means no limit.
	Limit int
}

// Subscribers stores the mailing list.
type Subscribers interface {
	// AddSubscriber adds s by normalised email and sets s.ID, s.Email and
	// the times; addresses with the same EmailKey are the same subscriber
	// in this and every method below that takes an address. For an address already on the list it reports
	// created=false and fills s with the stored record: a pending one is
	// confirmed when s.Status is confirmed; an unsubscribed or bounced one
	// gives ErrUnsubscribed or ErrBounced. With s.Force set, the stored
	// record takes s's status, source, categories and name (an empty name
	// keeps the stored one) whatever its state, bounces reset to 0, and
	// follows s.Follow (other subscriptions stay as they are). A new
	// subscriber follows s.Follow; an existing one's subscriptions are
	// otherwise left alone (see Newsletters.Subscribe).
	AddSubscriber(ctx context.Context, s *Subscriber) (created bool, err error)
	GetSubscriber(ctx context.Context, id int64) (*Subscriber, error)
	SubscriberByEmail(ctx context.Context, email string) (*Subscriber, error)
	// UpdateSubscriber writes every field of s by s.ID (Categories go to
	// the default newsletter's subscription, if it has one). A move to
	// confirmed or unsubscribed with a zero time stamps it now. An
	// unsubscribed subscriber leaves every newsletter; a pending or
	// confirmed one that follows none (back after leaving) follows the
	// newsletters it chose when signing up again (SetReturnChoice), else
	// the default newsletter again.
	UpdateSubscriber(ctx context.Context, s *Subscriber) error
	// RemoveSubscriber marks the address unsubscribed from every
	// newsletter and keeps the record.
	RemoveSubscriber(ctx context.Context, email string) error
	// DeleteSubscriber erases the record and its deliveries (admin).
	DeleteSubscriber(ctx context.Context, email string) error
	// ListSubscribers returns subscribers in ID order.
	ListSubscribers(ctx context.Context, q SubscriberQuery) ([]Subscriber, error)
	// CountSubscribers counts subscribers in status ("" = all).
	CountSubscribers(ctx context.Context, status Status) (int, error)
	// PurgePending erases the pending subscribers (never confirmed) created
	// before before, and returns how many.
	PurgePending(ctx context.Context, before time.Time) (int, error)
	// RecordBounce counts a permanent failure; at max bounces (max > 0)
	// the subscriber becomes bounced. It reports whether they now are.
	RecordBounce(ctx context.Context, id int64, max int) (bounced bool, err error)
	// TakeSubscriberMerges returns, by ID, the subscribers that a
	// migration merged into another and that were not reported yet, and
	// marks them reported: each merge is returned once.
	TakeSubscriberMerges(ctx context.Context) ([]SubscriberMerge, error)
}

// SubscriberMerge is a subscriber removed when addresses became
// case-insensitive: its address differed from subscriber MergedInto's only
// in case. The record is kept as it was, for the admin to review.
type SubscriberMerge struct {
	ID                                     int64
	Email, Name                            string
	Status                                 Status
	Categories                             []string
	CreatedAt, ConfirmedAt, UnsubscribedAt time.Time
	MergedInto                             int64
	MergedAt                               time.Time
}

// Limits keeps rate-limit buckets in the database, so that every process
// using it shares them (the sign-up limits of several `serve` nodes).
type Limits interface {
	// TakeRate spends one request from the bucket named key, which holds
	// burst requests and regains one every interval (a generic cell rate
	// algorithm on the caller's clock now), and reports whether there was
	// one. Concurrent callers never together get more than the bucket
	// holds. A refused request costs nothing.
	TakeRate(ctx context.Context, key string, every time.Duration, burst int, now time.Time) (bool, error)
	// PurgeRates forgets the buckets that are full again at now (as good
	// as absent) and returns how many it forgot.
	PurgeRates(ctx context.Context, now time.Time) (int, error)
}

// EditionState is where an edition stands. The moves between states are
// the edition service's (internal/edition); the store only makes each move
// atomic (SetEditionState).
type EditionState string

// Edition states: scheduled → held (approval required) → approved →
// sending ⇄ paused → sent | cancelled.
const (
	// EditionScheduled: due at its send time; not built yet, or built and
	// going out by itself (digest.approval: none).
	EditionScheduled EditionState = "scheduled"
	// EditionHeld: waiting for an editor's approval; not sent while held.
	EditionHeld     EditionState = "held"
	EditionApproved EditionState = "approved"
	// EditionSending: deliveries enqueued; workers claim them.
	EditionSending EditionState = "sending"
	// EditionPaused: workers start no new message until resumed.
	EditionPaused EditionState = "paused"
	// EditionSent: every delivery final (sent, failed, skipped).
	EditionSent EditionState = "sent"
	// EditionCancelled: nothing more is sent; open deliveries are cancelled.
	EditionCancelled EditionState = "cancelled"
)

// EditionStates lists every state in lifecycle order.
var EditionStates = []EditionState{EditionScheduled, EditionHeld, EditionApproved, EditionSending, EditionPaused, EditionSent, EditionCancelled}

// Valid reports whether s is one of the seven states.
func (s EditionState) Valid() bool { return slices.Contains(EditionStates, s) }

// Final reports whether nothing more can happen to an edition in state s.
func (s EditionState) Final() bool { return s == EditionSent || s == EditionCancelled }

// Edition is one digest: built (Body set) or, when an editor held or
// approved it ahead of its build, a row with a state and no body yet.
type Edition struct {
	// ID is EditionID(newsletter, day): the edition's day, YYYY-MM-DD in
	// the site time zone, prefixed "slug." unless the newsletter is the
	// default one.
	ID string
	// Newsletter is the slug of its newsletter; "" in CreateEdition means
	// the default newsletter (stored editions carry the slug).
	Newsletter string
	Subject    string
	// Body is the JSON of the built edition; empty until built.
	Body      []byte
	CreatedAt time.Time
	// Recipients counts the deliveries enqueued for it.
	Recipients int
	// State defaults to scheduled when empty.
	State EditionState
	// From and To bound the articles of the edition's window, (From, To]:
	// To is its cut-off. Zero until built (and for editions recorded
	// before windows were stored: their Body has them).
	From, To time.Time
	// SendAt is when it is due to go out (zero: not scheduled).
	SendAt time.Time
	// StartedAt is when it first moved to sending (zero: never).
	StartedAt time.Time
	// UpdatedAt is the time of the last state change.
	UpdatedAt time.Time
	// Note says why the edition is where it is (who held it, "not
	// approved by its send time", …).
	Note string
	// BodySize is the length of the stored body (ListEditions leaves
	// Body out).
	BodySize int
}

// Built reports whether the edition has its content.
func (e *Edition) Built() bool { return len(e.Body) > 0 || e.BodySize > 0 }

// DeliveryState is where one message of an edition stands.
type DeliveryState string

// Delivery states.
const (
	DeliveryQueued   DeliveryState = "queued"
	DeliverySending  DeliveryState = "sending"
	DeliverySent     DeliveryState = "sent"
	DeliveryRetrying DeliveryState = "retrying"
	DeliveryFailed   DeliveryState = "failed"
	// DeliverySkipped: deliberately not sent (no story in the subscriber's
	// categories; paused, unsubscribed or erased by send time). Like sent
	// and failed it is never claimed again; unlike failed it is no error.
	DeliverySkipped DeliveryState = "skipped"
	// DeliveryCancelled: not sent because its edition was cancelled. Final.
	DeliveryCancelled DeliveryState = "cancelled"
)

// DeliveryStates lists every state, in the order a status report shows them.
var DeliveryStates = []DeliveryState{DeliveryQueued, DeliverySending, DeliverySent, DeliveryRetrying, DeliveryFailed, DeliverySkipped, DeliveryCancelled}

// Valid reports whether s is one of the seven states.
func (s DeliveryState) Valid() bool { return slices.Contains(DeliveryStates, s) }

// Open reports whether a delivery in state s may still be sent.
func (s DeliveryState) Open() bool {
	return s == DeliveryQueued || s == DeliverySending || s == DeliveryRetrying
}

// Delivery is the ledger entry of one edition for one subscriber.
type Delivery struct {
	EditionID    string
	SubscriberID int64
	Email        string
	State        DeliveryState
	Attempts     int
	LastError    string
	MessageID    string
	UpdatedAt    time.Time
	SentAt       time.Time
}

// Ledger records editions and who has been sent each one.
type Ledger interface {
	// CreateEdition stores e once per ID; when it exists already it
	// reports false and fills e with the stored edition. A stored edition
	// without a body (held or approved before it was built) takes e's
	// subject, body and window, and keeps its state.
	CreateEdition(ctx context.Context, e *Edition) (created bool, err error)
	GetEdition(ctx context.Context, id string) (*Edition, error)
	// SetEditionState moves the edition to state `to` (stamping UpdatedAt,
	// StartedAt on the first move to sending, and note) if it is in one of
	// `from`, atomically, and returns it as stored. An edition in another
	// state gives ErrEditionState (with the edition as it is); a missing
	// one ErrNotFound.
	SetEditionState(ctx context.Context, id string, to EditionState, note string, from ...EditionState) (*Edition, error)
	// CancelDeliveries moves the edition's queued and retrying deliveries
	// to cancelled and returns how many it moved; deliveries being sent
	// are left to finish.
	CancelDeliveries(ctx context.Context, editionID string) (int, error)
	// RecordResend records a message sent again to one subscriber on
	// request: the delivery (added if missing) becomes sent with the
	// given message ID and note, one attempt more. A delivery still open
	// (queued, sending, retrying) gives ErrInvalid: it is on its way.
	RecordResend(ctx context.Context, editionID string, sub *Subscriber, messageID, note string) error
	// EnqueueDeliveries adds a queued delivery per subscriber still on
	// record, skipping ones already there, and returns how many it added.
	EnqueueDeliveries(ctx context.Context, editionID string, subs []Subscriber) (int, error)
	// ClaimDelivery moves a queued or retrying delivery (or one stuck in
	// sending for longer than SendingLease) to sending and counts the
	// attempt. Of concurrent claims exactly one gets true; the others, and
	// claims on sent, failed or skipped deliveries, get the current row and
	// false.
	ClaimDelivery(ctx context.Context, editionID string, subscriberID int64) (*Delivery, bool, error)
	// MarkDelivery sets the state and last error; sent stamps SentAt.
	// Moving a sent delivery to another state gives ErrDeliveryFinal.
	MarkDelivery(ctx context.Context, editionID string, subscriberID int64, state DeliveryState, errText string) error
	// SetDeliveryMessageID records the Message-ID the delivery is sent with.
	SetDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) error
	// DeliveryCounts counts the deliveries of an edition by state; every
	// state is present in the map.
	DeliveryCounts(ctx context.Context, editionID string) (map[DeliveryState]int, error)
	// ListDeliveries returns deliveries in state ("" = all) by subscriber
	// ID; limit 0 means no limit.
	ListDeliveries(ctx context.Context, editionID string, state DeliveryState, limit int) ([]Delivery, error)
	// PageDeliveries returns the deliveries matching q by subscriber ID
	// (keyset paging: q.AfterSubscriber).
	PageDeliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
}

// DeliveryQuery pages through the deliveries of one edition.
type DeliveryQuery struct {
	EditionID string
	// State, when set, keeps only deliveries in that state.
	State DeliveryState
	// Email, when set, keeps only addresses containing it (case-insensitive).
	Email string
	// AfterSubscriber returns deliveries with subscriber ID > it.
	AfterSubscriber int64
	// Limit caps the page; 0 means no limit.
	Limit int
}

// ClaimLoader is implemented by stores that can read the subscriber within
// the claim (one turn on the database instead of two), as
// Newsletters.Recipient reads it. The subscriber is nil when the claim succeeded but the subscriber is no longer on record,
// and when the claim did not succeed.
type ClaimLoader interface {
	ClaimDeliveryLoad(ctx context.Context, editionID string, subscriberID int64) (d *Delivery, claimed bool, sub *Subscriber, err error)
}

// MarkSender is implemented by stores that can make the delivery commit
// mark durable without waiting for the database: PostgreSQL's pipeline mode
// puts the update and its commit on the wire; SQLite appends it to a
// journal file. SendDeliveryMessageID returns once the mark would survive
// this process being killed, so that the SMTP end-of-data mark follows it
// within microseconds; wait, which must always be called, returns the
// mark's outcome. The message ID is in the ledger once wait returns nil
// (PostgreSQL), or goes there with the delivery's next state (SQLite): the
// caller records one after wait (MarkDelivery, or SetDeliveryMessageID
// with "" to take the mark back). A store without it commits the mark with
// SetDeliveryMessageID.
type MarkSender interface {
	SendDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) (wait func() error, err error)
}

// MarkRecoverer is implemented by stores whose commit marks may be held
// outside the ledger by a process that died (SQLite's journal): it moves
// them into the ledger, and must run before that process's deliveries are
// taken over. It returns how many deliveries it marked.
type MarkRecoverer interface {
	RecoverMarks(ctx context.Context) (int, error)
}

// KV keeps small settings, such as the generated security secret.
type KV interface {
	GetSetting(ctx context.Context, key string) (string, error)
	// PutSettingIfAbsent stores value unless key has one already, and
	// returns the value that is stored now (first writer wins).
	PutSettingIfAbsent(ctx context.Context, key, value string) (actual string, err error)
}
