// Package web is nashra's HTTP surface: the feeds (served from memory by
// feeds.Handler), article pages, the web copy of each digest edition,
// health checks, and the public subscription pages. Public pages are
// Arabic, right-to-left, and work without JavaScript.
package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// Articles is what the article pages need.
type Articles interface {
	ArticleBySlug(ctx context.Context, slug string) (*article.Article, error)
}

// Health reports readiness: the database is reachable and migrated.
type Health interface {
	Ping(ctx context.Context) error
	MigrationsPending(ctx context.Context) (int, error)
}

// Pages renders the named page template with data (templates.Set.Page).
type Pages interface {
	Page(name string, data any) ([]byte, error)
}

// Options wire the server.
type Options struct {
	Feeds    http.Handler // serves /feed.xml, /atom.xml, /feed.json, /categories/…, / and /index.html
	Articles Articles
	Health   Health
	Pages    Pages
	// Edition renders the web copy of an edition, by ID
	// (store.EditionID: the day for the default newsletter); ok=false when
	// there is none.
	Edition func(ctx context.Context, id string) (page []byte, ok bool, err error)
	// Editions lists the editions of a newsletter's archive, newest first:
	// newsletter "" is the default one (/digest/), others are at
	// /digest/{slug}/.
	Editions func(ctx context.Context, newsletter string) ([]EditionLink, error)
	// Newsletters are the site's newsletters, the default one first: an
	// edition of newsletter N of day D is at /digest/N/D (the default
	// one's also at /digest/D, as before there were several). Empty: the
	// default one only, at /digest/D.
	Newsletters []Newsletter
	SiteTitle   string
	BaseURL     string
	Location    *time.Location
	// DateLine formats an article's publication time in Arabic.
	DateLine func(time.Time) string
	// Related lists an article's related links.
	Related    func(ctx context.Context, id string) []Link
	IsNotFound func(error) bool
	Log        *slog.Logger
	// Extra routes (subscription pages, admin API) mounted by the caller.
	Routes func(mux *http.ServeMux)
	// RequestTimeout ends the context of every request but the feeds'
	// this long after it arrived (server.request_timeout; 0 = never), so
	// that work for a client that is gone stops.
	RequestTimeout time.Duration
}

// Server is the HTTP handler.
type Server struct {
	o     Options
	mux   *http.ServeMux
	feeds FeedServer
	pages pageCache
	// archives links every newsletter's archive, built once: nil with one
	// newsletter.
	archives []archiveLink
}

// New builds the handler.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	s := &Server{o: o, mux: http.NewServeMux()}
	if len(o.Newsletters) > 1 {
		for i, n := range o.Newsletters {
			u := o.BaseURL + "/digest/"
			if i > 0 {
				u += n.Slug + "/"
			}
			s.archives = append(s.archives, archiveLink{Newsletter: n, URL: u})
		}
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if o.Articles != nil {
		s.mux.HandleFunc("GET /articles/{slug}", s.article)
	}
	if o.Edition != nil {
		s.mux.HandleFunc("GET /digest/{date}", s.edition)
		s.mux.HandleFunc("GET /digest/{newsletter}/{date}", s.edition)
	}
	if o.Editions != nil {
		s.mux.HandleFunc("GET /digest/{$}", s.editions)
		s.mux.HandleFunc("GET /digest/{newsletter}/{$}", s.editions)
	}
	if o.Routes != nil {
		o.Routes(s.mux)
	}
	if o.Feeds != nil {
		s.mux.Handle("/", o.Feeds)
		s.feeds, _ = o.Feeds.(FeedServer)
	}
	return s
}

// ServeHTTP routes a request; feed paths skip the router. Every response,
// whatever route wrote it (feeds, pages, the Routes of Options), carries
// the security headers (SetSecurityHeaders).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SetSecurityHeaders(w.Header())
	// The feeds are the hot path: a reader polls them all day. They go
	// straight to the in-memory handler.
	if s.feeds != nil && s.feeds.Serves(r.URL.Path) {
		s.o.Feeds.ServeHTTP(w, r)
		return
	}
	if s.o.RequestTimeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.o.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	s.mux.ServeHTTP(w, r)
}

// FeedServer is implemented by a Feeds handler that can say, without
// routing, which paths it serves (feeds.Handler).
type FeedServer interface {
	Serves(path string) bool
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.o.Health == nil {
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.o.Health.Ping(ctx); err != nil {
		s.o.Log.Warn("readyz: database unreachable", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	n, err := s.o.Health.MigrationsPending(ctx)
	if err != nil || n > 0 {
		http.Error(w, "migrations pending", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

type articlePage struct {
	SiteTitle, BaseURL, Title string
	Article                   *article.Article
	Body                      template.HTML
	Dir                       string
	Published                 time.Time
	DateLine                  string
	Related                   []Link
	// ShowSummary is false when the body already carries the summary (a
	// scraped page's الخلاصة section).
	ShowSummary bool
}

// Link is a titled link.
type Link struct{ Title, URL string }

func (s *Server) article(w http.ResponseWriter, r *http.Request) {
	a, err := s.o.Articles.ArticleBySlug(r.Context(), r.PathValue("slug"))
	// Drafts, and articles dated in the future (an embargo), are not out.
	if err != nil || a.Draft || a.Published.After(time.Now()) {
		if err == nil || (s.o.IsNotFound != nil && s.o.IsNotFound(err)) {
			s.Error(w, r, http.StatusNotFound, "")
			return
		}
		s.o.Log.Error("article page", "slug", r.PathValue("slug"), "err", err)
		s.Error(w, r, http.StatusInternalServerError, "")
		return
	}
	dir := "ltr"
	if rtl(a.Language) {
		dir = "rtl"
	}
	// BodyHTML passed the ingestion allow-list (article.SanitizeHTML).
	page := articlePage{
		SiteTitle: s.o.SiteTitle, BaseURL: s.o.BaseURL, Title: a.Title,
		Article: a, Body: template.HTML(a.BodyHTML), Dir: dir,
		Published: a.Published.In(s.o.Location), DateLine: a.Published.In(s.o.Location).Format("2006-01-02 15:04"),
		ShowSummary: a.Summary != "" && !strings.Contains(a.BodyText, a.Summary),
	}
	if s.o.DateLine != nil {
		page.DateLine = s.o.DateLine(page.Published)
	}
	if s.o.Related != nil {
		page.Related = s.o.Related(r.Context(), a.ID)
	}
	modified := a.Updated
	if a.Edited.After(modified) {
		modified = a.Edited
	}
	s.renderPage(w, r, "article.html.tmpl", page, modified)
}

// Newsletter is one of the site's newsletters as the archive shows it.
type Newsletter struct {
	Slug, Name string
}

// newsletter finds slug among the newsletters: its index (0 = the
// default one) or -1.
func (s *Server) newsletter(slug string) int {
	for i, n := range s.o.Newsletters {
		if n.Slug == slug {
			return i
		}
	}
	return -1
}

// EditionLink is one edition in the archive at /digest/.
type EditionLink struct {
	Day     string    // YYYY-MM-DD
	Subject string    // the edition's subject line
	Time    time.Time // when it was built
	URL     string    // its web copy
}

type editionsPage struct {
	SiteTitle, BaseURL, Title string
	Editions                  []editionItem
	// Newsletters links every newsletter's archive (when there are
	// several); Current is the slug of the one shown.
	Newsletters []archiveLink
	Current     string
}

type archiveLink struct {
	Newsletter
	URL string
}

type editionItem struct {
	EditionLink
	DateLine string
}

// editions is a newsletter's archive: every edition's web copy, newest
// first (/digest/ the default newsletter's, /digest/{slug}/ another's).
func (s *Server) editions(w http.ResponseWriter, r *http.Request) {
	slug, title, i := r.PathValue("newsletter"), "أرشيف النشرات", 0
	if slug != "" {
		if i = s.newsletter(slug); i < 0 {
			s.Error(w, r, http.StatusNotFound, "لا توجد نشرة بهذا الاسم.")
			return
		}
		title = "أرشيف «" + s.o.Newsletters[i].Name + "»"
		if i == 0 {
			slug = ""
		}
	}
	eds, err := s.o.Editions(r.Context(), slug)
	if err != nil {
		s.o.Log.Error("edition archive", "err", err)
		s.Error(w, r, http.StatusInternalServerError, "")
		return
	}
	page := editionsPage{SiteTitle: s.o.SiteTitle, BaseURL: s.o.BaseURL, Title: title, Newsletters: s.archives}
	if s.archives != nil {
		page.Current = s.archives[i].Slug
	}
	var modified time.Time
	for _, e := range eds {
		it := editionItem{EditionLink: e, DateLine: e.Day}
		if day, err := time.ParseInLocation("2006-01-02", e.Day, s.o.Location); err == nil && s.o.DateLine != nil {
			it.DateLine = s.o.DateLine(day)
		}
		page.Editions = append(page.Editions, it)
		if e.Time.After(modified) {
			modified = e.Time
		}
	}
	s.renderPage(w, r, "editions.html.tmpl", page, modified)
}

// edition is the web copy of an edition: /digest/{date} (the default
// newsletter's) or /digest/{newsletter}/{date}; /digest/{newsletter}
// sends to that newsletter's archive.
func (s *Server) edition(w http.ResponseWriter, r *http.Request) {
	day, slug := r.PathValue("date"), r.PathValue("newsletter")
	if _, err := time.Parse("2006-01-02", day); err != nil {
		if slug == "" && s.newsletter(day) >= 0 {
			http.Redirect(w, r, "/digest/"+day+"/", http.StatusMovedPermanently)
			return
		}
		s.Error(w, r, http.StatusNotFound, "")
		return
	}
	id := day
	if slug != "" {
		switch i := s.newsletter(slug); {
		case i < 0:
			s.Error(w, r, http.StatusNotFound, "لا توجد نشرة بهذا الاسم.")
			return
		case i > 0:
			id = store.EditionID(slug, day)
		}
	}
	page, ok, err := s.o.Edition(r.Context(), id)
	switch {
	case err != nil:
		s.o.Log.Error("edition page", "date", day, "err", err)
		s.Error(w, r, http.StatusInternalServerError, "")
	case !ok:
		s.Error(w, r, http.StatusNotFound, "لا توجد نشرة لهذا اليوم.")
	default:
		s.servePage(w, r, page, time.Time{})
	}
}

// Arabic messages for error pages.
var statusText = map[int]string{
	http.StatusBadRequest:          "الطلب غير صالح.",
	http.StatusForbidden:           "لا يمكن إتمام هذا الطلب.",
	http.StatusNotFound:            "الصفحة المطلوبة غير موجودة.",
	http.StatusMethodNotAllowed:    "هذه الطريقة غير مسموح بها هنا.",
	http.StatusTooManyRequests:     "طلبات كثيرة في وقت قصير. حاول مرة أخرى بعد قليل.",
	http.StatusInternalServerError: "حدث خطأ من جهتنا. حاول مرة أخرى لاحقًا.",
}

type errorPage struct {
	SiteTitle, BaseURL, Title string
	Status                    int
	Message                   string
}

// Error writes an Arabic error page; msg overrides the default message.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if msg == "" {
		msg = statusText[status]
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	s.render(w, r, status, "error.html.tmpl", errorPage{
		SiteTitle: s.o.SiteTitle, BaseURL: s.o.BaseURL, Title: errorTitle(status), Status: status, Message: msg,
	})
}

func errorTitle(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "غير موجودة"
	case status >= 500:
		return "خطأ في الخادم"
	}
	return "تعذّر إتمام الطلب"
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if s.o.Pages == nil {
		w.WriteHeader(status)
		return
	}
	page, err := s.o.Pages.Page(name, data)
	if err != nil {
		s.o.Log.Error("render page", "page", name, "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`<!doctype html><html lang="ar" dir="rtl"><meta charset="utf-8"><p>حدث خطأ من جهتنا.</p></html>`))
		return
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// renderPage renders a page that is the same for every reader and serves
// it as servePage does.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string, data any, modified time.Time) {
	if s.o.Pages == nil {
		s.render(w, r, http.StatusOK, name, data)
		return
	}
	page, err := s.o.Pages.Page(name, data)
	if err != nil {
		s.render(w, r, http.StatusOK, name, data) // renders the error page
		return
	}
	s.servePage(w, r, page, modified)
}

// servePage serves a public page with an ETag (a reload gets 304), gzip
// when the client accepts it, and a five-minute Cache-Control. A zero
// modified time stands for "now": the time these bytes were first served.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, page []byte, modified time.Time) {
	f, err := s.pages.prepare(r.URL.Path, page, modified)
	if err != nil {
		s.o.Log.Error("page", "path", r.URL.Path, "err", err)
		s.Error(w, r, http.StatusInternalServerError, "")
		return
	}
	feeds.ServePage(w, r, f, "public, max-age=300")
}

// pageCacheMax bounds the pages kept prepared (a few MB of pages and
// their gzip copies).
const pageCacheMax = 512

// pageCache keeps the last prepared copy of each public page by path, so
// that a page rendered to the same bytes again is served with the ETag and
// gzip copy computed the first time, and keeps its Last-Modified.
type pageCache struct {
	mu    sync.Mutex
	files map[string]*feeds.File
}

// prepare returns the prepared page for path: the kept one when its bytes
// and modified time are page's, otherwise a new one that replaces it.
func (c *pageCache) prepare(path string, page []byte, modified time.Time) (*feeds.File, error) {
	c.mu.Lock()
	f := c.files[path]
	c.mu.Unlock()
	if f != nil && bytes.Equal(f.Body, page) && (modified.IsZero() || f.Modified.Equal(modified.Truncate(time.Second))) {
		return f, nil
	}
	if modified.IsZero() {
		modified = time.Now()
	}
	f, err := feeds.NewPage(path, page, modified)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = make(map[string]*feeds.File)
	}
	if _, ok := c.files[path]; !ok && len(c.files) >= pageCacheMax {
		for k := range c.files { // any one: the map's order is random
			delete(c.files, k)
			break
		}
	}
	c.files[path] = f
	return f, nil
}

func rtl(lang string) bool {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	switch lang {
	case "ar", "fa", "ur", "he", "ps", "ckb", "yi", "dv", "sd", "ug":
		return true
	}
	return false
}

// ErrServerClosed is returned by ListenAndServe after a graceful shutdown.
var ErrServerClosed = http.ErrServerClosed

// ServeOptions bound a server's requests and its shutdown.
type ServeOptions struct {
	// ReadTimeout bounds reading a request, headers and body
	// (server.read_timeout); default 30s.
	ReadTimeout time.Duration
	// RequestTimeout bounds a request from the end of its headers to the
	// end of its response (server.request_timeout); default 60s.
	RequestTimeout time.Duration
	// ShutdownTimeout is how long a shutdown waits for requests in flight.
	ShutdownTimeout time.Duration
	// Fast, when set, answers the GET and HEAD requests of its feeds
	// without net/http (see FastPath); the handler gets the rest.
	Fast *FastPath
}

// Serve runs h on the bound listener ln until ctx ends, then shuts down
// gracefully within o.ShutdownTimeout. A request whose headers and body
// take longer than o.ReadTimeout to arrive, or that is not answered
// o.RequestTimeout after its headers, is cut off with its connection.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, o ServeOptions, log *slog.Logger) error {
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, o.ReadTimeout),
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.RequestTimeout,
		IdleTimeout:       120 * time.Second,
		ConnContext:       feeds.ConnContext,
	}
	errc := make(chan error, 1)
	var fast *fastServer
	if o.Fast != nil && o.Fast.Feeds != nil {
		fast = &fastServer{fp: o.Fast, ln: ln, log: log,
			handoff: &handoffListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})},
			header:  srv.ReadHeaderTimeout, idle: srv.IdleTimeout, writeFor: o.RequestTimeout}
		go srv.Serve(fast.handoff) //nolint:errcheck // it ends when Shutdown closes handoff
		go func() { errc <- fast.serve() }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		if fast != nil {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	fastErr := make(chan error, 1)
	if fast != nil {
		go func() { fastErr <- fast.shutdown(sctx) }()
	} else {
		fastErr <- nil
	}
	err := srv.Shutdown(sctx)
	if fast != nil {
		fast.handoff.Close() // in case srv.Serve had not started on it
	}
	if ferr := <-fastErr; err == nil {
		err = ferr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Render answers a GET of path (an article page, an edition, /digest/) as a
// reader would get it, without gzip: for writing a static copy of the site.
func (s *Server) Render(ctx context.Context, path string) (status int, body []byte, err error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, nil, err
	}
	rec := &pageRecorder{h: http.Header{}, status: http.StatusOK}
	s.ServeHTTP(rec, r)
	return rec.status, rec.body.Bytes(), nil
}

// pageRecorder is the http.ResponseWriter of Render.
type pageRecorder struct {
	h      http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.h }

func (p *pageRecorder) WriteHeader(status int) {
	if !p.wrote {
		p.status, p.wrote = status, true
	}
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	p.wrote = true
	return p.body.Write(b)
}
