package admin

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/web"
)

// Cookie names. With https the __Host- prefix binds the cookie to this
// host and path /, Secure, with no Domain: a sibling site cannot plant one.
const (
	cookieSecure = "__Host-nashra_session"
	cookiePlain  = "nashra_session"
	// preCookie carries the CSRF token of the login form, before any
	// session exists.
	preSecure = "__Host-nashra_login"
	prePlain  = "nashra_login"
)

func (c *Console) cookieName() string {
	if c.secure {
		return cookieSecure
	}
	return cookiePlain
}

func (c *Console) preName() string {
	if c.secure {
		return preSecure
	}
	return prePlain
}

func (c *Console) cookie(r *http.Request) string {
	if ck, err := r.Cookie(c.cookieName()); err == nil {
		return ck.Value
	}
	return ""
}

// setCookie sets (maxAge > 0) or clears (maxAge < 0) a console cookie:
// HttpOnly, SameSite=Lax (Strict would drop the session on the first
// click from an email), Secure over https.
func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// csrfOK checks the form's csrf field (or the X-CSRF-Token header, for
// the console's script) against the session's token, and that a browser
// saying where the request comes from says this site.
func (c *Console) csrfOK(r *http.Request, x *store.Session) bool {
	if !c.sameOrigin(r) {
		return false
	}
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		token = formValue(r, "csrf")
	}
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(x.CSRF)) == 1
}

// sameOrigin refuses a request whose Origin (or, lacking it, Referer)
// names another site. Requests without either (old clients, tests) rely
// on the token alone.
func (c *Console) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	if b, err := url.Parse(c.o.BaseURL); err == nil && b.Host != "" && strings.EqualFold(u.Host, b.Host) {
		return true
	}
	return false
}

// formValue reads a urlencoded or multipart form field.
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(8 << 20); err != nil {
				return ""
			}
		}
	}
	return r.PostFormValue(name)
}

// clientAddrOf is the client's address without a port, as the audit log
// and the per-address sign-in limit want it.
func clientAddrOf(r *http.Request, trusted []netip.Prefix) string {
	addr := web.ClientAddr(r, trusted)
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// loginPage shows the sign-in form (or the code form of a pending
// session). Its CSRF token lives in a cookie of its own.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, who *caller) {
	if _, _, err := c.o.Auth.Session(r.Context(), c.cookie(r)); err == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	code := false
	if _, err := c.o.Auth.PendingSession(r.Context(), c.cookie(r)); err == nil {
		code = true
	}
	c.renderLogin(w, r, http.StatusOK, loginData{Code: code}, c.preToken(w, r))
}

type loginData struct {
	Email, Error string
	Code         bool
}

// preToken returns the login form's CSRF token, setting its cookie when
// there is none.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.preName()); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	t := auth.NewCSRF()
	c.setCookie(w, c.preName(), t, 3600)
	return t
}

func (c *Console) preOK(r *http.Request) bool {
	ck, err := r.Cookie(c.preName())
	if err != nil || len(ck.Value) < 32 || !c.sameOrigin(r) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("csrf"))) == 1
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData, csrf string) {
	c.render(w, r, nil, status, "login", frame{Title: "تسجيل الدخول", CSRF: csrf, Data: d})
}

// login checks the password; the session id the browser had is never
// kept (a new one is issued), and the answer is the same for an unknown
// account and a wrong password.
func (c *Console) login(w http.ResponseWriter, r *http.Request, who *caller) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !c.preOK(r) {
		c.renderLogin(w, r, http.StatusForbidden, loginData{Error: "انتهت صلاحية النموذج. أعد المحاولة."}, c.preToken(w, r))
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	client := auth.Client{Addr: who.Addr, UserAgent: r.UserAgent()}
	// Whatever happens, the session the browser came with ends here.
	_ = c.o.Auth.Logout(r.Context(), c.cookie(r), client)
	res, err := c.o.Auth.Login(r.Context(), email, r.PostFormValue("password"), client)
	switch {
	case errors.Is(err, auth.ErrThrottled):
		c.setCookie(w, c.cookieName(), "", -1)
		c.renderLogin(w, r, http.StatusTooManyRequests, loginData{Email: email, Error: "محاولات كثيرة خاطئة. انتظر ربع ساعة ثم حاول مرة أخرى."}, c.preToken(w, r))
		return
	case errors.Is(err, auth.ErrBadCredentials):
		c.setCookie(w, c.cookieName(), "", -1)
		c.renderLogin(w, r, http.StatusUnauthorized, loginData{Email: email, Error: "البريد أو كلمة المرور غير صحيحة."}, c.preToken(w, r))
		return
	case err != nil:
		c.internal(w, r, nil, err)
		return
	}
	c.setCookie(w, c.cookieName(), res.SessionID, int(c.o.Auth.Options().MaxAge.Seconds()))
	if res.Session.Pending {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	c.setCookie(w, c.preName(), "", -1)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// loginCode completes a sign-in with a second factor.
func (c *Console) loginCode(w http.ResponseWriter, r *http.Request, who *caller) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !c.preOK(r) {
		c.renderLogin(w, r, http.StatusForbidden, loginData{Error: "انتهت صلاحية النموذج. أعد المحاولة."}, c.preToken(w, r))
		return
	}
	client := auth.Client{Addr: who.Addr, UserAgent: r.UserAgent()}
	res, err := c.o.Auth.SecondFactor(r.Context(), c.cookie(r), r.PostFormValue("code"), client)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		c.renderLogin(w, r, http.StatusUnauthorized, loginData{Code: true, Error: "الرمز غير صحيح."}, c.preToken(w, r))
		return
	case errors.Is(err, auth.ErrNoSession), errors.Is(err, auth.ErrThrottled):
		c.setCookie(w, c.cookieName(), "", -1)
		c.renderLogin(w, r, http.StatusUnauthorized, loginData{Error: "انتهت مهلة التحقق. سجّل الدخول من جديد."}, c.preToken(w, r))
		return
	case err != nil:
		c.internal(w, r, nil, err)
		return
	}
	c.setCookie(w, c.cookieName(), res.SessionID, int(c.o.Auth.Options().MaxAge.Seconds()))
	c.setCookie(w, c.preName(), "", -1)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// logout ends the session and tells the browser to forget what it showed.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, who *caller) {
	if err := c.o.Auth.Logout(r.Context(), c.cookie(r), auth.Client{Addr: who.Addr, UserAgent: r.UserAgent()}); err != nil {
		c.o.Log.Warn("console logout", "err", err)
	}
	c.setCookie(w, c.cookieName(), "", -1)
	w.Header().Set("Clear-Site-Data", `"cache", "cookies"`)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}
