// Package admin is nashra's console at /admin/ (server-rendered Arabic
// pages, signed in with a session cookie) and its JSON API at /api/v1/
// (Bearer tokens). Both register every route through one table that
// carries the least role the route needs, so that authentication, role
// checks and CSRF checks cannot be forgotten on a route added later:
// Routes lists them for the tests that walk every one.
package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
	"github.com/nashra/nashra/templates"
)

// ArticleEditor changes articles for the console and the API; each
// change must reach feeds, pages and the next editions.
type ArticleEditor interface {
	Unpublish(ctx context.Context, slug string) error
	Publish(ctx context.Context, slug string) error
	Delete(ctx context.Context, slug string) error
	SetCategory(ctx context.Context, slug, category string) error
}

// Options wire the console and the API.
type Options struct {
	Store store.Store
	Auth  *auth.Service
	Pages *templates.Console
	// Subscribe sends confirmation emails and imports CSV lists; nil
	// leaves those actions out.
	Subscribe *subscribe.Service
	// Articles changes articles; nil leaves those actions out.
	Articles ArticleEditor
	// Editions runs the edition operations; nil leaves the edition pages
	// out (the API then lists editions from the store).
	Editions *edition.Service
	// Sources manages the feeds and sitemaps articles are pulled from; nil
	// leaves the sources API out.
	Sources *source.Service
	// Secret keys the hash an erased address is remembered by.
	Secret    []byte
	SiteTitle string
	// BaseURL is site.base_url; an https one makes cookies Secure.
	BaseURL        string
	Location       *time.Location
	TrustedProxies []netip.Prefix
	// Categories are the configured category names, offered in forms.
	Categories []string
	// Newsletters are the configured newsletters, the default one first;
	// with two or more the subscriber pages and the API show and edit
	// each subscriber's.
	Newsletters []subscribe.Newsletter
	// ArticleURL is an article's public address.
	ArticleURL func(a *article.Article) string
	// NextEdition is when the next edition is due (zero: not scheduled).
	NextEdition func(now time.Time) time.Time
	Log         *slog.Logger
}

// Route is one registered console or API route.
type Route struct {
	Method  string // GET or POST, PATCH, DELETE
	Pattern string // as given to http.ServeMux, without the method
	// Role is the least role the route needs; "" = no sign-in (the login
	// page, static files, the OpenAPI document).
	Role store.Role
	API  bool
}

// Mutates reports whether the route changes something.
func (r Route) Mutates() bool { return r.Method != http.MethodGet && r.Method != http.MethodHead }

// Console serves /admin/ and /api/v1/.
type Console struct {
	o      Options
	mux    *http.ServeMux
	routes []Route
	secure bool
	nls    subscribe.Newsletters // subscribe.NewsletterList(o.Newsletters)
}

// New builds the console and API handlers.
func New(o Options) *Console {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	c := &Console{o: o, mux: http.NewServeMux(), secure: strings.HasPrefix(o.BaseURL, "https://"),
		nls: subscribe.NewsletterList(o.Newsletters)}
	c.register()
	return c
}

// Mount registers the console's paths on mux.
func (c *Console) Mount(mux *http.ServeMux) {
	mux.Handle("/admin/", c)
	mux.Handle("/admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
	mux.Handle("/api/v1/", c)
}

// Routes lists every registered route.
func (c *Console) Routes() []Route { return append([]Route(nil), c.routes...) }

// ServeHTTP routes a console or API request.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	} else {
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("Referrer-Policy", "same-origin")
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// consoleCSP is stricter than the public pages': no inline style either,
// images from the console itself only.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; frame-src 'self'; base-uri 'none'"

// handler is a console or API handler with its caller resolved.
type handler func(w http.ResponseWriter, r *http.Request, who *caller)

// caller is the signed-in user of a request and how they signed in.
type caller struct {
	User    *store.User
	Session *store.Session // console
	Token   *store.Token   // API
	Addr    string
}

func (c *caller) actor() auth.Actor {
	if c == nil || c.User == nil {
		return auth.Actor{Name: "anonymous"}
	}
	name := c.User.Email
	if c.Token != nil {
		name += " (token " + c.Token.Name + ")"
	}
	return auth.Actor{Name: name, Addr: c.Addr}
}

// page registers a console route needing role (or nothing when role is
// ""): without a session it redirects to the login page; with too small a
// role it answers 403; a POST without the session's CSRF token is 403.
func (c *Console) page(method, pattern string, role store.Role, h handler) {
	c.routes = append(c.routes, Route{Method: method, Pattern: pattern, Role: role})
	c.mux.HandleFunc(method+" "+pattern, func(w http.ResponseWriter, r *http.Request) {
		addr := c.addr(r)
		if role == "" {
			h(w, r, &caller{Addr: addr})
			return
		}
		x, u, err := c.o.Auth.Session(r.Context(), c.cookie(r))
		if err != nil {
			c.redirectLogin(w, r)
			return
		}
		who := &caller{User: u, Session: x, Addr: addr}
		if method != http.MethodGet && !c.csrfOK(r, x) {
			c.fail(w, r, who, http.StatusForbidden, "انتهت صلاحية النموذج أو لم يأتِ من هذه اللوحة. أعد تحميل الصفحة وحاول مرة أخرى.")
			return
		}
		if !u.Role.AtLeast(role) {
			c.fail(w, r, who, http.StatusForbidden, "ليست لديك صلاحية هذا الإجراء.")
			return
		}
		h(w, r, who)
	})
}

// api registers an API route needing role; see page. Tokens carry no
// cookies, so there is no CSRF to check.
func (c *Console) api(method, pattern string, role store.Role, h handler) {
	c.routes = append(c.routes, Route{Method: method, Pattern: pattern, Role: role, API: true})
	c.mux.HandleFunc(method+" "+pattern, func(w http.ResponseWriter, r *http.Request) {
		addr := c.addr(r)
		if role == "" {
			h(w, r, &caller{Addr: addr})
			return
		}
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nashra"`)
			apiError(w, http.StatusUnauthorized, "unauthorized", "an Authorization: Bearer TOKEN header is required")
			return
		}
		t, u, err := c.o.Auth.Token(r.Context(), strings.TrimSpace(bearer))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nashra", error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "unauthorized", "the token is invalid or revoked")
			return
		}
		if !u.Role.AtLeast(role) {
			apiError(w, http.StatusForbidden, "forbidden", "this token's user ("+string(u.Role)+") may not do this; it needs "+string(role))
			return
		}
		h(w, r, &caller{User: u, Token: t, Addr: addr})
	})
}

func (c *Console) addr(r *http.Request) string {
	return clientAddrOf(r, c.o.TrustedProxies)
}

func (c *Console) redirectLogin(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}
