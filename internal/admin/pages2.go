package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
)

// articleRow is an article in the console's list.
type articleRow struct {
	article.Article
	Source string
}

// sourceOf names where an article came from: the host of its source URL,
// or "ملف" for a file.
func sourceOf(a *article.Article) string {
	if u, err := url.Parse(a.SourceURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "ملف"
}

type articlesData struct {
	Q, Category, Source string
	Categories, Sources []string
	Articles            []articleRow
	Next                string
}

// maxListed bounds how many articles the list scans for one page.
const maxListed = 5000

func (c *Console) articles(w http.ResponseWriter, r *http.Request, who *caller) {
	q := r.URL.Query()
	d := articlesData{Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Source: q.Get("source"), Categories: c.categories(r)}
	all, err := c.o.Store.ListArticles(r.Context(), store.ArticleQuery{Category: d.Category, IncludeDrafts: true, Limit: maxListed})
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	skip, _ := strconv.Atoi(q.Get("skip"))
	seen := map[string]bool{}
	matched := 0
	for i := range all {
		a := &all[i]
		src := sourceOf(a)
		if !seen[src] {
			seen[src] = true
			d.Sources = append(d.Sources, src)
		}
		if d.Source != "" && src != d.Source || d.Q != "" && !strings.Contains(strings.ToLower(a.Title), strings.ToLower(d.Q)) {
			continue
		}
		matched++
		if matched <= skip || len(d.Articles) > pageSize {
			continue
		}
		d.Articles = append(d.Articles, articleRow{Article: *a, Source: src})
	}
	slices.Sort(d.Sources)
	if len(d.Articles) > pageSize {
		d.Articles = d.Articles[:pageSize]
		v := url.Values{}
		for _, k := range []string{"q", "category", "source"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("skip", strconv.Itoa(skip+pageSize))
		d.Next = "/admin/articles?" + v.Encode()
	}
	c.render(w, r, who, http.StatusOK, "articles", frame{Title: "المقالات", Nav: "articles", Data: d})
}

type articleData struct {
	Article    *article.Article
	URL        string
	Related    []article.Article
	Categories []string
}

func (c *Console) article(w http.ResponseWriter, r *http.Request, who *caller) {
	a, err := c.o.Store.ArticleBySlug(r.Context(), r.PathValue("slug"))
	if !c.found(w, r, who, err, "لا يوجد مقال بهذا المعرّف.") {
		return
	}
	d := articleData{Article: a, Categories: c.categories(r)}
	if c.o.ArticleURL != nil {
		d.URL = c.o.ArticleURL(a)
	}
	if d.Related, err = c.o.Store.Related(r.Context(), a.ID, 5); err != nil {
		c.internal(w, r, who, err)
		return
	}
	c.render(w, r, who, http.StatusOK, "article", frame{Title: a.Title, Nav: "articles", Data: d})
}

// articleAction runs an ArticleEditor operation named op on {slug}.
func (c *Console) articleAction(op string) handler {
	return func(w http.ResponseWriter, r *http.Request, who *caller) {
		slug := r.PathValue("slug")
		ctx := r.Context()
		var err error
		detail, flash, to := "", op+"ed", "/admin/articles/"+url.PathEscape(slug)
		switch op {
		case "unpublish":
			err, flash = c.o.Articles.Unpublish(ctx, slug), "unpublished"
		case "publish":
			err, flash = c.o.Articles.Publish(ctx, slug), "published"
		case "delete":
			if r.PostFormValue("sure") != "1" {
				back(w, r, to, "err", "invalid")
				return
			}
			err, flash, to = c.o.Articles.Delete(ctx, slug), "deleted", "/admin/articles"
		case "category":
			detail = strings.TrimSpace(r.PostFormValue("category"))
			err, flash = c.o.Articles.SetCategory(ctx, slug, detail), "saved"
		}
		if !c.found(w, r, who, err, "لا يوجد مقال بهذا المعرّف.") {
			return
		}
		_ = c.o.Auth.Audit(ctx, who.actor(), "article."+op, slug, detail)
		back(w, r, to, "ok", flash)
	}
}

type usersData struct {
	Users []store.User
}

func (c *Console) users(w http.ResponseWriter, r *http.Request, who *caller) {
	us, err := c.o.Store.ListUsers(r.Context())
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	c.render(w, r, who, http.StatusOK, "users", frame{Title: "المستخدمون", Nav: "users", Data: usersData{Users: us}})
}

// userErr maps account errors to flash codes.
func userErr(err error) string {
	switch {
	case errors.Is(err, auth.ErrLastAdmin):
		return "last-admin"
	case errors.Is(err, auth.ErrWeakPassword):
		return "weak"
	case errors.Is(err, store.ErrConflict):
		return "exists"
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrInvalidEmail), errors.Is(err, store.ErrNotFound), errors.Is(err, auth.ErrBadRole):
		return "invalid"
	}
	return ""
}

func (c *Console) addUser(w http.ResponseWriter, r *http.Request, who *caller) {
	_, err := c.o.Auth.AddUser(r.Context(), who.actor(), r.PostFormValue("email"), strings.TrimSpace(r.PostFormValue("name")),
		store.Role(r.PostFormValue("role")), r.PostFormValue("password"))
	c.userDone(w, r, who, err, "user-added")
}

// userDone answers a change on the users page: back with the flash code
// of an account error (userErr), 500 for any other error, else back with
// the flash ok.
func (c *Console) userDone(w http.ResponseWriter, r *http.Request, who *caller, err error, ok string) {
	switch code := userErr(err); {
	case code != "":
		back(w, r, "/admin/users", "err", code)
	case err != nil:
		c.internal(w, r, who, err)
	default:
		back(w, r, "/admin/users", "ok", ok)
	}
}

func (c *Console) userOf(w http.ResponseWriter, r *http.Request, who *caller) *store.User {
	return pageRecord(c, w, r, who, c.o.Store.GetUser, "لا يوجد مستخدم بهذا الرقم.")
}

func (c *Console) setRole(w http.ResponseWriter, r *http.Request, who *caller) {
	u := c.userOf(w, r, who)
	if u == nil {
		return
	}
	role := store.Role(r.PostFormValue("role"))
	if !role.Valid() {
		back(w, r, "/admin/users", "err", "invalid")
		return
	}
	_, err := c.o.Auth.SetRole(r.Context(), who.actor(), u.Email, role)
	c.userDone(w, r, who, err, "role")
}

func (c *Console) removeUser(w http.ResponseWriter, r *http.Request, who *caller) {
	u := c.userOf(w, r, who)
	if u == nil {
		return
	}
	c.userDone(w, r, who, c.o.Auth.RemoveUser(r.Context(), who.actor(), u.Email), "user-removed")
}

type tokensData struct {
	Tokens            []store.Token
	Users             []store.User
	NewToken, NewName string
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, who *caller, d tokensData) {
	var err error
	if d.Tokens, err = c.o.Store.ListTokens(r.Context()); err == nil {
		d.Users, err = c.o.Store.ListUsers(r.Context())
	}
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	c.render(w, r, who, http.StatusOK, "tokens", frame{Title: "مفاتيح الواجهة البرمجية", Nav: "tokens", Data: d})
}

func (c *Console) tokens(w http.ResponseWriter, r *http.Request, who *caller) {
	c.tokensPage(w, r, who, tokensData{})
}

// createToken shows the new token once, in the answer to the POST itself
// (never in a URL).
func (c *Console) createToken(w http.ResponseWriter, r *http.Request, who *caller) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	secret, _, err := c.o.Auth.CreateToken(r.Context(), who.actor(), r.PostFormValue("user"), name)
	if err != nil {
		code := userErr(err)
		if code == "" {
			code = "invalid"
		}
		back(w, r, "/admin/tokens", "err", code)
		return
	}
	c.tokensPage(w, r, who, tokensData{NewToken: secret, NewName: name})
}

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, who *caller) {
	if err := c.o.Auth.RevokeToken(r.Context(), who.actor(), r.PostFormValue("name")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			back(w, r, "/admin/tokens", "err", "invalid")
			return
		}
		c.internal(w, r, who, err)
		return
	}
	back(w, r, "/admin/tokens", "ok", "revoked")
}

type auditData struct {
	Action, Actor string
	Entries       []store.AuditEntry
	Next          string
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request, who *caller) {
	q := r.URL.Query()
	d := auditData{Action: strings.TrimSpace(q.Get("action")), Actor: strings.TrimSpace(q.Get("actor"))}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	es, err := c.o.Store.ListAudit(r.Context(), store.AuditQuery{Action: d.Action, Actor: d.Actor, BeforeID: before, Limit: 100})
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	d.Entries = es
	if len(es) == 100 {
		v := url.Values{}
		if d.Action != "" {
			v.Set("action", d.Action)
		}
		if d.Actor != "" {
			v.Set("actor", d.Actor)
		}
		v.Set("before", fmt.Sprint(es[len(es)-1].ID))
		d.Next = "/admin/audit?" + v.Encode()
	}
	c.render(w, r, who, http.StatusOK, "audit", frame{Title: "سجل التدقيق", Nav: "audit", Data: d})
}
