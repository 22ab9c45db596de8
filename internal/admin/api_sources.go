package admin

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
)

// apiSourceRow is a source as the API shows it (the WebSub secret never).
type apiSourceRow struct {
	ID          int64      `json:"id"`
	URL         string     `json:"url"`
	Name        string     `json:"name"`
	Category    string     `json:"category"`
	FullText    bool       `json:"full_text"`
	FromConfig  bool       `json:"from_config"`
	Status      string     `json:"status"`
	Items       int        `json:"items"`
	Errors      int        `json:"errors"`
	LastError   string     `json:"last_error"`
	LastStatus  int        `json:"last_status"`
	LastFetch   *time.Time `json:"last_fetch"`
	LastSuccess *time.Time `json:"last_success"`
	NextFetch   time.Time  `json:"next_fetch"`
	WebSub      string     `json:"websub"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (c *Console) toAPISource(s store.Source) apiSourceRow {
	return apiSourceRow{ID: s.ID, URL: s.URL, Name: s.Name, Category: s.Category, FullText: s.FullText,
		FromConfig: s.FromConfig, Status: c.o.Sources.Status(s), Items: s.Items, Errors: s.Errors,
		LastError: s.LastError, LastStatus: s.LastStatus, LastFetch: optTime(s.LastFetch),
		LastSuccess: optTime(s.LastSuccess), NextFetch: s.NextFetch, WebSub: string(s.HubState)}
}

func (c *Console) apiSources(w http.ResponseWriter, r *http.Request, _ *caller) {
	apiList(c, w, r, c.o.Sources.List, c.toAPISource)
}

func (c *Console) apiAddSource(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		URL      string `json:"url"`
		Name     string `json:"name"`
		Category string `json:"category"`
		FullText bool   `json:"full_text"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if _, err := source.NormalizeURL(in.URL); err != nil {
		apiError(w, http.StatusUnprocessableEntity, "invalid_url", "url must be an absolute http or https URL")
		return
	}
	src, created, err := c.o.Sources.Add(r.Context(), source.Spec{URL: in.URL, Name: in.Name, Category: in.Category, FullText: in.FullText})
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.add", src.URL, "")
	}
	writeJSON(w, status, c.toAPISource(*src))
}

// apiSourceOf finds the source of the {id} path value, writing the error.
func (c *Console) apiSourceOf(w http.ResponseWriter, r *http.Request) *store.Source {
	return apiRecord(c, w, r, c.o.Store.GetSource, "no such source")
}

func (c *Console) apiSource(w http.ResponseWriter, r *http.Request, _ *caller) {
	if src := c.apiSourceOf(w, r); src != nil {
		writeJSON(w, http.StatusOK, c.toAPISource(*src))
	}
}

func (c *Console) apiRemoveSource(w http.ResponseWriter, r *http.Request, who *caller) {
	src := c.apiSourceOf(w, r)
	if src == nil {
		return
	}
	if _, err := c.o.Sources.Remove(r.Context(), strconv.FormatInt(src.ID, 10)); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.apiInternal(w, r, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.remove", src.URL, "")
	w.WriteHeader(http.StatusNoContent)
}

// apiFetchResult is what one fetch did.
type apiFetchResult struct {
	Source      apiSourceRow `json:"source"`
	NotModified bool         `json:"not_modified"`
	New         int          `json:"new"`
	Updated     int          `json:"updated"`
	Unchanged   int          `json:"unchanged"`
	Skipped     int          `json:"skipped"`
	Pending     int          `json:"pending"`
	Error       string       `json:"error,omitempty"`
}

func (c *Console) apiFetchSource(w http.ResponseWriter, r *http.Request, who *caller) {
	src := c.apiSourceOf(w, r)
	if src == nil {
		return
	}
	res, err := c.o.Sources.FetchID(r.Context(), src.ID)
	if errors.Is(err, source.ErrBusy) {
		apiError(w, http.StatusConflict, "busy", "this source is being fetched right now")
		return
	} else if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "source.fetch", src.URL, res.String())
	out := apiFetchResult{Source: c.toAPISource(res.Source), NotModified: res.NotModified, New: res.New,
		Updated: res.Updated, Unchanged: res.Unchanged, Skipped: res.Skipped, Pending: res.Pending}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}
