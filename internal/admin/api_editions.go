package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
)

// apiEditionAction runs the state change op (see editionOps) on the
// {date} edition and answers with its summary.
func (c *Console) apiEditionAction(op string) handler {
	do := c.editionOp(op)
	return func(w http.ResponseWriter, r *http.Request, who *caller) {
		s, err := do(r, who, r.PathValue("date"))
		if err != nil {
			c.apiEditionErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	}
}

func (c *Console) apiEditionErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, edition.ErrState):
		apiError(w, http.StatusConflict, "edition_state", err.Error())
	case errors.Is(err, edition.ErrDate):
		apiError(w, http.StatusBadRequest, "invalid_date", err.Error())
	case errors.Is(err, edition.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		c.apiInternal(w, r, err)
	}
}

func (c *Console) apiEditionList(w http.ResponseWriter, r *http.Request, _ *caller) {
	n, ok := apiLimit(w, r)
	if !ok {
		return
	}
	ed := c.o.Editions
	if slug := r.URL.Query().Get("newsletter"); slug != "" {
		var err error
		if ed, err = c.editionsOf(slug); err != nil {
			apiError(w, http.StatusBadRequest, "invalid_newsletter", fmt.Sprintf("newsletter %q is unknown (newsletters: %s)", slug, strings.Join(c.nls.Slugs(), ", ")))
			return
		}
	}
	list, err := ed.List(r.Context(), n)
	if err != nil {
		c.apiInternal(w, r, err)
		return
	}
	if list == nil {
		list = []edition.Summary{}
	}
	writeJSON(w, http.StatusOK, page[edition.Summary]{Data: list})
}

func (c *Console) apiEditionGet(w http.ResponseWriter, r *http.Request, _ *caller) {
	p, err := c.o.Editions.Progress(r.Context(), r.PathValue("date"))
	if err != nil {
		c.apiEditionErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type apiDelivery struct {
	SubscriberID int64  `json:"subscriber_id"`
	Email        string `json:"email"`
	State        string `json:"state"`
	Attempts     int    `json:"attempts"`
	LastReply    string `json:"last_reply"`
	SentAt       any    `json:"sent_at"`
}

func (c *Console) apiEditionReport(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	n, after, ok := apiPage(w, r)
	if !ok {
		return
	}
	state := store.DeliveryState(q.Get("state"))
	if state != "" && !state.Valid() {
		apiError(w, http.StatusBadRequest, "invalid_parameter", "unknown delivery state")
		return
	}
	ds, err := c.o.Editions.Recipients(r.Context(), r.PathValue("date"), edition.ReportQuery{State: state, Email: q.Get("email"), After: after, Limit: n + 1})
	if err != nil {
		c.apiEditionErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nextPage(ds, n, func(d store.Delivery) int64 { return d.SubscriberID }, func(d store.Delivery) apiDelivery {
		return apiDelivery{SubscriberID: d.SubscriberID, Email: d.Email, State: string(d.State),
			Attempts: d.Attempts, LastReply: d.LastError, SentAt: opt(d.SentAt)}
	}))
}

func (c *Console) apiEditionTest(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		To []string `json:"to"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if len(in.To) == 0 || len(in.To) > 10 {
		apiError(w, http.StatusUnprocessableEntity, "invalid_to", "to must list 1 to 10 addresses")
		return
	}
	if err := c.o.Editions.Test(r.Context(), who.actor(), r.PathValue("date"), in.To); err != nil {
		c.apiEditionErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sent": len(in.To)})
}

func (c *Console) apiEditionResend(w http.ResponseWriter, r *http.Request, who *caller) {
	var in struct {
		Email string `json:"email"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Email) == "" {
		apiError(w, http.StatusUnprocessableEntity, "invalid_email", "email is required")
		return
	}
	if err := c.o.Editions.Resend(r.Context(), who.actor(), r.PathValue("date"), strings.TrimSpace(in.Email)); err != nil {
		c.apiEditionErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"resent": in.Email})
}
