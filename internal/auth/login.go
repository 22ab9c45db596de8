package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// Named errors; the console and the API turn them into answers.
var (
	// ErrBadCredentials: wrong email, password or code. The same error
	// whether or not the account exists.
	ErrBadCredentials = errors.New("auth: wrong email or password")
	// ErrThrottled: too many failed sign-ins for the account or from the
	// address within the window; the password was not even checked.
	ErrThrottled = errors.New("auth: too many failed sign-in attempts, try again later")
	// ErrNoSession: no session, an expired one, or one still waiting for
	// its second factor where a full one is needed.
	ErrNoSession = errors.New("auth: not signed in")
	// ErrBadToken: an API token that is malformed, unknown or revoked.
	ErrBadToken = errors.New("auth: invalid API token")
)

// Audit actions this package writes.
const (
	ActionLogin          = "login"
	ActionLoginPassword  = "login.password" // password right, second factor to come
	ActionLoginFailed    = "login.failed"
	ActionLoginThrottled = "login.throttled"
	ActionLogout         = "logout"
)

// Options tune the sign-in rules; zero values take the defaults.
type Options struct {
	// Idle ends a session unused for this long (default 2h).
	Idle time.Duration
	// MaxAge ends a session this long after sign-in, used or not
	// (default 12h).
	MaxAge time.Duration
	// Window is the span over which failed sign-ins are counted
	// (default 15 minutes).
	Window time.Duration
	// AccountLimit failed attempts on one account within Window refuse
	// further attempts on it (default 5); AddrLimit does the same per
	// client address (default 20).
	AccountLimit, AddrLimit int
	// Issuer names the service in authenticator apps (default "nashra").
	Issuer string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Idle <= 0 {
		o.Idle = 2 * time.Hour
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 12 * time.Hour
	}
	if o.Window <= 0 {
		o.Window = 15 * time.Minute
	}
	if o.AccountLimit <= 0 {
		o.AccountLimit = 5
	}
	if o.AddrLimit <= 0 {
		o.AddrLimit = 20
	}
	if o.Issuer == "" {
		o.Issuer = "nashra"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// pendingMaxAge bounds the time between password and second factor.
const pendingMaxAge = 5 * time.Minute

// touchEvery is how stale LastSeen (or a token's LastUsedAt) may get
// before a request writes it again: one write a minute per session, not
// one per request.
const touchEvery = time.Minute

// Client is where a request comes from, for sessions and the audit log.
type Client struct {
	Addr      string
	UserAgent string
}

// Actor is who does something, for the audit log: a user's email, "cli…"
// or "system", and the client address ("" on the command line).
type Actor struct {
	Name string
	Addr string
}

// Service signs people in and out and checks sessions and tokens.
type Service struct {
	st store.Accounts
	o  Options
}

// New returns a Service on the store's accounts.
func New(st store.Accounts, o Options) *Service {
	o.defaults()
	return &Service{st: st, o: o}
}

// Options returns the options in force (defaults filled in).
func (s *Service) Options() Options { return s.o }

// Store is the accounts store the service works on.
func (s *Service) Store() store.Accounts { return s.st }

// Audit appends an entry by actor; failures to audit are returned, since
// an action that cannot be recorded should not be taken silently.
func (s *Service) Audit(ctx context.Context, a Actor, action, target, detail string) error {
	return s.st.Audit(ctx, store.AuditEntry{At: s.o.Now(), Actor: a.Name, Action: action, Target: target, Detail: detail, Addr: a.Addr})
}

// LoginResult is a successful password check: a new session, complete
// unless the user has a second factor (Session.Pending).
type LoginResult struct {
	// SessionID is the cookie value; only its hash is stored.
	SessionID string
	Session   *store.Session
	User      *store.User
}

// Login checks email and password. It refuses without checking when the
// account or the address has failed too often recently (ErrThrottled),
// answers ErrBadCredentials alike for an unknown account and a wrong
// password (taking as long), and audits every outcome. On success the
// session is new: an id the client had before is never reused.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (*LoginResult, error) {
	target := strings.ToLower(strings.TrimSpace(email))
	anon := Actor{Name: "anonymous", Addr: c.Addr}
	if err := s.throttled(ctx, target, c.Addr); err != nil {
		if errors.Is(err, ErrThrottled) {
			if aerr := s.Audit(ctx, anon, ActionLoginThrottled, target, ""); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	u, err := s.st.UserByEmail(ctx, target)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalidEmail) {
		return nil, err
	}
	if u == nil {
		CheckPassword(dummyHash(), password)
		return nil, s.fail(ctx, anon, target, "")
	}
	if !CheckPassword(u.PasswordHash, password) {
		return nil, s.fail(ctx, anon, target, "")
	}
	res, err := s.newSession(ctx, u, c, u.TOTPSecret != "")
	if err != nil {
		return nil, err
	}
	if res.Session.Pending {
		return res, s.Audit(ctx, Actor{Name: u.Email, Addr: c.Addr}, ActionLoginPassword, u.Email, "")
	}
	return res, s.loggedIn(ctx, u, c, "")
}

// SecondFactor completes a pending session with a TOTP code or a recovery
// code. The pending session is ended and a new one (new id) returned.
func (s *Service) SecondFactor(ctx context.Context, pendingID, code string, c Client) (*LoginResult, error) {
	x, err := s.st.GetSession(ctx, HashSecret(pendingID))
	if err != nil {
		return nil, notFoundAs(err, ErrNoSession)
	}
	if !x.Pending || s.o.Now().Sub(x.CreatedAt) > pendingMaxAge {
		return nil, ErrNoSession
	}
	u, err := s.st.GetUser(ctx, x.UserID)
	if err != nil {
		return nil, ErrNoSession
	}
	anon := Actor{Name: "anonymous", Addr: c.Addr}
	if err := s.throttled(ctx, u.Email, c.Addr); err != nil {
		if errors.Is(err, ErrThrottled) {
			_ = s.st.DeleteSession(ctx, x.IDHash)
			if aerr := s.Audit(ctx, anon, ActionLoginThrottled, u.Email, "second factor"); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	how := ""
	switch {
	case CheckTOTP(u.TOTPSecret, code, s.o.Now()):
	default:
		rest, ok := UseRecoveryCode(u.RecoveryCodes, code)
		if !ok {
			return nil, s.fail(ctx, anon, u.Email, "second factor")
		}
		u.RecoveryCodes = rest
		how = fmt.Sprintf("recovery code (%d left)", len(rest))
	}
	if err := s.st.DeleteSession(ctx, x.IDHash); err != nil {
		return nil, ErrNoSession // used twice at once: only one wins
	}
	res, err := s.newSession(ctx, u, c, false)
	if err != nil {
		return nil, err
	}
	return res, s.loggedIn(ctx, u, c, how)
}

func (s *Service) newSession(ctx context.Context, u *store.User, c Client, pending bool) (*LoginResult, error) {
	id, hash := NewSessionID()
	x := &store.Session{IDHash: hash, UserID: u.ID, CSRF: NewCSRF(), Pending: pending,
		CreatedAt: s.o.Now(), Addr: c.Addr, UserAgent: truncate(c.UserAgent, 300)}
	if err := s.st.CreateSession(ctx, x); err != nil {
		return nil, err
	}
	return &LoginResult{SessionID: id, Session: x, User: u}, nil
}

func (s *Service) loggedIn(ctx context.Context, u *store.User, c Client, detail string) error {
	u.LastLoginAt = s.o.Now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.Audit(ctx, Actor{Name: u.Email, Addr: c.Addr}, ActionLogin, u.Email, detail)
}

// fail audits a failed attempt and returns ErrBadCredentials.
func (s *Service) fail(ctx context.Context, a Actor, target, detail string) error {
	if err := s.Audit(ctx, a, ActionLoginFailed, target, detail); err != nil {
		return err
	}
	return ErrBadCredentials
}

// throttled counts recent failures on the account and from the address.
func (s *Service) throttled(ctx context.Context, target, addr string) error {
	since := s.o.Now().Add(-s.o.Window)
	n, err := s.st.CountAudit(ctx, store.AuditQuery{Action: ActionLoginFailed, Target: target, Since: since})
	if err != nil {
		return err
	}
	if n >= s.o.AccountLimit {
		return ErrThrottled
	}
	if addr == "" {
		return nil
	}
	n, err = s.st.CountAudit(ctx, store.AuditQuery{Action: ActionLoginFailed, Addr: addr, Since: since})
	if err != nil {
		return err
	}
	if n >= s.o.AddrLimit {
		return ErrThrottled
	}
	return nil
}

// Session returns the live, complete session with cookie value id and its
// user, or ErrNoSession. An idle or too old session is deleted.
func (s *Service) Session(ctx context.Context, id string) (*store.Session, *store.User, error) {
	x, err := s.lookup(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if x.Pending {
		return nil, nil, ErrNoSession
	}
	u, err := s.st.GetUser(ctx, x.UserID)
	if err != nil {
		return nil, nil, notFoundAs(err, ErrNoSession)
	}
	return x, u, nil
}

// PendingSession is Session for a session waiting for its second factor.
func (s *Service) PendingSession(ctx context.Context, id string) (*store.Session, error) {
	x, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !x.Pending || s.o.Now().Sub(x.CreatedAt) > pendingMaxAge {
		return nil, ErrNoSession
	}
	return x, nil
}

// notFoundAs is err with store.ErrNotFound replaced by missing, the
// error this package names for it (ErrNoSession, ErrBadToken).
func notFoundAs(err, missing error) error {
	if errors.Is(err, store.ErrNotFound) {
		return missing
	}
	return err
}

func (s *Service) lookup(ctx context.Context, id string) (*store.Session, error) {
	if id == "" {
		return nil, ErrNoSession
	}
	x, err := s.st.GetSession(ctx, HashSecret(id))
	if err != nil {
		return nil, notFoundAs(err, ErrNoSession)
	}
	now := s.o.Now()
	if now.Sub(x.CreatedAt) > s.o.MaxAge || now.Sub(x.LastSeen) > s.o.Idle {
		_ = s.st.DeleteSession(ctx, x.IDHash)
		return nil, ErrNoSession
	}
	if now.Sub(x.LastSeen) > touchEvery {
		if err := s.st.TouchSession(ctx, x.IDHash, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		x.LastSeen = now
	}
	return x, nil
}

// Logout ends the session with cookie value id (no error when there is
// none) and audits it.
func (s *Service) Logout(ctx context.Context, id string, c Client) error {
	if id == "" {
		return nil
	}
	hash := HashSecret(id)
	x, err := s.st.GetSession(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.st.DeleteSession(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	u, err := s.st.GetUser(ctx, x.UserID)
	if err != nil {
		return nil
	}
	return s.Audit(ctx, Actor{Name: u.Email, Addr: c.Addr}, ActionLogout, u.Email, "")
}

// Expire deletes every session past its idle or absolute limit and
// returns how many.
func (s *Service) Expire(ctx context.Context) (int, error) {
	now := s.o.Now()
	return s.st.DeleteSessionsBefore(ctx, now.Add(-s.o.MaxAge), now.Add(-s.o.Idle))
}

// Token checks an API token and returns it with its user. Tokens are
// looked up by their SHA-256, never compared as plain text: the secret
// itself is not stored, and the time a look-up takes says nothing about
// how much of a guess was right.
func (s *Service) Token(ctx context.Context, token string) (*store.Token, *store.User, error) {
	if !LooksLikeToken(token) {
		return nil, nil, ErrBadToken
	}
	hash := HashSecret(token)
	t, err := s.st.TokenByHash(ctx, hash)
	if err != nil {
		return nil, nil, notFoundAs(err, ErrBadToken)
	}
	if !Equal(t.Hash, hash) {
		return nil, nil, ErrBadToken
	}
	u, err := s.st.GetUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, notFoundAs(err, ErrBadToken)
	}
	if now := s.o.Now(); now.Sub(t.LastUsedAt) > touchEvery {
		if err := s.st.TouchToken(ctx, t.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
	}
	return t, u, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
