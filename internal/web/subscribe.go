package web

import (
	"errors"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

// SubscribeOptions wire the subscription pages.
type SubscribeOptions struct {
	Service *subscribe.Service
	Pages   Pages
	// SiteTitle and BaseURL are site.title and site.base_url.
	SiteTitle, BaseURL string
	// Secret keys the CSRF tokens (security.secret).
	Secret []byte
	// SignUpBurst sign-ups may come at once from one client address
	// (default 5), then SignUpRate per second (default 0.1: six a minute);
	// the buckets are kept in the database (Service.Allow), so several
	// serve processes share them.
	SignUpRate  float64
	SignUpBurst int
	// FormTTL is how long a form stays valid (default 2h).
	FormTTL time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (server.trusted_proxies); nil = the loopback addresses.
	TrustedProxies []netip.Prefix
	Now            func() time.Time
	Log            *slog.Logger
}

// Subscribe serves /subscribe, /confirm, /preferences and /unsubscribe.
type Subscribe struct {
	o     SubscribeOptions
	svc   *subscribe.Service
	pages *Server // renders pages and Arabic error pages
	csrf  *subscribe.CSRF
}

// csrfCookie holds the signed double-submit cookie (subscribe.CSRF).
const csrfCookie = "nashra_csrf"

// maxFormBytes bounds a posted form.
const maxFormBytes = 16 << 10

// NewSubscribe returns the subscription pages; mount them with Routes
// (Options.Routes).
func NewSubscribe(o SubscribeOptions) *Subscribe {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SignUpRate <= 0 {
		o.SignUpRate = 0.1
	}
	if o.SignUpBurst <= 0 {
		o.SignUpBurst = 5
	}
	if o.FormTTL <= 0 {
		o.FormTTL = 2 * time.Hour
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.TrustedProxies == nil {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return &Subscribe{
		o:     o,
		svc:   o.Service,
		pages: &Server{o: Options{Pages: o.Pages, SiteTitle: o.SiteTitle, BaseURL: o.BaseURL, Log: o.Log}},
		csrf:  subscribe.NewCSRF(o.Secret, o.FormTTL),
	}
}

// Routes mounts the pages on mux.
func (h *Subscribe) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /subscribe", h.form)
	mux.HandleFunc("POST /subscribe", h.signUp)
	mux.HandleFunc("GET /subscribe/sent", h.sent)
	mux.HandleFunc("GET /confirm", h.confirmAsk)
	mux.HandleFunc("POST /confirm", h.confirm)
	mux.HandleFunc("POST /confirm/resend", h.resendConfirm)
	mux.HandleFunc("GET /preferences", h.preferences)
	mux.HandleFunc("POST /preferences", h.savePreferences)
	mux.HandleFunc("GET /unsubscribe", h.unsubscribePage)
	mux.HandleFunc("POST /unsubscribe", h.unsubscribe)
}

// basePage is what every subscription page shares (the layout reads
// SiteTitle, BaseURL and Title).
type basePage struct {
	SiteTitle, BaseURL, Title string
	CSRF                      string
}

func (h *Subscribe) base(title string) basePage {
	return basePage{SiteTitle: h.o.SiteTitle, BaseURL: h.o.BaseURL, Title: title}
}

// private marks a response as personal: never cached, never leaking the
// link's token through a Referer.
func private(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Frame-Options", "DENY")
}

// renderPrivate writes page name as a personal page (see private).
func (h *Subscribe) renderPrivate(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	private(w)
	h.pages.render(w, r, status, name, data)
}

// formPage is a subscription page holding a form, which carries the
// client's CSRF token.
type formPage interface{ setCSRF(token string) }

func (b *basePage) setCSRF(token string) { b.CSRF = token }

// renderPrivateForm writes page name, a personal page holding a form, with
// the client's CSRF token in it (see csrfToken).
func (h *Subscribe) renderPrivateForm(w http.ResponseWriter, r *http.Request, status int, name string, p formPage) {
	p.setCSRF(h.csrfToken(w, r))
	h.renderPrivate(w, r, status, name, p)
}

// csrfToken returns the form token for this client, setting the cookie
// when it has none.
func (h *Subscribe) csrfToken(w http.ResponseWriter, r *http.Request) string {
	cookie := ""
	if c, err := r.Cookie(csrfCookie); err == nil && h.csrf.CookieValid(c.Value) {
		cookie = c.Value
	} else {
		cookie = h.csrf.NewCookie()
		http.SetCookie(w, &http.Cookie{
			Name: csrfCookie, Value: cookie, Path: "/", HttpOnly: true,
			Secure: strings.HasPrefix(h.o.BaseURL, "https://"), SameSite: http.SameSiteLaxMode,
		})
	}
	return h.csrf.Token(cookie, h.o.Now())
}

// postedForm parses a posted form and checks its CSRF token, answering
// the request itself (and returning false) when either fails.
func (h *Subscribe) postedForm(w http.ResponseWriter, r *http.Request) bool {
	if !h.parseForm(w, r) {
		return false
	}
	if !h.csrfOK(r) {
		private(w)
		h.pages.Error(w, r, http.StatusForbidden, msgCSRF)
		return false
	}
	return true
}

// csrfOK checks the posted token against the cookie; the form must be parsed.
func (h *Subscribe) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	return err == nil && h.csrf.Valid(c.Value, r.PostFormValue("csrf"), h.o.Now())
}

const msgCSRF = "انتهت صلاحية النموذج أو أن المتصفح لم يرسل ملف تعريف الارتباط الخاص به. أعد تحميل الصفحة وحاول مرة أخرى."

// parseForm reads a bounded form body; false means an error page was sent.
func (h *Subscribe) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.pages.Error(w, r, http.StatusBadRequest, "")
		return false
	}
	return true
}

// parseFormOrMultipart is parseForm that also reads a bounded
// multipart/form-data body (the one-click unsubscribe only).
func (h *Subscribe) parseFormOrMultipart(w http.ResponseWriter, r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return h.parseForm(w, r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	// Parts beyond maxFormBytes in memory would go to temporary files; the
	// body cannot be that large, and nothing is kept.
	err := r.ParseMultipartForm(maxFormBytes)
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
	if err != nil {
		h.pages.Error(w, r, http.StatusBadRequest, "")
		return false
	}
	return true
}

// tokenError answers a bad or expired link with an Arabic page.
const msgInvalidLink = "هذا الرابط غير صالح: ربما نُسخ ناقصًا أو عُدّل. افتح الرابط كما وصلك في الرسالة."

func (h *Subscribe) tokenError(w http.ResponseWriter, r *http.Request, err error, expired string) {
	private(w)
	switch {
	case errors.Is(err, subscribe.ErrExpiredToken):
		h.pages.Error(w, r, http.StatusGone, expired)
	case errors.Is(err, subscribe.ErrInvalidToken):
		h.pages.Error(w, r, http.StatusBadRequest, msgInvalidLink)
	default:
		h.o.Log.Error("subscription page", "path", r.URL.Path, "err", err)
		h.pages.Error(w, r, http.StatusInternalServerError, "")
	}
}

type subscribePage struct {
	basePage
	Email, Name string
	Choices     []subscribe.Choice
	// Newsletters, with two or more, are offered each with its
	// categories (and Choices is empty).
	Newsletters []subscribe.NewsletterChoice
	Error       string
	Field       string
	follow      []store.Subscription // chosen, for a re-render
}

func (h *Subscribe) renderForm(w http.ResponseWriter, r *http.Request, status int, p subscribePage) {
	var err error
	if h.svc.Several() {
		if p.follow == nil { // a first visit: the default newsletter ticked
			p.follow = []store.Subscription{{Newsletter: h.svc.Newsletters()[0].Slug}}
		}
		p.Newsletters, err = h.svc.NewsletterChoices(r.Context(), p.follow)
		p.Choices = nil
	} else {
		p.Choices, err = h.svc.Choices(r.Context(), p.checked())
	}
	if err != nil {
		h.o.Log.Error("subscribe form", "err", err)
		h.pages.Error(w, r, http.StatusInternalServerError, "")
		return
	}
	p.basePage = h.base("الاشتراك في النشرة")
	h.renderPrivateForm(w, r, status, "subscribe", &p)
}

// newslettersField marks a form that offers several newsletters, so that
// one posted with none ticked is told to tick one; a form without it
// (a site's own form, as before there were several) follows the default
// newsletter with "categories".
const newslettersField = "newsletters-form"

// followFromForm reads the newsletters ticked in a posted form
// ("newsletters", each with "categories-SLUG"); nil when the form offers
// no choice of newsletter.
func followFromForm(r *http.Request) []store.Subscription {
	if r.PostFormValue(newslettersField) == "" && r.PostForm["newsletters"] == nil {
		return nil
	}
	follow := []store.Subscription{}
	for _, slug := range r.PostForm["newsletters"] {
		follow = append(follow, store.Subscription{Newsletter: slug, Categories: r.PostForm["categories-"+slug],
			Status: store.Subscribed})
	}
	return follow
}

// checked returns the categories ticked in p.Choices before a re-render.
func (p subscribePage) checked() []string {
	var out []string
	for _, c := range p.Choices {
		if c.Checked {
			out = append(out, c.Value)
		}
	}
	return out
}

func (h *Subscribe) form(w http.ResponseWriter, r *http.Request) {
	h.renderForm(w, r, http.StatusOK, subscribePage{})
}

// signUp takes the sign-up form. The client's rate limit is charged only
// for a form that passed the CSRF check and validation, so junk requests
// cannot use up the sign-ups of the clients sharing a bucket.
func (h *Subscribe) signUp(w http.ResponseWriter, r *http.Request) {
	if !h.postedForm(w, r) {
		return
	}
	key := subscribe.ClientKey(ClientAddr(r, h.o.TrustedProxies))
	if r.PostFormValue("website") != "" { // the bot trap: humans never see it
		h.o.Log.Info("sign-up: bot trap filled", "client", key)
		http.Redirect(w, r, "/subscribe/sent", http.StatusSeeOther)
		return
	}
	in := subscribe.SignUp{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Categories: r.PostForm["categories"], Follow: followFromForm(r)}
	valid, err := h.svc.Validate(r.Context(), in)
	if err == nil {
		var ok bool
		if ok, err = h.allowClient(w, r, key); err == nil && !ok {
			return
		}
	}
	if err == nil {
		err = h.svc.Subscribe(r.Context(), valid)
	}
	var ie *subscribe.InputError
	switch {
	case errors.As(err, &ie):
		p := subscribePage{Email: stripControls(in.Email), Name: stripControls(in.Name), Error: ie.Message, Field: ie.Field,
			follow: in.Follow}
		for _, c := range in.Categories {
			p.Choices = append(p.Choices, subscribe.Choice{Value: c, Checked: true})
		}
		h.renderForm(w, r, http.StatusBadRequest, p)
	case err != nil:
		h.o.Log.Error("sign-up", "err", err)
		h.pages.Error(w, r, http.StatusServiceUnavailable, "تعذّر إرسال رسالة التأكيد الآن. حاول مرة أخرى بعد قليل.")
	default:
		http.Redirect(w, r, "/subscribe/sent", http.StatusSeeOther)
	}
}

// allowClient charges one request that sends an email (a sign-up, a new
// confirmation link) to the client key's bucket; when the bucket is empty
// it answers 429 itself and returns false.
func (h *Subscribe) allowClient(w http.ResponseWriter, r *http.Request, key string) (bool, error) {
	every := time.Duration(float64(time.Second) / h.o.SignUpRate)
	ok, err := h.svc.Allow(r.Context(), "signup:"+key, every, h.o.SignUpBurst)
	if err == nil && !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(every.Seconds()))))
		h.pages.Error(w, r, http.StatusTooManyRequests, "")
	}
	return ok, err
}

func (h *Subscribe) sent(w http.ResponseWriter, r *http.Request) {
	h.pages.render(w, r, http.StatusOK, "subscribe-sent", h.base("تحقّق من بريدك"))
}

type confirmPage struct {
	basePage
	Outcome        string // ask | confirmed | already | rejoined | left | expired | resent
	Token          string // with ask and expired: the link's token, posted back
	Name           string
	PreferencesURL string
	// Newsletters, with several, names those the reader follows (or will
	// once confirmed).
	Newsletters []string
}

// withNewsletters fills p.Newsletters when the site has several.
func (h *Subscribe) withNewsletters(r *http.Request, p *confirmPage, sub *store.Subscriber) error {
	if !h.svc.Several() {
		return nil
	}
	list, err := h.svc.Joining(r.Context(), sub)
	for _, n := range list {
		p.Newsletters = append(p.Newsletters, n.Name)
	}
	return err
}

// confirmTokenError answers a confirmation link that does not work: an
// expired one (whoever it names, confirmed or not) gets a page offering to
// mail a new one, and hands out no link itself.
// A link whose sign-up was erased (unconfirmed past subscribe.pending_ttl)
// is invalid like a tampered one, which the page says can happen.
func (h *Subscribe) confirmTokenError(w http.ResponseWriter, r *http.Request, t string, err error) {
	if errors.Is(err, subscribe.ErrInvalidToken) {
		private(w)
		h.pages.Error(w, r, http.StatusBadRequest, msgInvalidLink+" وإن كان الرابط قديمًا فربما حُذف طلب الاشتراك لأنه لم يُؤكَّد في وقته: اشترك من جديد.")
		return
	}
	if !errors.Is(err, subscribe.ErrExpiredToken) {
		h.tokenError(w, r, err, "")
		return
	}
	p := confirmPage{basePage: h.base("انتهت صلاحية الرابط"), Outcome: "expired", Token: t}
	h.renderPrivateForm(w, r, http.StatusGone, "confirm", &p)
}

// resendConfirm takes the button of the expired-link page: a new email
// goes to the address the link names (subscribe.Service.ResendConfirm),
// charged to the client like a sign-up.
func (h *Subscribe) resendConfirm(w http.ResponseWriter, r *http.Request) {
	if !h.postedForm(w, r) {
		return
	}
	t := r.PostFormValue("t")
	if _, err := subscribe.Parse(t); err != nil {
		h.tokenError(w, r, err, "")
		return
	}
	if ok, err := h.allowClient(w, r, subscribe.ClientKey(ClientAddr(r, h.o.TrustedProxies))); err != nil || !ok {
		if err != nil {
			h.tokenError(w, r, err, "")
		}
		return
	}
	if err := h.svc.ResendConfirm(r.Context(), t); err != nil {
		h.tokenError(w, r, err, "")
		return
	}
	h.renderPrivate(w, r, http.StatusOK, "confirm", confirmPage{basePage: h.base("تحقّق من بريدك"), Outcome: "resent"})
}

// confirmAsk serves the page behind the confirmation link: it changes nothing
// and asks for a click (a POST with the CSRF token); a link used already,
// or older than the reader's leaving, shows the result at once.
func (h *Subscribe) confirmAsk(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("t")
	out, sub, err := h.svc.CheckConfirm(r.Context(), t)
	if err != nil {
		h.confirmTokenError(w, r, t, err)
		return
	}
	if out == subscribe.Confirmed || out == subscribe.Rejoined {
		p := confirmPage{basePage: h.base("أكّد اشتراكك"), Outcome: "ask", Token: t, Name: sub.Name}
		if err := h.withNewsletters(r, &p, sub); err != nil {
			h.tokenError(w, r, err, "")
			return
		}
		h.renderPrivateForm(w, r, http.StatusOK, "confirm", &p)
		return
	}
	h.renderConfirmed(w, r, out, sub)
}

// confirm takes the button of the confirmation page.
func (h *Subscribe) confirm(w http.ResponseWriter, r *http.Request) {
	if !h.postedForm(w, r) {
		return
	}
	out, sub, err := h.svc.Confirm(r.Context(), r.PostFormValue("t"))
	if err != nil {
		h.confirmTokenError(w, r, r.PostFormValue("t"), err)
		return
	}
	h.renderConfirmed(w, r, out, sub)
}

func (h *Subscribe) renderConfirmed(w http.ResponseWriter, r *http.Request, out subscribe.Outcome, sub *store.Subscriber) {
	p := confirmPage{Name: sub.Name}
	switch out {
	case subscribe.Confirmed:
		p.basePage, p.Outcome = h.base("شكرًا لك، تأكّد اشتراكك"), "confirmed"
	case subscribe.AlreadyConfirmed:
		p.basePage, p.Outcome = h.base("اشتراكك مؤكَّد من قبل"), "already"
	case subscribe.Rejoined:
		p.basePage, p.Outcome = h.base("أهلًا بعودتك"), "rejoined"
	default:
		p.basePage, p.Outcome = h.base("لقد ألغيت اشتراكك"), "left"
	}
	if sub.Status == store.StatusConfirmed {
		p.PreferencesURL = h.svc.Links().Preferences(sub)
		if err := h.withNewsletters(r, &p, sub); err != nil {
			h.tokenError(w, r, err, "")
			return
		}
	}
	h.renderPrivate(w, r, http.StatusOK, "confirm", p)
}

type preferencesPage struct {
	basePage
	Token       string
	Email, Name string
	Subscribed  bool
	Paused      bool
	Saved       bool
	Choices     []subscribe.Choice
	// Newsletters, with two or more, each with its categories (and
	// Choices is empty); the page then offers "leave all".
	Newsletters    []subscribe.NewsletterChoice
	Error          string
	UnsubscribeURL string
}

// renderPreferences shows sub's preferences; follow, when not nil, is what
// the reader posted (a re-render after an error), else what is stored.
func (h *Subscribe) renderPreferences(w http.ResponseWriter, r *http.Request, status int, token string, sub *store.Subscriber, follow []store.Subscription, saved bool, msg string) {
	p := preferencesPage{
		basePage: h.base("إعدادات الاشتراك"), Token: token, Email: sub.Email, Name: sub.Name,
		Subscribed: sub.Status == store.StatusConfirmed, Paused: sub.Paused, Saved: saved,
		Error: msg, UnsubscribeURL: h.svc.Links().Unsubscribe(sub, ""),
	}
	var err error
	if h.svc.Several() {
		if follow == nil {
			follow, err = h.svc.Subscriptions(r.Context(), sub)
		}
		if err == nil {
			p.Newsletters, err = h.svc.NewsletterChoices(r.Context(), follow)
		}
	} else {
		p.Choices, err = h.svc.Choices(r.Context(), sub.Categories)
	}
	if err != nil {
		h.tokenError(w, r, err, "")
		return
	}
	h.renderPrivateForm(w, r, status, "preferences", &p)
}

const msgPrefsExpired = "انتهت صلاحية رابط الإعدادات. استخدم الرابط في أحدث رسالة وصلتك من النشرة."

func (h *Subscribe) preferences(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("t")
	sub, err := h.svc.Preferences(r.Context(), t)
	if err != nil {
		h.tokenError(w, r, err, msgPrefsExpired)
		return
	}
	h.renderPreferences(w, r, http.StatusOK, t, sub, nil, false, "")
}

// savePreferences takes the preferences form: save (newsletters,
// categories, pause) or leave all.
func (h *Subscribe) savePreferences(w http.ResponseWriter, r *http.Request) {
	if !h.postedForm(w, r) {
		return
	}
	t := r.PostFormValue("t")
	if r.PostFormValue("action") == "leave-all" {
		sub, err := h.svc.LeaveAll(r.Context(), t)
		if err != nil {
			h.tokenError(w, r, err, msgPrefsExpired)
			return
		}
		h.renderPrivate(w, r, http.StatusOK, "unsubscribe", unsubscribePage{
			basePage: h.base("تم إلغاء اشتراكك"), Email: sub.Email, Done: true, All: true})
		return
	}
	follow := followFromForm(r)
	sub, err := h.svc.SavePreferences(r.Context(), t, subscribe.Prefs{
		Categories: r.PostForm["categories"], Follow: follow, Paused: r.PostFormValue("paused") != ""})
	var ie *subscribe.InputError
	switch {
	case errors.As(err, &ie):
		h.renderPreferences(w, r, http.StatusBadRequest, t, sub, follow, false, ie.Message)
	case errors.Is(err, subscribe.ErrNotSubscribed):
		h.renderPreferences(w, r, http.StatusConflict, t, sub, nil, false, "")
	case err != nil:
		h.tokenError(w, r, err, msgPrefsExpired)
	default:
		h.renderPreferences(w, r, http.StatusOK, t, sub, nil, true, "")
	}
}

type unsubscribePage struct {
	basePage
	Token, Email string
	Done         bool
	// Newsletter is the one the link leaves, named when there are
	// several; All is set after "leave all".
	Newsletter string
	All        bool
	// Remaining lists the newsletters still followed after leaving one,
	// with PreferencesURL to change them.
	Remaining      []subscribe.Newsletter
	PreferencesURL string
}

const msgUnsubExpired = "انتهت صلاحية رابط إلغاء الاشتراك. استخدم الرابط في أحدث رسالة وصلتك، أو راسلنا ونلغيه لك."

// unsubscribeResult is the unsubscribe page for link t's subscriber sub:
// the button (done false) or the result.
func (h *Subscribe) unsubscribeResult(r *http.Request, t string, sub *store.Subscriber, done bool) (unsubscribePage, error) {
	p := unsubscribePage{basePage: h.base("إلغاء الاشتراك"), Token: t, Email: sub.Email}
	if h.svc.Several() {
		p.Newsletter = h.svc.UnsubscribeNewsletter(t).Name
	}
	following, err := h.svc.Following(r.Context(), sub)
	if err != nil {
		return p, err
	}
	left := sub.Status == store.StatusUnsubscribed || !slices.ContainsFunc(following, func(n subscribe.Newsletter) bool {
		return n.Slug == h.svc.UnsubscribeNewsletter(t).Slug
	})
	if done || left {
		p.Done, p.Token = true, ""
		if done {
			p.Title = "تم إلغاء اشتراكك"
		}
		if sub.Status == store.StatusConfirmed && h.svc.Several() {
			p.Remaining, p.PreferencesURL = following, h.svc.Links().Preferences(sub)
		}
	}
	return p, nil
}

func (h *Subscribe) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("t")
	sub, err := h.svc.CheckUnsubscribe(r.Context(), t)
	if err == nil {
		var p unsubscribePage
		if p, err = h.unsubscribeResult(r, t, sub, false); err == nil {
			h.renderPrivateForm(w, r, http.StatusOK, "unsubscribe", &p)
			return
		}
	}
	h.tokenError(w, r, err, msgUnsubExpired)
}

// unsubscribe takes the RFC 8058 one-click POST (body
// List-Unsubscribe=One-Click as multipart/form-data, which RFC 8058
// recommends, or urlencoded; token in the URL; no CSRF token, no page: the
// signed token is the authority) and the button of the unsubscribe page
// (token and CSRF in the form).
func (h *Subscribe) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if !h.parseFormOrMultipart(w, r) {
		return
	}
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		_, _, err := h.svc.Unsubscribe(r.Context(), r.URL.Query().Get("t"))
		if err != nil {
			h.tokenError(w, r, err, msgUnsubExpired)
			return
		}
		private(w)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("unsubscribed\n"))
		return
	}
	if !h.csrfOK(r) {
		private(w)
		h.pages.Error(w, r, http.StatusForbidden, msgCSRF)
		return
	}
	t := r.PostFormValue("t")
	sub, _, err := h.svc.Unsubscribe(r.Context(), t)
	var p unsubscribePage
	if err == nil {
		p, err = h.unsubscribeResult(r, t, sub, true)
	}
	if err != nil {
		h.tokenError(w, r, err, msgUnsubExpired)
		return
	}
	h.renderPrivate(w, r, http.StatusOK, "unsubscribe", p)
}

// stripControls drops control characters (CR, LF…) from a value shown
// again in a form.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// ClientAddr is the client's address, for rate limits and access lists:
// the peer's ("ip:port"), or, when the peer is a trusted reverse proxy, the
// first address that is not a trusted proxy going back through
// X-Forwarded-For from its last hop (each proxy appends the address it got
// the request from). A client cannot choose its address by sending the
// header itself: hops left of the first untrusted one are never read, and
// a peer that is not a trusted proxy is taken as it is.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(ip, trusted) {
		return r.RemoteAddr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	addr := r.RemoteAddr
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr // garbage from beyond the proxy: the proxy's view
		}
		addr = hop.String()
		if !isTrusted(hop, trusted) {
			return addr
		}
	}
	return addr
}

// clientIP is ClientAddr without the port; false when it is no IP address
// (a Unix socket).
func clientIP(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	a := ClientAddr(r, trusted)
	if ap, err := netip.ParseAddrPort(a); err == nil {
		return ap.Addr().Unmap(), true
	}
	ip, err := netip.ParseAddr(a)
	return ip.Unmap(), err == nil
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
