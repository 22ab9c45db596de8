package admin

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/subscribe"
)

const pageSize = 50

// notFound is the console's answer to a path it does not serve.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, who *caller) {
	c.fail(w, r, who, http.StatusNotFound, "لا توجد صفحة بهذا العنوان.")
}

func (c *Console) static(w http.ResponseWriter, r *http.Request, _ *caller) {
	name := path.Base(r.PathValue("file"))
	b, err := fs.ReadFile(c.o.Pages.Static(), name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// dashboard data.
type dashData struct {
	Total, Confirmed, Pending, Unsubscribed, Bounced, Articles int
	Growth                                                     []growthBar
	NewIn30                                                    int
	Next, NextDay, NextState                                   string
	NextAt                                                     time.Time
	Sources, SourceErrors                                      int
	Editions                                                   []editionRow
	// Newsletters are each newsletter's followers and next edition
	// (sites with several).
	Newsletters []newsletterRow
}

// newsletterRow is one newsletter on the dashboard.
// It is also an item of GET /api/v1/newsletters.
type newsletterRow struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Followers counts the confirmed subscribers following it.
	Followers int `json:"followers"`
	// Next is its next edition's ID and send time (zero when unknown).
	Next   string    `json:"next_edition"`
	NextAt time.Time `json:"next_send_at,omitzero"`
}

type growthBar struct {
	Day           string
	Count, Height int
}

type editionRow struct {
	store.Edition
	Sent, Failed int
}

// growth fills the dashboard's sign-ups of the last 30 days (site time
// zone), one bar a day scaled to the busiest; none when there were none.
func (c *Console) growth(ctx context.Context, d *dashData, now time.Time) error {
	_, off := now.Zone()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.o.Location).AddDate(0, 0, -29)
	growth, err := c.o.Store.SubscriberGrowth(ctx, since, time.Duration(off)*time.Second)
	if err != nil {
		return err
	}
	byDay := map[string]int{}
	max := 0
	for _, g := range growth {
		byDay[g.Day] = g.Count
		d.NewIn30 += g.Count
		if g.Count > max {
			max = g.Count
		}
	}
	if d.NewIn30 > 0 {
		for i := range 30 {
			day := since.AddDate(0, 0, i).Format(time.DateOnly)
			n := byDay[day]
			d.Growth = append(d.Growth, growthBar{Day: day, Count: n, Height: (n*10 + max - 1) / max})
		}
	}
	return nil
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, who *caller) {
	ctx := r.Context()
	st := c.o.Store
	var d dashData
	byStatus, err := st.SubscriberCounts(ctx)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	d.Confirmed, d.Pending = byStatus[store.StatusConfirmed], byStatus[store.StatusPending]
	d.Unsubscribed, d.Bounced = byStatus[store.StatusUnsubscribed], byStatus[store.StatusBounced]
	d.Total = d.Confirmed + d.Pending + d.Unsubscribed + d.Bounced
	if d.Articles, err = st.CountArticles(ctx); err != nil {
		c.internal(w, r, who, err)
		return
	}
	now := time.Now().In(c.o.Location)
	if err := c.growth(ctx, &d, now); err != nil {
		c.internal(w, r, who, err)
		return
	}
	d.Next = "غير مجدول"
	if c.o.Editions != nil {
		if e, err := c.o.Editions.Get(ctx, c.o.Editions.NextDue()); err == nil && !e.SendAt.IsZero() {
			d.NextAt = e.SendAt
			d.NextDay, d.NextState = e.ID, stateNames[e.State]
		}
	} else if c.o.NextEdition != nil {
		if t := c.o.NextEdition(now); !t.IsZero() {
			d.Next = t.In(c.o.Location).Format("2006-01-02 15:04")
		}
	}
	if c.o.Sources != nil {
		if list, err := c.o.Sources.List(ctx); err == nil {
			d.Sources = len(list)
			for _, x := range list {
				if state := c.o.Sources.Status(x); state == source.StateError || state == source.StateFailing {
					d.SourceErrors++
				}
			}
		}
	}
	if c.nls.Several() { // one newsletter: its figures are the page's own
		if d.Newsletters, err = c.newsletterRows(ctx); err != nil {
			c.internal(w, r, who, err)
			return
		}
	}
	eds, err := st.ListEditions(ctx, 7)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	ids := make([]string, len(eds))
	for i, e := range eds {
		ids[i] = e.ID
	}
	counts, err := st.EditionDeliveryCounts(ctx, ids)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	for _, e := range eds {
		n := counts[e.ID]
		d.Editions = append(d.Editions, editionRow{Edition: e, Sent: n[store.DeliverySent], Failed: n[store.DeliveryFailed]})
	}
	c.render(w, r, who, http.StatusOK, "dashboard", frame{Title: "نظرة عامة", Nav: "dashboard", Data: d})
}

type option struct{ Value, Label string }

var statusNames = map[string]string{
	"pending": "بانتظار التأكيد", "confirmed": "مؤكَّد", "unsubscribed": "ألغى الاشتراك", "bounced": "مرتدّ",
}

var statusOptions = []option{{"confirmed", "مؤكَّد"}, {"pending", "بانتظار التأكيد"}, {"unsubscribed", "ألغى الاشتراك"}, {"bounced", "مرتدّ"}}

type subsData struct {
	Q, Status, Category string
	Statuses            []option
	StatusNames         map[string]string
	Categories          []string
	Subscribers         []store.Subscriber
	// Several: the site has several newsletters, and Follows names those
	// each subscriber follows with their categories (by ID).
	Several     bool
	Follows     map[int64][]string
	Next, First string
	Paged       bool
	Report      *importView
}

type importView struct {
	Summary string
	Lines   []string
}

// categories lists the configured categories and those of stored articles.
func (c *Console) categories(r *http.Request) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range c.o.Categories {
		if !seen[x] && x != "" {
			seen[x] = true
			out = append(out, x)
		}
	}
	if cats, err := c.o.Store.Categories(r.Context()); err == nil {
		for _, x := range cats {
			if !seen[x] && x != "" {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}

func (c *Console) subscribers(w http.ResponseWriter, r *http.Request, who *caller) {
	q := r.URL.Query()
	d := subsData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Category: q.Get("category"),
		Statuses: statusOptions, StatusNames: statusNames, Categories: c.categories(r)}
	if d.Status != "" && !store.Status(d.Status).Valid() {
		d.Status = ""
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	subs, err := c.o.Store.SearchSubscribers(r.Context(), store.SubscriberSearch{
		Text: d.Q, Status: store.Status(d.Status), Category: d.Category, BeforeID: before, Limit: pageSize + 1})
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	keep := url.Values{}
	for _, k := range []string{"q", "status", "category"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	d.First = "/admin/subscribers?" + keep.Encode()
	d.Paged = before > 0
	if len(subs) > pageSize {
		subs = subs[:pageSize]
		keep.Set("before", strconv.FormatInt(subs[len(subs)-1].ID, 10))
		d.Next = "/admin/subscribers?" + keep.Encode()
	}
	d.Subscribers = subs
	if d.Several = c.nls.Several(); d.Several {
		if d.Follows, err = c.followNames(r.Context(), subs); err != nil {
			c.internal(w, r, who, err)
			return
		}
	}
	c.render(w, r, who, http.StatusOK, "subscribers", frame{Title: "المشتركون", Nav: "subscribers", Data: d})
}

func (c *Console) exportCSV(w http.ResponseWriter, r *http.Request, who *caller) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="subscribers.csv"`)
	n, err := subscribe.ExportExcel(r.Context(), c.o.Store, w)
	if err != nil {
		c.o.Log.Error("console export", "err", err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscribers.export", "", fmt.Sprintf("%d subscribers", n))
}

// catalog is the categories a subscriber may choose: the sign-up
// service's (configured slugs included) or, without one, the configured
// names; then those of stored articles.
func (c *Console) catalog(ctx context.Context) (subscribe.Catalog, error) {
	if c.o.Subscribe != nil {
		return c.o.Subscribe.Catalog(ctx)
	}
	cats := make([]subscribe.Category, len(c.o.Categories))
	for i, n := range c.o.Categories {
		cats[i] = subscribe.Category{Name: n}
	}
	return subscribe.LoadCatalog(ctx, c.o.Store, cats)
}

func (c *Console) importCSV(w http.ResponseWriter, r *http.Request, who *caller) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		c.fail(w, r, who, http.StatusBadRequest, "لم يصل أي ملف.")
		return
	}
	defer f.Close()
	o := subscribe.ImportOptions{
		Confirmed: r.PostFormValue("confirmed") == "1",
		Erased:    subscribe.ErasedCheck(c.o.Store, c.o.Secret),
	}
	for _, n := range c.o.Newsletters { // a row may name only these
		o.Newsletters = append(o.Newsletters, n.Slug)
	}
	// Rows may name only known categories, by name or slug.
	cat, err := c.catalog(r.Context())
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	o.Categories = &cat
	rep, err := subscribe.Import(r.Context(), c.o.Store, f, o)
	view := &importView{}
	if err != nil && rep == nil {
		view.Summary = hdr.Filename + ": " + err.Error()
	} else {
		view.Summary = fmt.Sprintf("%s: %d صفًا — أُضيف %d، موجود من قبل %d، رُفض %d", hdr.Filename, rep.Rows, rep.Added, rep.Existing, len(rep.Rejected))
		for _, x := range rep.Rejected {
			view.Lines = append(view.Lines, fmt.Sprintf("السطر %d: %s: %s", x.Line, x.Email, x.Reason))
		}
		if err != nil {
			view.Lines = append(view.Lines, err.Error())
		}
		_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscribers.import", hdr.Filename,
			fmt.Sprintf("%d rows, %d added, %d rejected", rep.Rows, rep.Added, len(rep.Rejected)))
	}
	d := subsData{Statuses: statusOptions, StatusNames: statusNames, Categories: c.categories(r), Report: view}
	d.Subscribers, _ = c.o.Store.SearchSubscribers(r.Context(), store.SubscriberSearch{Limit: pageSize})
	c.render(w, r, who, http.StatusOK, "subscribers", frame{Title: "المشتركون", Nav: "subscribers", Data: d})
}

type subData struct {
	Sub         *store.Subscriber
	Deliveries  []store.Delivery
	Categories  []string
	StatusNames map[string]string
	// Newsletters, with several, are every newsletter with whether the
	// subscriber follows it and its categories there.
	Newsletters []followRow
}

// subscriberOf loads the subscriber named by the {id} path value, or
// answers 404.
func (c *Console) subscriberOf(w http.ResponseWriter, r *http.Request, who *caller) *store.Subscriber {
	return pageRecord(c, w, r, who, c.o.Store.GetSubscriber, "لا يوجد مشترك بهذا الرقم (ربما مُحي).")
}

func (c *Console) subscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.subscriberOf(w, r, who)
	if s == nil {
		return
	}
	ds, err := c.o.Store.SubscriberDeliveries(r.Context(), s.ID, 200)
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	d := subData{Sub: s, Deliveries: ds, Categories: c.categories(r), StatusNames: statusNames}
	if c.nls.Several() {
		if d.Newsletters, err = c.followRows(r.Context(), s.ID); err != nil {
			c.internal(w, r, who, err)
			return
		}
	}
	c.render(w, r, who, http.StatusOK, "subscriber", frame{Title: "مشترك", Nav: "subscribers", Data: d})
}

// editSubscriber takes the subscriber page's form: the name, and the
// categories (one newsletter) or the newsletters with theirs (several).
func (c *Console) editSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.subscriberOf(w, r, who)
	if s == nil {
		return
	}
	to := fmt.Sprintf("/admin/subscribers/%d", s.ID)
	name, err := subscribe.CleanName(r.PostFormValue("name"))
	if err != nil {
		back(w, r, to, "err", "invalid")
		return
	}
	_ = r.ParseForm()
	if r.PostFormValue("newsletters-form") != "" {
		c.editFollow(w, r, who, s, name)
		return
	}
	var cats []string
	for _, x := range r.PostForm["categories"] {
		if x = strings.TrimSpace(x); x != "" {
			cats = append(cats, x)
		}
	}
	before := fmt.Sprintf("%q [%s]", s.Name, strings.Join(s.Categories, ", "))
	s.Name, s.Categories = name, cats
	if err := c.o.Store.UpdateSubscriber(r.Context(), s); err != nil {
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.edit", s.Email,
		fmt.Sprintf("%s → %q [%s]", before, s.Name, strings.Join(s.Categories, ", ")))
	back(w, r, to, "ok", "saved")
}

// editFollow saves the name and the newsletters of the subscriber page's
// form when the site has several; none ticked is refused (leaving them
// all is the unsubscribe button).
func (c *Console) editFollow(w http.ResponseWriter, r *http.Request, who *caller, s *store.Subscriber, name string) {
	to := fmt.Sprintf("/admin/subscribers/%d", s.ID)
	follow, err := c.cleanFollow(r.Context(), followForm(r))
	if _, bad := err.(*followError); bad {
		back(w, r, to, "err", "no-newsletter")
		return
	}
	var before, after map[int64][]apiFollow
	if err == nil {
		before, err = c.follows(r.Context(), []int64{s.ID})
	}
	if err == nil {
		beforeName := s.Name
		s.Name = name
		if err = c.o.Store.UpdateSubscriber(r.Context(), s); err == nil {
			err = subscribe.SetFollow(r.Context(), c.o.Store, s.ID, follow)
		}
		name = fmt.Sprintf("%q → %q", beforeName, name)
	}
	if err == nil {
		after, err = c.follows(r.Context(), []int64{s.ID})
	}
	if err != nil {
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.edit", s.Email,
		fmt.Sprintf("%s; %s → %s", name, describeFollows(before[s.ID]), describeFollows(after[s.ID])))
	back(w, r, to, "ok", "saved")
}

func (c *Console) unsubscribeSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.subscriberOf(w, r, who)
	if s == nil {
		return
	}
	if err := c.o.Store.RemoveSubscriber(r.Context(), s.Email); err != nil {
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.unsubscribe", s.Email, "")
	back(w, r, fmt.Sprintf("/admin/subscribers/%d", s.ID), "ok", "unsubscribed")
}

func (c *Console) eraseSubscriber(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.subscriberOf(w, r, who)
	if s == nil {
		return
	}
	if r.PostFormValue("sure") != "1" {
		back(w, r, fmt.Sprintf("/admin/subscribers/%d", s.ID), "err", "invalid")
		return
	}
	if err := c.o.Store.EraseSubscriber(r.Context(), s.ID, subscribe.ErasedKey(c.o.Secret, s.Email)); err != nil {
		c.internal(w, r, who, err)
		return
	}
	// The audit log names the subscriber by number only: the address is gone.
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.erase", fmt.Sprintf("subscriber %d", s.ID), "")
	back(w, r, "/admin/subscribers", "ok", "erased")
}

func (c *Console) resendConfirmation(w http.ResponseWriter, r *http.Request, who *caller) {
	s := c.subscriberOf(w, r, who)
	if s == nil {
		return
	}
	if s.Status != store.StatusPending {
		back(w, r, fmt.Sprintf("/admin/subscribers/%d", s.ID), "err", "not-pending")
		return
	}
	if err := c.o.Subscribe.ResendConfirmation(r.Context(), s); err != nil {
		c.internal(w, r, who, err)
		return
	}
	_ = c.o.Auth.Audit(r.Context(), who.actor(), "subscriber.resend-confirmation", s.Email, "")
	back(w, r, fmt.Sprintf("/admin/subscribers/%d", s.ID), "ok", "resent")
}
