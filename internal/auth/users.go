package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/nashra/nashra/internal/store"
)

// ErrLastAdmin: the change would leave no admin.
var ErrLastAdmin = errors.New("auth: that would leave no admin")

// ErrBadRole: a role other than admin, editor or viewer.
var ErrBadRole = errors.New("must be admin, editor or viewer")

// Audit actions of account management.
const (
	ActionUserAdd      = "user.add"
	ActionUserRemove   = "user.remove"
	ActionUserRole     = "user.role"
	ActionUserPassword = "user.password"
	ActionUserTOTP     = "user.totp"
	ActionUserTOTPOff  = "user.totp.off"
	ActionTokenCreate  = "token.create"
	ActionTokenRevoke  = "token.revoke"
)

// AddUser creates a user with a password and audits it.
func (s *Service) AddUser(ctx context.Context, by Actor, email, name string, role store.Role, password string) (*store.User, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("auth: role %q: %w", role, ErrBadRole)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &store.User{Email: email, Name: name, Role: role, PasswordHash: hash}
	if err := s.st.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, s.Audit(ctx, by, ActionUserAdd, u.Email, string(role))
}

// RemoveUser deletes a user with their sessions and tokens; the last
// admin cannot be removed.
func (s *Service) RemoveUser(ctx context.Context, by Actor, email string) error {
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.keepAnAdmin(ctx, u, ""); err != nil {
		return err
	}
	if err := s.st.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	return s.Audit(ctx, by, ActionUserRemove, u.Email, string(u.Role))
}

// SetRole changes a user's role; the last admin keeps theirs.
func (s *Service) SetRole(ctx context.Context, by Actor, email string, role store.Role) (*store.User, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("auth: role %q: %w", role, ErrBadRole)
	}
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if err := s.keepAnAdmin(ctx, u, role); err != nil {
		return nil, err
	}
	old := u.Role
	u.Role = role
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, s.Audit(ctx, by, ActionUserRole, u.Email, fmt.Sprintf("%s → %s", old, role))
}

// keepAnAdmin refuses to take away the only admin (next = "" for removal).
func (s *Service) keepAnAdmin(ctx context.Context, u *store.User, next store.Role) error {
	if u.Role != store.RoleAdmin || next == store.RoleAdmin {
		return nil
	}
	n, err := s.st.CountUsers(ctx, store.RoleAdmin)
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// SetPassword replaces a user's password and ends all their sessions.
func (s *Service) SetPassword(ctx context.Context, by Actor, email, password string) error {
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return err
	}
	n, err := s.st.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	return s.Audit(ctx, by, ActionUserPassword, u.Email, fmt.Sprintf("%d sessions ended", n))
}

// TOTPSetup is a new second factor, to show the user once.
type TOTPSetup struct {
	Secret        string
	URI           string
	RecoveryCodes []string
}

// EnableTOTP gives a user a new TOTP secret and ten recovery codes
// (replacing any earlier ones) and ends their sessions.
func (s *Service) EnableTOTP(ctx context.Context, by Actor, email string) (*TOTPSetup, error) {
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	secret := NewTOTPSecret()
	codes, hashes := NewRecoveryCodes(10)
	u.TOTPSecret, u.RecoveryCodes = secret, hashes
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if _, err := s.st.DeleteUserSessions(ctx, u.ID); err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, by, ActionUserTOTP, u.Email, ""); err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: secret, URI: TOTPURI(s.o.Issuer, u.Email, secret), RecoveryCodes: codes}, nil
}

// DisableTOTP removes a user's second factor.
func (s *Service) DisableTOTP(ctx context.Context, by Actor, email string) error {
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	u.TOTPSecret, u.RecoveryCodes = "", nil
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.Audit(ctx, by, ActionUserTOTPOff, u.Email, "")
}

// CreateToken makes an API token for the user with that email; the token
// is returned once and only its hash stored.
func (s *Service) CreateToken(ctx context.Context, by Actor, email, name string) (string, *store.Token, error) {
	if name == "" {
		return "", nil, errors.New("auth: a token needs a name")
	}
	u, err := s.st.UserByEmail(ctx, email)
	if err != nil {
		return "", nil, err
	}
	secret, hash := NewToken()
	t := &store.Token{Name: name, UserID: u.ID, UserEmail: u.Email, Hash: hash}
	if err := s.st.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, s.Audit(ctx, by, ActionTokenCreate, name, u.Email)
}

// RevokeToken deletes the token called name.
func (s *Service) RevokeToken(ctx context.Context, by Actor, name string) error {
	if err := s.st.RevokeToken(ctx, name); err != nil {
		return err
	}
	return s.Audit(ctx, by, ActionTokenRevoke, name, "")
}
