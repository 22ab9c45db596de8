package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

// editionOps are the state changes, in the order the page offers them;
// "send" sends now an edition whose send time passed without it (approved
// late), through the delivery queue as the scheduler does.
var editionOps = []string{"send", "approve", "hold", "pause", "resume", "cancel"}

func (c *Console) editionOp(op string) func(*http.Request, *caller, string) (*edition.Summary, error) {
	ed := c.o.Editions
	return func(r *http.Request, who *caller, day string) (*edition.Summary, error) {
		ctx, a := r.Context(), who.actor()
		switch op {
		case "send":
			// force=true (the API's query, the page's confirmation form)
			// sends old news, as `digest send --force`.
			return ed.Send(ctx, a, day, r.FormValue("force") == "true")
		case "approve":
			return ed.Approve(ctx, a, day)
		case "hold":
			return ed.Hold(ctx, a, day)
		case "pause":
			return ed.Pause(ctx, a, day)
		case "resume":
			return ed.Resume(ctx, a, day)
		case "cancel":
			return ed.Cancel(ctx, a, day)
		}
		return nil, fmt.Errorf("unknown operation %q", op)
	}
}

var stateNames = map[store.EditionState]string{
	store.EditionScheduled: "مجدول", store.EditionHeld: "بانتظار الموافقة", store.EditionApproved: "موافَق عليه",
	store.EditionSending: "يُرسل الآن", store.EditionPaused: "متوقف مؤقتًا", store.EditionSent: "أُرسل", store.EditionCancelled: "أُلغي",
}

// noteName gives an edition's note in Arabic: the notes the engine writes
// ("waiting for approval", the missed send time, "<state> by <name>") are
// translated; anything else is shown as written.
func noteName(note string) string {
	switch note {
	case delivery.NoteHeld:
		return "بانتظار موافقة محرّر"
	case delivery.NoteMissed:
		return "لم تتم الموافقة عليه قبل موعده، فلم يُرسل"
	}
	state, who, ok := strings.Cut(note, " by ")
	if name, known := stateNames[store.EditionState(state)]; ok && known {
		return name + " — " + who
	}
	return note
}

// editionView is an edition as the pages show it.
type editionView struct {
	edition.Summary
	StateName          string
	NewsletterName     string // "" with one newsletter
	NoteName           string // Note in Arabic, for the page
	Sent, Failed, Open int
	Percent            int
	Can                map[string]bool
}

func viewOf(s *edition.Summary) editionView {
	v := editionView{Summary: *s, StateName: stateNames[s.State], NoteName: noteName(s.Note), Can: map[string]bool{}}
	v.Sent, v.Failed = s.Counts[store.DeliverySent], s.Counts[store.DeliveryFailed]
	v.Open = s.Counts[store.DeliveryQueued] + s.Counts[store.DeliverySending] + s.Counts[store.DeliveryRetrying]
	if s.Recipients > 0 {
		v.Percent = (s.Recipients - v.Open) * 100 / s.Recipients
	}
	switch s.State {
	case store.EditionScheduled:
		v.Can["approve"], v.Can["hold"], v.Can["cancel"] = true, true, true
	case store.EditionHeld:
		v.Can["approve"], v.Can["cancel"] = true, true
	case store.EditionApproved:
		v.Can["hold"], v.Can["cancel"] = true, true
	case store.EditionSending:
		v.Can["pause"], v.Can["cancel"] = true, true
	case store.EditionPaused:
		v.Can["resume"], v.Can["cancel"] = true, true
	}
	// Approved (or scheduled) and its send time passed: the scheduler
	// will not send it; an editor may.
	v.Can["send"] = s.Late && (s.State == store.EditionApproved || s.State == store.EditionScheduled)
	return v
}

// editionsData is the editions list: its rows, the newsletter it is
// filtered on ("" = all) and the newsletters to filter on (several only).
type editionsData struct {
	Rows        []editionView
	Newsletter  string
	Newsletters []subscribe.Newsletter
}

// editions lists the editions, newest send time first, of every
// newsletter or of ?newsletter=SLUG's; each row names its newsletter.
func (c *Console) editions(w http.ResponseWriter, r *http.Request, who *caller) {
	d := editionsData{Newsletter: r.URL.Query().Get("newsletter")}
	if c.nls.Several() {
		d.Newsletters = c.nls
	}
	ed := c.o.Editions
	if d.Newsletter != "" {
		var err error
		if ed, err = c.editionsOf(d.Newsletter); err != nil {
			c.fail(w, r, who, http.StatusNotFound, "لا نشرة بهذا الاسم.")
			return
		}
	}
	list, err := ed.List(r.Context(), 60)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	d.Rows = make([]editionView, len(list))
	for i := range list {
		d.Rows[i] = viewOf(&list[i])
		d.Rows[i].NewsletterName = c.newsletterName(list[i].ID)
	}
	c.render(w, r, who, http.StatusOK, "editions", frame{Title: "الإصدارات", Nav: "editions", Data: d})
}

// editionsOf is the edition service of the configured newsletter slug;
// an unknown one is edition.ErrNotFound.
func (c *Console) editionsOf(slug string) (*edition.Service, error) {
	if !slices.Contains(c.nls.Slugs(), slug) {
		return nil, edition.ErrNotFound
	}
	return c.o.Editions.For(c.nls.StoreSlug(slug))
}

// newsletterName is the name of the newsletter edition id belongs to
// ("" when the site has one newsletter).
func (c *Console) newsletterName(id string) string {
	if !c.nls.Several() {
		return ""
	}
	nl, _, err := store.SplitEditionID(id)
	if err != nil {
		return ""
	}
	slug := c.nls.ConfigSlug(nl)
	if n, ok := c.nls.Find(slug); ok {
		return n.Name
	}
	return slug
}

type editionPageData struct {
	E          editionView
	Ops        []string
	OpNames    map[string]string
	Subscriber string
	Recipients []store.Delivery
	State      string
	States     []store.DeliveryState
	Next       string
	PreviewErr string
	// OldNews: a send now was refused as more than a day late, and the
	// page offers to send it anyway (force) after a confirmation.
	OldNews bool
}

var opNames = map[string]string{"send": "أرسِل الآن", "approve": "موافقة", "hold": "تعليق حتى الموافقة", "pause": "إيقاف مؤقت", "resume": "استئناف", "cancel": "إلغاء الإصدار"}

// editionOf loads the {date} edition or answers 404/400.
func (c *Console) editionOf(w http.ResponseWriter, r *http.Request, who *caller) *edition.Summary {
	s, err := c.o.Editions.Get(r.Context(), r.PathValue("date"))
	switch {
	case errors.Is(err, edition.ErrDate):
		c.fail(w, r, who, http.StatusNotFound, "التاريخ غير صالح: المطلوب YYYY-MM-DD.")
	case errors.Is(err, edition.ErrNotFound):
		c.fail(w, r, who, http.StatusNotFound, "لا إصدار لهذا اليوم.")
	case err != nil:
		c.internal(w, r, who, err)
	default:
		return s
	}
	return nil
}

func (c *Console) editionPage(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.editionOf(w, r, who)
	if s == nil {
		return
	}
	q := r.URL.Query()
	d := editionPageData{E: viewOf(s), Ops: editionOps, OpNames: opNames, Subscriber: strings.TrimSpace(q.Get("subscriber")),
		State: q.Get("state"), States: store.DeliveryStates}
	d.OldNews = q.Get("err") == "edition-send-date" && d.E.Can["send"]
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	rq := edition.ReportQuery{State: store.DeliveryState(d.State), Email: strings.TrimSpace(q.Get("email")), After: after, Limit: pageSize + 1}
	if rq.State != "" && !rq.State.Valid() {
		rq.State, d.State = "", ""
	}
	if s.Built {
		ds, err := c.o.Editions.Recipients(r.Context(), s.ID, rq)
		if err != nil {
			c.internal(w, r, who, err)
			return
		}
		if len(ds) > pageSize {
			ds = ds[:pageSize]
			v := url.Values{}
			if d.State != "" {
				v.Set("state", d.State)
			}
			v.Set("after", strconv.FormatInt(ds[len(ds)-1].SubscriberID, 10))
			d.Next = "/admin/editions/" + s.ID + "?" + v.Encode()
		}
		d.Recipients = ds
	}
	c.render(w, r, who, http.StatusOK, "edition", frame{Title: "إصدار " + s.ID, Nav: "editions", Data: d})
}

// editionPreview serves the edition's email HTML as the given reader
// would get it, for the page's frames. Email HTML carries inline styles:
// this answer alone allows them, runs no script, and may be framed by the
// console only.
func (c *Console) editionPreview(w http.ResponseWriter, r *http.Request, who *caller) {
	b, err := c.o.Editions.Preview(r.Context(), r.PathValue("date"), strings.TrimSpace(r.URL.Query().Get("subscriber")), edition.FormatHTML)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b)
}

func (c *Console) editionProgress(w http.ResponseWriter, r *http.Request, who *caller) {
	p, err := c.o.Editions.Progress(r.Context(), r.PathValue("date"))
	if err != nil {
		apiError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (c *Console) editionReportCSV(w http.ResponseWriter, r *http.Request, who *caller) {
	day := r.PathValue("date")
	if err := c.o.Editions.CheckDay(day); err != nil {
		c.fail(w, r, who, http.StatusNotFound, "التاريخ غير صالح.")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="edition-`+day+`.csv"`)
	if err := c.o.Editions.Report(r.Context(), day, "csv", edition.ReportQuery{}, w); err != nil {
		c.o.Log.Error("console report", "day", day, "err", err)
	}
}

// editionErr maps an edition error to a flash code.
func editionErr(err error) string {
	switch {
	case errors.Is(err, edition.ErrState):
		return "edition-state"
	case errors.Is(err, edition.ErrDate), errors.Is(err, edition.ErrNotFound):
		return "invalid"
	}
	return ""
}

// sendErr is the flash code of a refused "send now" that says more than
// editionErr's: too late, nothing to send, or a later edition took its
// articles.
func sendErr(op string, err error) string {
	switch {
	case op != "send":
	case errors.Is(err, edition.ErrDate):
		return "edition-send-date"
	case errors.Is(err, delivery.ErrNoEdition):
		return "edition-empty"
	case errors.Is(err, delivery.ErrCovered):
		return "edition-covered"
	}
	return ""
}

func (c *Console) editionAction(op string) handler {
	do := c.editionOp(op)
	return func(w http.ResponseWriter, r *http.Request, who *caller) {
		day := r.PathValue("date")
		to := "/admin/editions/" + url.PathEscape(day)
		sum, err := do(r, who, day)
		if err != nil {
			if code := sendErr(op, err); code != "" {
				back(w, r, to, "err", code)
				return
			}
			if code := editionErr(err); code != "" {
				back(w, r, to, "err", code)
				return
			}
			c.internal(w, r, who, err)
			return
		}
		if op == "approve" && sum != nil && sum.Late {
			back(w, r, to, "ok", "edition-approve-late")
			return
		}
		back(w, r, to, "ok", "edition-"+op)
	}
}

func (c *Console) editionTest(w http.ResponseWriter, r *http.Request, who *caller) {
	day := r.PathValue("date")
	to := "/admin/editions/" + url.PathEscape(day)
	var addrs []string
	for _, a := range strings.FieldsFunc(r.PostFormValue("to"), func(r rune) bool { return r == ',' || r == '،' || r == ' ' || r == '\n' }) {
		addrs = append(addrs, strings.TrimSpace(a))
	}
	if len(addrs) == 0 || len(addrs) > 10 {
		back(w, r, to, "err", "invalid")
		return
	}
	err := c.o.Editions.Test(r.Context(), who.actor(), day, addrs)
	c.mailed(w, r, day, err, "console test send", "test-failed", "tested")
}

func (c *Console) editionResend(w http.ResponseWriter, r *http.Request, who *caller) {
	day := r.PathValue("date")
	err := c.o.Editions.Resend(r.Context(), who.actor(), day, strings.TrimSpace(r.PostFormValue("email")))
	c.mailed(w, r, day, err, "console resend", "resend-failed", "resent-edition")
}

// mailed answers a test send or a resend of the edition of day: back to
// its page with editionErr's flash, or with failed (the error logged
// under what) for a mail that could not go, or with ok.
func (c *Console) mailed(w http.ResponseWriter, r *http.Request, day string, err error, what, failed, ok string) {
	kind, code := "ok", ok
	if err != nil {
		kind, code = "err", editionErr(err)
		if code == "" {
			c.o.Log.Warn(what, "day", day, "err", err)
			code = failed
		}
	}
	back(w, r, "/admin/editions/"+url.PathEscape(day), kind, code)
}
