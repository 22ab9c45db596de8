package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
)

type apiUser struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	TOTP        bool       `json:"totp"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func toAPIUser(u *store.User) apiUser {
	return apiUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), TOTP: u.TOTPSecret != "",
		CreatedAt: u.CreatedAt, LastLoginAt: opt(u.LastLoginAt)}
}

// apiUserErr answers an account error.
func (c *Console) apiUserErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrLastAdmin):
		apiError(w, http.StatusConflict, "last_admin", "that would leave no admin")
	case errors.Is(err, auth.ErrWeakPassword):
		apiError(w, http.StatusUnprocessableEntity, "weak_password", err.Error())
	case errors.Is(err, store.ErrConflict):
		apiError(w, http.StatusConflict, "exists", "already used")
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", "no such user or token")
	case errors.Is(err, store.ErrInvalidEmail), errors.Is(err, store.ErrInvalid), errors.Is(err, auth.ErrBadRole):
		apiError(w, http.StatusUnprocessableEntity, "invalid", err.Error())
	default:
		c.apiInternal(w, r, err)
	}
}

func (c *Console) apiUsers(w http.ResponseWriter, r *http.Request, _ *caller) {
	apiList(c, w, r, c.o.Store.ListUsers, func(u store.User) apiUser { return toAPIUser(&u) })
}

func (c *Console) apiAddUser(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	u, err := c.o.Auth.AddUser(r.Context(), who.actor(), in.Email, strings.TrimSpace(in.Name), store.Role(in.Role), in.Password)
	if err != nil {
		c.apiUserErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIUser(u))
}

func (c *Console) apiUserOf(w http.ResponseWriter, r *http.Request) *store.User {
	return apiRecord(c, w, r, c.o.Store.GetUser, "no such user or token")
}

func (c *Console) apiSetRole(w http.ResponseWriter, r *http.Request, who *caller) {
	u := c.apiUserOf(w, r)
	if u == nil {
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	nu, err := c.o.Auth.SetRole(r.Context(), who.actor(), u.Email, store.Role(in.Role))
	if err != nil {
		c.apiUserErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIUser(nu))
}

func (c *Console) apiRemoveUser(w http.ResponseWriter, r *http.Request, who *caller) {
	u := c.apiUserOf(w, r)
	if u == nil {
		return
	}
	if err := c.o.Auth.RemoveUser(r.Context(), who.actor(), u.Email); err != nil {
		c.apiUserErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type apiToken struct {
	Name       string     `json:"name"`
	User       string     `json:"user"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// Token is the secret, in the answer to its creation only.
	Token string `json:"token,omitempty"`
}

func (c *Console) apiTokens(w http.ResponseWriter, r *http.Request, _ *caller) {
	apiList(c, w, r, c.o.Store.ListTokens, func(t store.Token) apiToken {
		return apiToken{Name: t.Name, User: t.UserEmail, CreatedAt: t.CreatedAt, LastUsedAt: opt(t.LastUsedAt)}
	})
}

func (c *Console) apiCreateToken(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		User string `json:"user"`
		Name string `json:"name"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Name) == "" {
		apiError(w, http.StatusUnprocessableEntity, "invalid", "name is required")
		return
	}
	secret, t, err := c.o.Auth.CreateToken(r.Context(), who.actor(), in.User, strings.TrimSpace(in.Name))
	if err != nil {
		c.apiUserErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apiToken{Name: t.Name, User: t.UserEmail, CreatedAt: t.CreatedAt, Token: secret})
}

func (c *Console) apiRevokeToken(w http.ResponseWriter, r *http.Request, who *caller) {
	if err := c.o.Auth.RevokeToken(r.Context(), who.actor(), r.PathValue("name")); err != nil {
		c.apiUserErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
