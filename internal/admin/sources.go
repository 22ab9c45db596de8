package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
)

// sourceRow is one source as the page shows it, its status in Arabic.
type sourceRow struct {
	store.Source
	Status, StatusText string
}

var sourceStatusText = map[string]string{
	source.StateNew: "لم يُجلب بعد", source.StateOK: "يعمل",
	source.StateError: "خطأ في آخر جلب", source.StateFailing: "متعطّل",
}

type sourcesData struct {
	Sources    []sourceRow
	Categories []string
}

func (c *Console) sources(w http.ResponseWriter, r *http.Request, who *caller) {
	list, err := c.o.Sources.List(r.Context())
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	d := sourcesData{Categories: c.o.Categories}
	for _, s := range list {
		st := c.o.Sources.Status(s)
		d.Sources = append(d.Sources, sourceRow{Source: s, Status: st, StatusText: sourceStatusText[st]})
	}
	c.render(w, r, who, http.StatusOK, "sources", frame{Title: "المصادر", Nav: "sources", Data: d})
}

func (c *Console) addSource(w http.ResponseWriter, r *http.Request, who *caller) {
	spec := source.Spec{URL: strings.TrimSpace(r.PostFormValue("url")), Name: r.PostFormValue("name"),
		Category: r.PostFormValue("category"), FullText: r.PostFormValue("full_text") != ""}
	if _, err := source.NormalizeURL(spec.URL); err != nil {
		back(w, r, "/admin/sources", "err", "source-url")
		return
	}
	src, created, err := c.o.Sources.Add(r.Context(), spec)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	if !created {
		back(w, r, "/admin/sources", "ok", "source-updated")
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.add", src.URL, "")
	back(w, r, "/admin/sources", "ok", "source-added")
}

// formSource finds the source named by the form's id.
func (c *Console) formSource(w http.ResponseWriter, r *http.Request, who *caller) *store.Source {
	src, err := byID(r.Context(), r.PostFormValue("id"), c.o.Store.GetSource)
	switch {
	case errors.Is(err, store.ErrNotFound):
		back(w, r, "/admin/sources", "err", "invalid")
		return nil
	case err != nil:
		c.internal(w, r, who, err)
		return nil
	}
	return src
}

func (c *Console) removeSource(w http.ResponseWriter, r *http.Request, who *caller) {
	src := c.formSource(w, r, who)
	if src == nil {
		return
	}
	if _, err := c.o.Sources.Remove(r.Context(), strconv.FormatInt(src.ID, 10)); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.remove", src.URL, "")
	back(w, r, "/admin/sources", "ok", "source-removed")
}

func (c *Console) fetchSource(w http.ResponseWriter, r *http.Request, who *caller) {
	src := c.formSource(w, r, who)
	if src == nil {
		return
	}
	res, err := c.o.Sources.FetchID(r.Context(), src.ID)
	switch {
	case errors.Is(err, source.ErrBusy):
		back(w, r, "/admin/sources", "err", "source-busy")
		return
	case err != nil:
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.fetch", src.URL, res.String())
	if res.Err != nil {
		back(w, r, "/admin/sources", "err", "source-failed")
		return
	}
	back(w, r, "/admin/sources", "ok", "source-fetched")
}
