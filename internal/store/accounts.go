package store

import (
	"context"
	"time"
)

// Role is what a console or API user may do.
type Role string

// Roles, from most to least powerful.
const (
	// RoleAdmin may do everything, users and tokens included.
	RoleAdmin Role = "admin"
	// RoleEditor works on articles and editions (preview, test, approve,
	// hold, cancel, resend) and subscribers, but not on users or tokens.
	RoleEditor Role = "editor"
	// RoleViewer reads only.
	RoleViewer Role = "viewer"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleViewer:
		return true
	}
	return false
}

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.Valid() }

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleEditor:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// User is a person who signs in to the console or owns API tokens.
type User struct {
	ID int64
	// Email is normalised by the store (NormalizeEmail, then lower case)
	// and unique.
	Email string
	Name  string
	Role  Role
	// PasswordHash is an encoded password hash (internal/auth); the store
	// never sees a password.
	PasswordHash string
	// TOTPSecret is the base32 secret of the second factor; "" = none.
	TOTPSecret string
	// RecoveryCodes are hashes of the unused one-time recovery codes.
	RecoveryCodes []string
	CreatedAt     time.Time
	LastLoginAt   time.Time
}

// Token is an API token. Only a hash of the secret is stored.
type Token struct {
	ID     int64
	Name   string // unique
	UserID int64
	// UserEmail is filled by reads, for listings.
	UserEmail string
	// Hash is the hex SHA-256 of the secret; unique.
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Session is a console login, stored server-side so that several serve
// processes sharing a database share it. The cookie carries the secret id;
// the store keeps only its hash.
type Session struct {
	// IDHash is the hex SHA-256 of the cookie's session id.
	IDHash string
	UserID int64
	// CSRF is the token every form of this session must echo.
	CSRF string
	// Pending is set between a correct password and a correct second
	// factor: the session grants nothing yet.
	Pending   bool
	CreatedAt time.Time
	LastSeen  time.Time
	Addr      string
	UserAgent string
}

// AuditEntry records who did what to what, when and from where.
type AuditEntry struct {
	ID int64
	// At defaults to the store clock.
	At time.Time
	// Actor is the user's email, "cli" (optionally "cli:USER") or "system".
	Actor  string
	Action string // dotted verb, e.g. "login.failed", "edition.approve"
	Target string // what it was done to: an email, a date, a slug…
	Detail string // free text, never a secret
	Addr   string // client address, "" for the command line
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	// Since keeps entries at or after it; zero = from the start.
	Since time.Time
	// BeforeID pages backwards: only entries with ID < BeforeID (0 = none).
	BeforeID int64
	// Action, Actor, Target and Addr, when set, must match exactly.
	Action, Actor, Target, Addr string
	// Limit caps the page; 0 means no limit.
	Limit int
}

// Accounts stores console users, API tokens, sessions and the audit log.
type Accounts interface {
	// CreateUser stores u (Email normalised, Role valid, PasswordHash set)
	// and sets u.ID and u.CreatedAt; an email already used gives
	// ErrConflict.
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns every user by email.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser writes name, role, password hash, TOTP secret, recovery
	// codes and last login of u by u.ID.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes the user with their tokens and sessions.
	DeleteUser(ctx context.Context, id int64) error
	// CountUsers counts users with role r ("" = all).
	CountUsers(ctx context.Context, r Role) (int, error)

	// CreateToken stores t (Name, UserID, Hash set) and sets its ID and
	// CreatedAt; a name or hash already used gives ErrConflict, an
	// unknown user ErrNotFound.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash finds the token whose secret hashes to hash.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// ListTokens returns every token by name, with its user's email.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken deletes the token called name.
	RevokeToken(ctx context.Context, name string) error
	// TouchToken records a use of token id at time at.
	TouchToken(ctx context.Context, id int64, at time.Time) error

	// CreateSession stores s; CreatedAt and LastSeen default to now.
	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, idHash string) (*Session, error)
	// TouchSession moves the session's LastSeen to at.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// DeleteSession ends one session (ErrNotFound when none).
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions ends every session of a user and returns how many.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	// DeleteSessionsBefore removes sessions created before created or last
	// seen before seen, and returns how many.
	DeleteSessionsBefore(ctx context.Context, created, seen time.Time) (int, error)

	// Audit appends e to the audit log; a zero At is stamped now. Action
	// must be set.
	Audit(ctx context.Context, e AuditEntry) error
	// ListAudit returns matching entries, newest first.
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// CountAudit counts matching entries (Limit and BeforeID ignored).
	CountAudit(ctx context.Context, q AuditQuery) (int, error)
}

// Erasure forgets subscribers for good while remembering, as a keyed hash
// only, that an address was erased, so that an import or a form cannot
// silently bring it back.
type Erasure interface {
	// EraseSubscriber deletes subscriber id and their deliveries, rewrites
	// the audit entries about their address to name only "subscriber ID
	// (erased)", and records hash (the caller's keyed hash of the address),
	// in one transaction.
	EraseSubscriber(ctx context.Context, id int64, hash string) error
	// IsErased reports whether hash was recorded by EraseSubscriber.
	IsErased(ctx context.Context, hash string) (bool, error)
	// Unerase forgets hash, so that the address may be added again (an
	// admin decision; the person asked to come back).
	Unerase(ctx context.Context, hash string) error
}

// SubscriberSearch selects subscribers for the console, newest first.
type SubscriberSearch struct {
	// Text, when set, must occur in the address or the name (any case).
	Text string
	// Status and Category, when set, must match (Category: among the
	// subscriber's chosen categories).
	Status   Status
	Category string
	// BeforeID pages backwards: only subscribers with ID < BeforeID.
	BeforeID int64
	// Limit caps the page; 0 means no limit.
	Limit int
}

// DayCount is a number of events on one day (YYYY-MM-DD).
type DayCount struct {
	Day   string
	Count int
}

// Console is what the admin console reads beyond the other interfaces.
type Console interface {
	// SearchSubscribers returns matching subscribers, newest first.
	SearchSubscribers(ctx context.Context, q SubscriberSearch) ([]Subscriber, error)
	// SubscriberDeliveries returns up to limit (0 = all) deliveries of one
	// subscriber, newest edition first.
	SubscriberDeliveries(ctx context.Context, subscriberID int64, limit int) ([]Delivery, error)
	// SubscriberGrowth counts subscribers created per day since since,
	// days taken at UTC offset offset (days without any are left out).
	SubscriberGrowth(ctx context.Context, since time.Time, offset time.Duration) ([]DayCount, error)
	// SubscriberCounts counts the subscribers in each state, in one
	// query; every state is present in the map.
	SubscriberCounts(ctx context.Context) (map[Status]int, error)
	// EditionDeliveryCounts is DeliveryCounts of each edition of ids, in
	// one query; every ID given and every state is present in the maps.
	EditionDeliveryCounts(ctx context.Context, ids []string) (map[string]map[DeliveryState]int, error)
	// ListEditions returns the newest editions first (by send time, else
	// cut-off, else creation: every newsletter's interleaved), without their
	// bodies (Body nil; BodySize says how long each is).
	ListEditions(ctx context.Context, limit int) ([]Edition, error)
}
