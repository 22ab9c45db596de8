package admin

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

//go:embed openapi.json
var openAPI []byte

// serveOpenAPI answers the API's description, openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ *caller) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPI)
}

// apiNotFound answers a path the API does not serve.
func apiNotFound(w http.ResponseWriter, _ *http.Request, _ *caller) {
	apiError(w, http.StatusNotFound, "not_found", "no such resource; see /api/v1/openapi.json")
}

// apiError writes {"error": {"code", "message"}} with status.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func (c *Console) apiInternal(w http.ResponseWriter, r *http.Request, err error) {
	c.o.Log.Error("api", "path", r.URL.Path, "err", err)
	apiError(w, http.StatusInternalServerError, "internal", "internal error; it was logged")
}

// apiFound answers the error of looking something up, if there is one:
// 404 not_found saying missing for store.ErrNotFound, 500 (logged) for
// anything else. It reports whether err was nil, the handler to go on.
func (c *Console) apiFound(w http.ResponseWriter, r *http.Request, err error, missing string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", missing)
	default:
		c.apiInternal(w, r, err)
	}
	return false
}

// byID loads with get the record whose decimal ID is id (a path or form
// value); an id that is not a number is store.ErrNotFound, as an unknown
// one is.
func byID[T any](ctx context.Context, id string, get func(context.Context, int64) (T, error)) (T, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		var none T
		return none, store.ErrNotFound
	}
	return get(ctx, n)
}

// apiRecord loads with get the record the {id} path value names; when
// there is none it answers 404 missing (500 for any other error) and
// returns nil.
func apiRecord[T any](c *Console, w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (*T, error), missing string) *T {
	x, err := byID(r.Context(), r.PathValue("id"), get)
	if !c.apiFound(w, r, err, missing) {
		return nil
	}
	return x
}

// pageRecord is apiRecord for the console, with an Arabic 404 page.
func pageRecord[T any](c *Console, w http.ResponseWriter, r *http.Request, who *caller, get func(context.Context, int64) (*T, error), missing string) *T {
	x, err := byID(r.Context(), r.PathValue("id"), get)
	if !c.found(w, r, who, err, missing) {
		return nil
	}
	return x
}

// page is a list answer: data and the cursor of the next page ("" = last).
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

// listPage is rows converted by conv, a whole list in one page.
func listPage[T, U any](rows []T, conv func(T) U) page[U] {
	out := page[U]{Data: make([]U, 0, len(rows))}
	for _, x := range rows {
		out.Data = append(out.Data, conv(x))
	}
	return out
}

// apiList answers with every record list gives, converted by conv, in
// one page (a 500 when list fails).
func apiList[T, U any](c *Console, w http.ResponseWriter, r *http.Request, list func(context.Context) ([]T, error), conv func(T) U) {
	rows, err := list(r.Context())
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listPage(rows, conv))
}

// nextPage is the page of rows fetched with one more than the limit n:
// the first n converted by conv and, when there were more, the cursor of
// the position key gives the last of them (apiCursor reads it back).
func nextPage[T, U any](rows []T, n int, key func(T) int64, conv func(T) U) page[U] {
	var next string
	if len(rows) > n {
		rows = rows[:n]
		next = encodeCursor(strconv.FormatInt(key(rows[n-1]), 10))
	}
	out := listPage(rows, conv)
	out.NextCursor = next
	return out
}

// cursors are opaque to clients: base64 of a position.
func encodeCursor(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

// apiLimit reads ?limit= (1-500, default 50); ok is false, and a 400
// answered, when it is out of range.
func apiLimit(w http.ResponseWriter, r *http.Request) (n int, ok bool) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		apiError(w, http.StatusBadRequest, "invalid_parameter", "limit must be a whole number from 1 to 500")
		return 0, false
	}
	return n, true
}

// apiCursor reads ?cursor=, a position this API gave (0 when absent); ok
// is false, and a 400 answered, for any other cursor.
func apiCursor(w http.ResponseWriter, r *http.Request) (pos int64, ok bool) {
	cur := r.URL.Query().Get("cursor")
	if cur == "" {
		return 0, true
	}
	v, err := decodeCursor(cur)
	if pos, _ = strconv.ParseInt(v, 10, 64); err != nil || pos <= 0 {
		apiError(w, http.StatusBadRequest, "invalid_cursor", "cursor is not one this API gave")
		return 0, false
	}
	return pos, true
}

// apiPage reads the ?limit= and ?cursor= of a list answered in pages
// (apiLimit, apiCursor); ok is false, and a 400 answered, when either is
// not valid.
func apiPage(w http.ResponseWriter, r *http.Request) (n int, pos int64, ok bool) {
	if n, ok = apiLimit(w, r); !ok {
		return 0, 0, false
	}
	pos, ok = apiCursor(w, r)
	return n, pos, ok
}

type apiSub struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Status         string     `json:"status"`
	Categories     []string   `json:"categories"`
	Source         string     `json:"source"`
	Paused         bool       `json:"paused"`
	Bounces        int        `json:"bounces"`
	CreatedAt      time.Time  `json:"created_at"`
	ConfirmedAt    *time.Time `json:"confirmed_at"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at"`
	// Newsletters are those followed, each with its categories.
	Newsletters []apiFollow `json:"newsletters"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toAPISub(s *store.Subscriber) apiSub {
	cats := s.Categories
	if cats == nil {
		cats = []string{}
	}
	return apiSub{ID: s.ID, Email: s.Email, Name: s.Name, Status: string(s.Status), Categories: cats, Source: s.Source,
		Paused: s.Paused, Bounces: s.Bounces, CreatedAt: s.CreatedAt, ConfirmedAt: opt(s.ConfirmedAt), UnsubscribedAt: opt(s.UnsubscribedAt)}
}

// withFollows fills the newsletters of API subscribers.
func (c *Console) withFollows(ctx context.Context, subs ...*apiSub) error {
	ids := make([]int64, len(subs))
	for i, x := range subs {
		ids[i] = x.ID
	}
	m, err := c.follows(ctx, ids)
	if err != nil {
		return err
	}
	for _, x := range subs {
		x.Newsletters = m[x.ID]
	}
	return nil
}

// writeSub answers with subscriber s and its newsletters.
func (c *Console) writeSub(w http.ResponseWriter, r *http.Request, status int, s *store.Subscriber) {
	out := toAPISub(s)
	if err := c.withFollows(r.Context(), &out); err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

func (c *Console) apiSubscribers(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	n, before, ok := apiPage(w, r)
	if !ok {
		return
	}
	status := q.Get("status")
	if status != "" && !store.Status(status).Valid() {
		apiError(w, http.StatusBadRequest, "invalid_parameter", "status must be pending, confirmed, unsubscribed or bounced")
		return
	}
	subs, err := c.o.Store.SearchSubscribers(r.Context(), store.SubscriberSearch{Text: q.Get("q"), Status: store.Status(status),
		Category: q.Get("category"), BeforeID: before, Limit: n + 1})
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	out := nextPage(subs, n, func(s store.Subscriber) int64 { return s.ID }, func(s store.Subscriber) apiSub { return toAPISub(&s) })
	ptrs := make([]*apiSub, len(out.Data))
	for i := range out.Data {
		ptrs[i] = &out.Data[i]
	}
	if err := c.withFollows(r.Context(), ptrs...); err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeBody reads a JSON object into v, refusing unknown fields.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_json", "the body must be a JSON object of the documented fields: "+err.Error())
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		apiError(w, http.StatusBadRequest, "invalid_json", "the body holds more than one JSON value")
		return false
	}
	return true
}

func (c *Console) apiAddSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		Email      string   `json:"email"`
		Name       string   `json:"name"`
		Categories []string `json:"categories"`
		Confirmed  bool     `json:"confirmed"`
		// Newsletters chosen (default: the default one with categories).
		Newsletters *[]apiFollow `json:"newsletters"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	follow, ok := c.apiFollowOf(w, r, in.Newsletters)
	if !ok {
		return
	}
	name, err := subscribe.CleanName(in.Name)
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "invalid_name", err.Error())
		return
	}
	if erased, err := c.o.Store.IsErased(r.Context(), subscribe.ErasedKey(c.o.Secret, in.Email)); err != nil {
		c.apiInternal(w, r, err)
		return
	} else if erased {
		apiError(w, http.StatusConflict, "erased", "this address was erased at its owner's request")
		return
	}
	status := store.StatusPending
	if in.Confirmed {
		status = store.StatusConfirmed
	}
	s := &store.Subscriber{Email: in.Email, Name: name, Categories: in.Categories, Status: status, Source: store.SourceAdmin,
		Follow: follow}
	created, err := c.o.Store.AddSubscriber(r.Context(), s)
	switch {
	case errors.Is(err, store.ErrInvalidEmail):
		apiError(w, http.StatusUnprocessableEntity, "invalid_email", "email is not a valid address")
		return
	case errors.Is(err, store.ErrUnsubscribed), errors.Is(err, store.ErrBounced):
		apiError(w, http.StatusConflict, "left", "this address unsubscribed or bounced; it is not subscribed again")
		return
	case err != nil:
		c.apiInternal(w, r, err)
		return
	}
	if !created {
		apiError(w, http.StatusConflict, "exists", fmt.Sprintf("subscriber %d has this address", s.ID))
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.add", s.Email, string(s.Status))
	c.writeSub(w, r, http.StatusCreated, s)
}

func (c *Console) apiSubscriberOf(w http.ResponseWriter, r *http.Request) *store.Subscriber {
	return apiRecord(c, w, r, c.o.Store.GetSubscriber, "no such subscriber")
}

func (c *Console) apiSubscriber(w http.ResponseWriter, r *http.Request, _ *caller) {
	if s := c.apiSubscriberOf(w, r); s != nil {
		c.writeSub(w, r, http.StatusOK, s)
	}
}

func (c *Console) apiPatchSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.apiSubscriberOf(w, r)
	if s == nil {
		return
	}
	var in struct {
		Name       *string   `json:"name"`
		Categories *[]string `json:"categories"`
		Paused     *bool     `json:"paused"`
		Status     *string   `json:"status"`
		// Newsletters replace those followed (at least one).
		Newsletters *[]apiFollow `json:"newsletters"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	follow, ok := c.apiFollowOf(w, r, in.Newsletters)
	if !ok {
		return
	}
	var changes []string
	if in.Newsletters != nil {
		changes = append(changes, "newsletters "+describeFollows(*in.Newsletters))
	}
	if in.Name != nil {
		name, err := subscribe.CleanName(*in.Name)
		if err != nil {
			apiError(w, http.StatusUnprocessableEntity, "invalid_name", err.Error())
			return
		}
		s.Name = name
		changes = append(changes, "name")
	}
	if in.Categories != nil {
		s.Categories = *in.Categories
		changes = append(changes, "categories ["+strings.Join(s.Categories, ", ")+"]")
	}
	if in.Paused != nil {
		s.Paused = *in.Paused
		changes = append(changes, fmt.Sprint("paused ", s.Paused))
	}
	if in.Status != nil {
		if *in.Status != string(store.StatusUnsubscribed) {
			apiError(w, http.StatusUnprocessableEntity, "invalid_status", "status may only be set to unsubscribed (a reader confirms by themselves)")
			return
		}
		s.Status = store.StatusUnsubscribed
		changes = append(changes, "unsubscribed")
	}
	if err := c.o.Store.UpdateSubscriber(r.Context(), s); err != nil {
		c.apiInternal(w, r, err)
		return
	}
	if follow != nil && s.Status != store.StatusUnsubscribed {
		if err := subscribe.SetFollow(r.Context(), c.o.Store, s.ID, follow); err != nil {
			c.apiInternal(w, r, err)
			return
		}
		var err error
		if s, err = c.o.Store.GetSubscriber(r.Context(), s.ID); err != nil {
			c.apiInternal(w, r, err)
			return
		}
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.edit", s.Email, strings.Join(changes, "; "))
	c.writeSub(w, r, http.StatusOK, s)
}

func (c *Console) apiEraseSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.apiSubscriberOf(w, r)
	if s == nil {
		return
	}
	if err := c.o.Store.EraseSubscriber(r.Context(), s.ID, subscribe.ErasedKey(c.o.Secret, s.Email)); err != nil {
		c.apiInternal(w, r, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.erase", fmt.Sprintf("subscriber %d", s.ID), "")
	w.WriteHeader(http.StatusNoContent)
}

type apiArticle struct {
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Category  string    `json:"category"`
	Published time.Time `json:"published"`
	Summary   string    `json:"summary"`
	URL       string    `json:"url"`
	Source    string    `json:"source"`
	Draft     bool      `json:"unpublished"`
	Related   []string  `json:"related,omitempty"`
}

func (c *Console) toAPIArticle(a *article.Article) apiArticle {
	x := apiArticle{Slug: a.Slug, Title: a.Title, Category: a.Category, Published: a.Published, Summary: a.Summary,
		Source: sourceOf(a), Draft: a.Draft}
	if c.o.ArticleURL != nil {
		x.URL = c.o.ArticleURL(a)
	}
	return x
}

func (c *Console) apiArticles(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	n, pos, ok := apiPage(w, r)
	if !ok {
		return
	}
	skip := int(pos)
	all, err := c.o.Store.ListArticles(r.Context(), store.ArticleQuery{Category: q.Get("category"), IncludeDrafts: true, Limit: skip + n + 1})
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	if skip < len(all) {
		all = all[skip:]
	} else {
		all = nil
	}
	writeJSON(w, http.StatusOK, nextPage(all, n, func(article.Article) int64 { return int64(skip + n) },
		func(a article.Article) apiArticle { return c.toAPIArticle(&a) }))
}

func (c *Console) apiArticle(w http.ResponseWriter, r *http.Request, _ *caller) {
	a, err := c.o.Store.ArticleBySlug(r.Context(), r.PathValue("slug"))
	if !c.apiFound(w, r, err, "no such article") {
		return
	}
	x := c.toAPIArticle(a)
	rel, err := c.o.Store.Related(r.Context(), a.ID, 5)
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	x.Related = []string{}
	for _, o := range rel {
		x.Related = append(x.Related, o.Slug)
	}
	writeJSON(w, http.StatusOK, x)
}

func (c *Console) apiArticleOp(op string) handler {
	return func(w http.ResponseWriter, r *http.Request, who *caller) {
		slug := r.PathValue("slug")
		var err error
		switch op {
		case "unpublish":
			err = c.o.Articles.Unpublish(r.Context(), slug)
		case "publish":
			err = c.o.Articles.Publish(r.Context(), slug)
		case "delete":
			err = c.o.Articles.Delete(r.Context(), slug)
		}
		if !c.apiFound(w, r, err, "no such article") {
			return
		}
		_ = c.o.Auth.Audit(r.Context(), who.actor(), "article."+op, slug, "")
		if op == "delete" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		a, err := c.o.Store.ArticleBySlug(r.Context(), slug)
		if err != nil {
			c.apiInternal(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c.toAPIArticle(a))
	}
}

type apiEditionRow struct {
	Date       string         `json:"date"`
	Subject    string         `json:"subject"`
	CreatedAt  time.Time      `json:"created_at"`
	Recipients int            `json:"recipients"`
	Deliveries map[string]int `json:"deliveries,omitempty"`
}

func (c *Console) apiEditions(w http.ResponseWriter, r *http.Request, _ *caller) {
	n, ok := apiLimit(w, r)
	if !ok {
		return
	}
	eds, err := c.o.Store.ListEditions(r.Context(), n)
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listPage(eds, func(e store.Edition) apiEditionRow {
		return apiEditionRow{Date: e.ID, Subject: e.Subject, CreatedAt: e.CreatedAt, Recipients: e.Recipients}
	}))
}

func (c *Console) apiEdition(w http.ResponseWriter, r *http.Request, _ *caller) {
	e, err := c.o.Store.GetEdition(r.Context(), r.PathValue("date"))
	if !c.apiFound(w, r, err, "no edition for that day") {
		return
	}
	counts, err := c.o.Store.DeliveryCounts(r.Context(), e.ID)
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	d := map[string]int{}
	for k, v := range counts {
		d[string(k)] = v
	}
	writeJSON(w, http.StatusOK, apiEditionRow{Date: e.ID, Subject: e.Subject, CreatedAt: e.CreatedAt, Recipients: e.Recipients, Deliveries: d})
}

type apiAuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
	Addr   string    `json:"addr"`
}

func (c *Console) apiAudit(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	n, before, ok := apiPage(w, r)
	if !ok {
		return
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			apiError(w, http.StatusBadRequest, "invalid_parameter", "since must be an RFC 3339 time")
			return
		}
	}
	es, err := c.o.Store.ListAudit(r.Context(), store.AuditQuery{Since: since, BeforeID: before, Action: q.Get("action"),
		Actor: q.Get("actor"), Limit: n + 1})
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nextPage(es, n, func(e store.AuditEntry) int64 { return e.ID }, func(e store.AuditEntry) apiAuditEntry {
		return apiAuditEntry{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Addr: e.Addr}
	}))
}

// apiPatchArticle changes an article's category.
func (c *Console) apiPatchArticle(w http.ResponseWriter, r *http.Request, who *caller) {
	if c.o.Articles == nil {
		apiError(w, http.StatusNotFound, "not_found", "articles cannot be changed here")
		return
	}
	var in struct {
		Category *string `json:"category"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	slug := r.PathValue("slug")
	if in.Category == nil {
		apiError(w, http.StatusUnprocessableEntity, "invalid", "category is required")
		return
	}
	cat := strings.TrimSpace(*in.Category)
	if err := c.o.Articles.SetCategory(r.Context(), slug, cat); !c.apiFound(w, r, err, "no such article") {
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "article.category", slug, cat)
	a, err := c.o.Store.ArticleBySlug(r.Context(), slug)
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.toAPIArticle(a))
}

// apiResendConfirmation sends a pending subscriber a fresh confirmation
// email.
func (c *Console) apiResendConfirmation(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.apiSubscriberOf(w, r)
	if s == nil {
		return
	}
	if c.o.Subscribe == nil {
		apiError(w, http.StatusServiceUnavailable, "unavailable", "this server sends no confirmation emails")
		return
	}
	if s.Status != store.StatusPending {
		apiError(w, http.StatusConflict, "not_pending", "only a subscriber waiting for confirmation gets a confirmation email")
		return
	}
	if err := c.o.Subscribe.ResendConfirmation(r.Context(), s); err != nil {
		c.apiInternal(w, r, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.resend-confirmation", s.Email, "")
	c.writeSub(w, r, http.StatusOK, s)
}
