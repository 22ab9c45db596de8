package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// accountQueries are the account queries every backend must define.
var accountQueries = []string{
	"insert-user", "get-user", "user-by-email", "list-users", "update-user", "delete-user", "count-users",
	"insert-token", "token-by-hash", "list-tokens", "revoke-token", "touch-token",
	"insert-session", "get-session", "touch-session", "session-exists", "delete-session",
	"delete-user-sessions", "delete-sessions-before",
	"insert-audit", "list-audit", "count-audit",
	"delete-subscriber-by-id", "scrub-audit", "insert-erased", "is-erased", "unerase",
}

func scanUser(r scanner) (store.User, error) {
	var u store.User
	var role, codes string
	var created, last sql.NullInt64
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.TOTPSecret, &codes, &created, &last); err != nil {
		return u, err
	}
	u.Role = store.Role(role)
	if err := decodeList(codes, &u.RecoveryCodes); err != nil {
		return u, fmt.Errorf("user %d: recovery codes: %w", u.ID, err)
	}
	u.CreatedAt, u.LastLoginAt = fromNS(created), fromNS(last)
	return u, nil
}

// userArgs checks u and returns name, role, password hash, TOTP secret,
// recovery codes (JSON) and last login, the columns both writes share.
func (s *Core) userArgs(u *store.User) ([]any, error) {
	if !u.Role.Valid() {
		return nil, fmt.Errorf("%w: user %s: unknown role %q (admin, editor or viewer)", store.ErrInvalid, u.Email, u.Role)
	}
	if u.PasswordHash == "" {
		return nil, fmt.Errorf("%w: user %s: no password hash", store.ErrInvalid, u.Email)
	}
	codes := []byte("[]")
	if len(u.RecoveryCodes) > 0 {
		codes, _ = json.Marshal(u.RecoveryCodes)
	}
	last, err := ns(u.LastLoginAt)
	if err != nil {
		return nil, fmt.Errorf("%w: user %s: %v", store.ErrInvalid, u.Email, err)
	}
	return []any{u.Name, string(u.Role), u.PasswordHash, u.TOTPSecret, string(codes), last}, nil
}

// userEmail normalises a login address: NormalizeEmail, then lower case
// throughout, since people type their login in any case.
func userEmail(email string) (string, error) {
	norm, err := store.NormalizeEmail(email)
	return strings.ToLower(norm), err
}

// CreateUser implements store.Accounts.
func (s *Core) CreateUser(ctx context.Context, u *store.User) error {
	email, err := userEmail(u.Email)
	if err != nil {
		return fmt.Errorf("%s: create user: %w", s.d.Name, err)
	}
	u.Email = email
	args, err := s.userArgs(u)
	if err != nil {
		return fmt.Errorf("%s: create user: %w", s.d.Name, err)
	}
	now := s.now()
	var id int64
	err = s.db.QueryRowContext(ctx, s.q["insert-user"], append([]any{email}, append(args[:5:5], nsNow(now), args[5])...)...).Scan(&id)
	if err != nil && s.d.IsUnique(err) {
		return fmt.Errorf("%s: create user %s: %w", s.d.Name, email, store.ErrConflict)
	}
	if err != nil {
		return s.errf(err, "create user %s", email)
	}
	u.ID, u.CreatedAt = id, now
	return nil
}

// GetUser implements store.Accounts.
func (s *Core) GetUser(ctx context.Context, id int64) (*store.User, error) {
	return one(ctx, s, fmt.Sprintf("user %d", id), scanUser, s.q["get-user"], id)
}

// UserByEmail implements store.Accounts.
func (s *Core) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	norm, err := userEmail(email)
	if err != nil {
		return nil, fmt.Errorf("%s: user: %w", s.d.Name, err)
	}
	return one(ctx, s, "user "+norm, scanUser, s.q["user-by-email"], norm)
}

// ListUsers implements store.Accounts.
func (s *Core) ListUsers(ctx context.Context) ([]store.User, error) {
	return collect(ctx, s, s.db, "list users", scanUser, s.q["list-users"])
}

// UpdateUser implements store.Accounts.
func (s *Core) UpdateUser(ctx context.Context, u *store.User) error {
	args, err := s.userArgs(u)
	if err != nil {
		return fmt.Errorf("%s: update user %d: %w", s.d.Name, u.ID, err)
	}
	return s.execOne(ctx, s.db, fmt.Sprintf("update user %d", u.ID), s.q["update-user"], append(args, u.ID)...)
}

// DeleteUser implements store.Accounts.
func (s *Core) DeleteUser(ctx context.Context, id int64) error {
	return s.execOne(ctx, s.db, fmt.Sprintf("delete user %d", id), s.q["delete-user"], id)
}

// CountUsers implements store.Accounts.
func (s *Core) CountUsers(ctx context.Context, r store.Role) (int, error) {
	return s.count(ctx, "count users", s.q["count-users"], string(r))
}

func scanToken(r scanner) (store.Token, error) {
	var t store.Token
	var created, used sql.NullInt64
	err := r.Scan(&t.ID, &t.Name, &t.UserID, &t.UserEmail, &t.Hash, &created, &used)
	t.CreatedAt, t.LastUsedAt = fromNS(created), fromNS(used)
	return t, err
}

// CreateToken implements store.Accounts.
func (s *Core) CreateToken(ctx context.Context, t *store.Token) error {
	if t.Name == "" || t.Hash == "" {
		return fmt.Errorf("%s: create token: %w: name and hash are required", s.d.Name, store.ErrInvalid)
	}
	now := s.now()
	var id int64
	err := s.db.QueryRowContext(ctx, s.q["insert-token"], t.Name, t.UserID, t.Hash, nsNow(now)).Scan(&id)
	switch {
	case err != nil && s.d.IsUnique(err):
		return fmt.Errorf("%s: create token %q: %w", s.d.Name, t.Name, store.ErrConflict)
	case err != nil && s.d.IsForeignKey(err):
		return fmt.Errorf("%s: create token %q: user %d: %w", s.d.Name, t.Name, t.UserID, store.ErrNotFound)
	case err != nil:
		return s.errf(err, "create token %q", t.Name)
	}
	t.ID, t.CreatedAt = id, now
	return nil
}

// TokenByHash implements store.Accounts.
func (s *Core) TokenByHash(ctx context.Context, hash string) (*store.Token, error) {
	return one(ctx, s, "token", scanToken, s.q["token-by-hash"], hash)
}

// ListTokens implements store.Accounts.
func (s *Core) ListTokens(ctx context.Context) ([]store.Token, error) {
	return collect(ctx, s, s.db, "list tokens", scanToken, s.q["list-tokens"])
}

// RevokeToken implements store.Accounts.
func (s *Core) RevokeToken(ctx context.Context, name string) error {
	return s.execOne(ctx, s.db, fmt.Sprintf("revoke token %q", name), s.q["revoke-token"], name)
}

// TouchToken implements store.Accounts.
func (s *Core) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, s.db, fmt.Sprintf("touch token %d", id), s.q["touch-token"], nsNow(at.UTC()), id)
}

func scanSession(r scanner) (store.Session, error) {
	var x store.Session
	var created, seen int64
	err := r.Scan(&x.IDHash, &x.UserID, &x.CSRF, &x.Pending, &created, &seen, &x.Addr, &x.UserAgent)
	x.CreatedAt, x.LastSeen = time.Unix(0, created).UTC(), time.Unix(0, seen).UTC()
	return x, err
}

// CreateSession implements store.Accounts.
func (s *Core) CreateSession(ctx context.Context, x *store.Session) error {
	if x.IDHash == "" || x.CSRF == "" {
		return fmt.Errorf("%s: create session: %w: id hash and CSRF token are required", s.d.Name, store.ErrInvalid)
	}
	now := s.now()
	if x.CreatedAt.IsZero() {
		x.CreatedAt = now
	}
	if x.LastSeen.IsZero() {
		x.LastSeen = x.CreatedAt
	}
	x.CreatedAt, x.LastSeen = x.CreatedAt.UTC(), x.LastSeen.UTC()
	_, err := s.db.ExecContext(ctx, s.q["insert-session"], x.IDHash, x.UserID, x.CSRF, x.Pending,
		nsNow(x.CreatedAt), nsNow(x.LastSeen), x.Addr, x.UserAgent)
	switch {
	case err != nil && s.d.IsUnique(err):
		return fmt.Errorf("%s: create session: %w", s.d.Name, store.ErrConflict)
	case err != nil && s.d.IsForeignKey(err):
		return fmt.Errorf("%s: create session: user %d: %w", s.d.Name, x.UserID, store.ErrNotFound)
	case err != nil:
		return s.errf(err, "create session")
	}
	return nil
}

// GetSession implements store.Accounts.
func (s *Core) GetSession(ctx context.Context, idHash string) (*store.Session, error) {
	return one(ctx, s, "session", scanSession, s.q["get-session"], idHash)
}

// TouchSession implements store.Accounts. LastSeen never moves back.
func (s *Core) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q["touch-session"], nsNow(at.UTC()), idHash)
	if err != nil {
		return s.errf(err, "touch session")
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if n, err := s.count(ctx, "touch session", s.q["session-exists"], idHash); err != nil || n > 0 {
		return err
	}
	return fmt.Errorf("%s: session: %w", s.d.Name, store.ErrNotFound)
}

// DeleteSession implements store.Accounts.
func (s *Core) DeleteSession(ctx context.Context, idHash string) error {
	return s.execOne(ctx, s.db, "delete session", s.q["delete-session"], idHash)
}

// DeleteUserSessions implements store.Accounts.
func (s *Core) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	return s.deleted(ctx, "delete sessions of user", s.q["delete-user-sessions"], userID)
}

// DeleteSessionsBefore implements store.Accounts.
func (s *Core) DeleteSessionsBefore(ctx context.Context, created, seen time.Time) (int, error) {
	return s.deleted(ctx, "delete old sessions", s.q["delete-sessions-before"],
		bound(created, math.MinInt64), bound(seen, math.MinInt64))
}

// Audit implements store.Accounts.
func (s *Core) Audit(ctx context.Context, e store.AuditEntry) error {
	if e.Action == "" || e.Actor == "" {
		return fmt.Errorf("%s: audit: %w: actor and action are required", s.d.Name, store.ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	at, err := ns(e.At.UTC())
	if err != nil {
		return fmt.Errorf("%s: audit: %w: %v", s.d.Name, store.ErrInvalid, err)
	}
	if _, err := s.db.ExecContext(ctx, s.q["insert-audit"], at, e.Actor, e.Action, e.Target, e.Detail, e.Addr); err != nil {
		return s.errf(err, "audit %s", e.Action)
	}
	return nil
}

func scanAudit(r scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var at int64
	err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Addr)
	e.At = time.Unix(0, at).UTC()
	return e, err
}

// ListAudit implements store.Accounts.
func (s *Core) ListAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	return collect(ctx, s, s.db, "list audit", scanAudit, s.q["list-audit"], bound(q.Since, math.MinInt64), q.BeforeID,
		q.Action, q.Actor, q.Target, q.Addr, limit(q.Limit))
}

// CountAudit implements store.Accounts.
func (s *Core) CountAudit(ctx context.Context, q store.AuditQuery) (int, error) {
	return s.count(ctx, "count audit", s.q["count-audit"], bound(q.Since, math.MinInt64),
		q.Action, q.Actor, q.Target, q.Addr)
}

// EraseSubscriber implements store.Erasure.
func (s *Core) EraseSubscriber(ctx context.Context, id int64, hash string) error {
	if hash == "" {
		return fmt.Errorf("%s: erase subscriber %d: %w: no hash", s.d.Name, id, store.ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var email string
		err := tx.QueryRowContext(ctx, s.q["delete-subscriber-by-id"], id).Scan(&email)
		if isNoRows(err) {
			return fmt.Errorf("%s: subscriber %d: %w", s.d.Name, id, store.ErrNotFound)
		} else if err != nil {
			return s.errf(err, "erase subscriber %d", id)
		}
		if _, err := tx.ExecContext(ctx, s.q["scrub-audit"], fmt.Sprintf("subscriber %d (erased)", id), email); err != nil {
			return s.errf(err, "erase subscriber %d", id)
		}
		if _, err := tx.ExecContext(ctx, s.q["insert-erased"], hash, nsNow(s.now())); err != nil {
			return s.errf(err, "erase subscriber %d", id)
		}
		return nil
	})
}

// IsErased implements store.Erasure.
func (s *Core) IsErased(ctx context.Context, hash string) (bool, error) {
	n, err := s.count(ctx, "is erased", s.q["is-erased"], hash)
	return n > 0, err
}

// Unerase implements store.Erasure.
func (s *Core) Unerase(ctx context.Context, hash string) error {
	return s.execOne(ctx, s.db, "unerase an address", s.q["unerase"], hash)
}

// count runs a query returning one integer.
func (s *Core) count(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, s.errf(err, "%s", what)
	}
	return n, nil
}

// deleted runs a DELETE and returns how many rows it removed.
func (s *Core) deleted(ctx context.Context, what, query string, args ...any) (int, error) {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, s.errf(err, "%s", what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errf(err, "%s", what)
	}
	return int(n), nil
}
