// Package digest assembles one edition of the daily Arabic digest: the
// articles published in the edition's window, grouped by category in a
// configured order, newest first, capped, each with its summary and links
// to related stories from the whole archive.
//
// It is pure: it reads articles only through the small Reader interface
// that the caller (a store) implements, and renders nothing itself; the
// templates package turns an Edition into email and web pages.
package digest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/article"
)

// ErrEmpty is returned by Build when the window holds no article and
// Options.SendEmpty is false: there is no edition that day.
var ErrEmpty = errors.New("digest: no new articles for this edition")

// Reader is what Build needs from storage.
type Reader interface {
	// ArticlesBetween returns the published (non-draft) articles with
	// from < Published <= to, in any order. Build filters again, so an
	// implementation that is inclusive at both ends is also fine.
	ArticlesBetween(ctx context.Context, from, to time.Time) ([]article.Article, error)
	// Related returns up to k articles related to the article id, best
	// first, taken from the whole archive (not only the edition's window).
	Related(ctx context.Context, id string, k int) ([]article.Article, error)
}

// Defaults applied by Options when a field is zero.
const (
	DefaultWindow      = 24 * time.Hour
	DefaultMaxArticles = 20
	DefaultHighlights  = 5
	// DefaultOtherCategory names the section of articles without a category.
	DefaultOtherCategory = "منوعات"
	// Opener is the heading of the list of top titles.
	Opener = "أبرز العناوين"
)

// Options shape an edition. The zero value is usable: UTC, a 24-hour
// window cut at midnight, 20 articles, no related links.
type Options struct {
	// Location is the site time zone (site.timezone); nil means UTC.
	Location *time.Location
	// SendTime is the wall-clock time after local midnight at which an
	// edition is cut (the time of day of digest.schedule); 0 = midnight.
	SendTime time.Duration
	// Window is how far back an edition reaches (digest.window); 0 = 24h.
	Window time.Duration
	// MaxArticles caps the stories of one edition (digest.max_articles);
	// 0 = DefaultMaxArticles, negative = no cap. The newest are kept.
	MaxArticles int
	// Related is the number of related links per story (digest.related).
	Related int
	// Highlights is how many titles the opener lists; 0 = DefaultHighlights.
	Highlights int
	// CategoryOrder lists category names first-to-last (digest.category_order);
	// categories not listed follow in alphabetical order.
	CategoryOrder []string
	// OtherCategory names the section for articles without a category;
	// "" = DefaultOtherCategory.
	OtherCategory string
	// SendEmpty builds an edition even when there are no articles.
	SendEmpty bool
	// Categories, when set, keeps only the articles of these categories
	// (a newsletter's categories; compared as Edition.Filter does).
	Categories []string
	// Weekly groups each section's stories by day too (Section.Days): the
	// layout of a weekly round-up.
	Weekly bool
	// SiteTitle and BaseURL come from site.title and site.base_url.
	SiteTitle, BaseURL string
	// DateLine formats the edition's date for its header (for instance
	// arabic.FormatDate with the configured style, Hijri and digits). It
	// receives noon of the edition day in Location. nil = FormatDateLine.
	DateLine func(time.Time) string
	// SpanLine formats the days a weekly edition covers for its header
	// (arabic.FormatSpan with the configured style and digits). It
	// receives noon of the first and of the last day. nil =
	// arabic.FormatSpan with the defaults.
	SpanLine func(first, last time.Time) string
	// ArticleURL gives the public link of an article. nil = its SourceURL,
	// else BaseURL + "/articles/" + Slug. Links that are not http(s) are
	// dropped.
	ArticleURL func(article.Article) string
}

func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.MaxArticles == 0 {
		o.MaxArticles = DefaultMaxArticles
	}
	if o.Highlights == 0 {
		o.Highlights = DefaultHighlights
	}
	if o.OtherCategory == "" {
		o.OtherCategory = DefaultOtherCategory
	}
	if o.DateLine == nil {
		o.DateLine = FormatDateLine
	}
	if o.SpanLine == nil {
		o.SpanLine = func(first, last time.Time) string { return arabic.FormatSpan(first, last, arabic.DateOptions{}) }
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

// Link is a titled link.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Story is one article as the edition shows it.
type Story struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	Category  string    `json:"category"`
	Author    string    `json:"author,omitempty"`
	Published time.Time `json:"published"`
	Related   []Link    `json:"related,omitempty"`
	// Also links the other reports of the same story (near-duplicate
	// text, typically from another source), shown under it.
	Also []Link `json:"also,omitempty"`
}

// Section is the stories of one category, newest first.
type Section struct {
	Category string  `json:"category"`
	Stories  []Story `json:"stories"`
	// Days holds the same stories by publication day, newest day first,
	// in a weekly edition (Options.Weekly); nil otherwise.
	Days []Day `json:"days,omitempty"`
}

// Day is the stories of one section published on one day.
type Day struct {
	// Date is YYYY-MM-DD in the site time zone; DateLine its Arabic form.
	Date     string  `json:"date"`
	DateLine string  `json:"date_line"`
	Stories  []Story `json:"stories"`
}

// Edition is the digest of one day.
type Edition struct {
	// Date is the edition day in the site zone, YYYY-MM-DD.
	Date string `json:"date"`
	// ID is stable for a day and a site: the Date. Filtered copies keep it.
	ID string `json:"id"`
	// Title is the site title (the name of the bulletin).
	Title string `json:"title"`
	// DateLine is the formatted date shown in the header and subject.
	DateLine string `json:"date_line"`
	// Opener is the heading of Highlights ("أبرز العناوين").
	Opener     string    `json:"opener"`
	Highlights []Link    `json:"highlights"`
	Sections   []Section `json:"sections"`
	// Count is the number of stories in Sections.
	Count int `json:"count"`
	// From and To bound the window: From < Published <= To.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Newsletter is the slug of the edition's newsletter, "" for the
	// default one (whose web copy is /digest/{date}); Name its name.
	Newsletter string `json:"newsletter,omitempty"`
	Name       string `json:"name,omitempty"`
	// Weekly: sections carry Days (a weekly round-up).
	Weekly bool `json:"weekly,omitempty"`
	// Span names the days a weekly edition covers, from the window's
	// first day to its last ("من 27 نوفمبر إلى 3 ديسمبر 2026"), for its
	// header in place of DateLine; "" for a daily one.
	Span string `json:"span,omitempty"`

	highlights int
}

// Build assembles the edition for day (YYYY-MM-DD in o.Location) over the
// day's fixed window (see Window). It returns ErrEmpty when the window is
// empty and o.SendEmpty is false.
func Build(ctx context.Context, r Reader, day string, o Options) (*Edition, error) {
	from, to, err := Window(day, o)
	if err != nil {
		return nil, err
	}
	return BuildWindow(ctx, r, day, from, to, o)
}

// BuildWindow is Build over the window (from, to] chosen by the caller:
// from the previous edition's cut-off to this one's.
func BuildWindow(ctx context.Context, r Reader, day string, from, to time.Time, o Options) (*Edition, error) {
	o = o.withDefaults()
	if _, err := time.ParseInLocation(DayLayout, day, o.Location); err != nil {
		return nil, fmt.Errorf("digest: day %q: want YYYY-MM-DD: %w", day, err)
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("digest: edition %s: window from %s is not before its cut-off %s", day,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	arts, err := r.ArticlesBetween(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("digest: articles for %s: %w", day, err)
	}
	arts = selectArticles(arts, from, to, 0)
	arts = inCategories(arts, o)
	arts, also := sameStories(arts, o)
	if o.MaxArticles > 0 && len(arts) > o.MaxArticles {
		arts = arts[:o.MaxArticles]
	}
	if len(arts) == 0 && !o.SendEmpty {
		return nil, ErrEmpty
	}

	d, _ := time.ParseInLocation(DayLayout, day, o.Location)
	noon := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, o.Location)
	e := &Edition{
		Date:       day,
		ID:         day,
		Title:      o.SiteTitle,
		DateLine:   o.DateLine(noon),
		Opener:     Opener,
		From:       from,
		To:         to,
		highlights: o.Highlights,
	}

	stories := make([]Story, 0, len(arts))
	for _, a := range arts {
		s := Story{
			ID:        a.ID,
			Title:     a.Title,
			URL:       articleURL(a, o),
			Summary:   summaryOf(a),
			Category:  strings.TrimSpace(a.Category),
			Author:    a.Author,
			Published: a.Published.In(o.Location),
			Also:      also[a.ID],
		}
		if s.Category == "" {
			s.Category = o.OtherCategory
		}
		if o.Related > 0 {
			rel, err := r.Related(ctx, a.ID, o.Related+1)
			if err != nil {
				return nil, fmt.Errorf("digest: related to %s: %w", a.ID, err)
			}
			s.Related = relatedLinks(a.ID, rel, to, o)
		}
		stories = append(stories, s)
	}
	e.Sections = group(stories, o.CategoryOrder)
	if o.Weekly {
		e.Weekly = true
		e.Span = o.SpanLine(spanDays(from, to, o.Location))
		for i := range e.Sections {
			e.Sections[i].Days = byDay(e.Sections[i].Stories, o)
		}
	}
	e.recount()
	return e, nil
}

// inCategories keeps the articles in o.Categories (all when it is empty);
// an article without a category counts as o.OtherCategory.
func inCategories(arts []article.Article, o Options) []article.Article {
	if len(o.Categories) == 0 {
		return arts
	}
	want := map[string]bool{}
	for _, c := range o.Categories {
		want[strings.ToLower(strings.TrimSpace(c))] = true
	}
	out := arts[:0:0]
	for _, a := range arts {
		c := strings.TrimSpace(a.Category)
		if c == "" {
			c = o.OtherCategory
		}
		if want[strings.ToLower(c)] {
			out = append(out, a)
		}
	}
	return out
}

// byDay groups stories (newest first) by their day in o.Location.
func byDay(stories []Story, o Options) []Day {
	var out []Day
	for _, st := range stories {
		t := st.Published.In(o.Location)
		d := t.Format(DayLayout)
		if n := len(out); n == 0 || out[n-1].Date != d {
			noon := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, o.Location)
			out = append(out, Day{Date: d, DateLine: o.DateLine(noon)})
		}
		out[len(out)-1].Stories = append(out[len(out)-1].Stories, st)
	}
	return out
}

// sameStories folds near-duplicate articles (the same story from two
// sources) into one: the first of them in arts (the newest) stays, the
// others become links under it. It returns the articles kept and the
// links by the ID of the article kept.
func sameStories(arts []article.Article, o Options) ([]article.Article, map[string][]Link) {
	also := map[string][]Link{}
	prints := make([]arabic.Fingerprint, 0, len(arts))
	kept := arts[:0:0]
	for _, a := range arts {
		fp := arabic.FingerprintOf(a.Title, a.BodyText)
		dup := -1
		for i := range kept {
			if prints[i].SameStory(fp) {
				dup = i
				break
			}
		}
		if dup < 0 {
			kept = append(kept, a)
			prints = append(prints, fp)
			continue
		}
		if u := articleURL(a, o); u != "" {
			also[kept[dup].ID] = append(also[kept[dup].ID], Link{Title: a.Title, URL: u})
		}
	}
	return kept, also
}

// selectArticles keeps the non-draft articles inside (from, to], drops
// duplicate IDs and keeps the newest max of them.
func selectArticles(in []article.Article, from, to time.Time, max int) []article.Article {
	seen := make(map[string]bool, len(in))
	out := make([]article.Article, 0, len(in))
	for _, a := range in {
		if a.Draft || strings.TrimSpace(a.Title) == "" || seen[a.ID] {
			continue
		}
		if !a.Published.After(from) || a.Published.After(to) {
			continue
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b article.Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

func summaryOf(a article.Article) string {
	if s := strings.TrimSpace(a.Summary); s != "" {
		return s
	}
	return strings.TrimSpace(a.Subtitle)
}

func relatedLinks(self string, rel []article.Article, to time.Time, o Options) []Link {
	var out []Link
	for _, r := range rel {
		// Not itself, no draft, nothing published after the edition's
		// window (an embargoed article is not out when the edition is).
		if r.ID == self || r.Draft || r.Published.After(to) || strings.TrimSpace(r.Title) == "" {
			continue
		}
		u := articleURL(r, o)
		if u == "" {
			continue
		}
		out = append(out, Link{Title: r.Title, URL: u})
		if len(out) == o.Related {
			break
		}
	}
	return out
}

// articleURL returns an absolute http(s) link for a, or "".
func articleURL(a article.Article, o Options) string {
	var u string
	switch {
	case o.ArticleURL != nil:
		u = o.ArticleURL(a)
	case a.SourceURL != "":
		u = a.SourceURL
	case a.Slug != "" && o.BaseURL != "":
		u = o.BaseURL + "/articles/" + url.PathEscape(a.Slug)
	}
	return SafeURL(u, o.BaseURL)
}

// SafeURL returns u when it is an absolute http or https URL, base+u when
// u is a site-relative path ("/…"), and "" otherwise (javascript:, data:,
// protocol-relative and malformed links are dropped).
func SafeURL(u, base string) string {
	u = strings.TrimSpace(u)
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && base != "" {
		u = strings.TrimRight(base, "/") + u
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	if s := strings.ToLower(p.Scheme); s != "http" && s != "https" {
		return ""
	}
	return u
}

// group sorts stories into sections: categories in order first, then the
// others alphabetically; stories keep their (newest-first) order.
func group(stories []Story, order []string) []Section {
	idx := map[string]int{}
	var secs []Section
	for _, s := range stories {
		i, ok := idx[s.Category]
		if !ok {
			i = len(secs)
			idx[s.Category] = i
			secs = append(secs, Section{Category: s.Category})
		}
		secs[i].Stories = append(secs[i].Stories, s)
	}
	rank := func(c string) int {
		for i, o := range order {
			if strings.EqualFold(strings.TrimSpace(o), c) {
				return i
			}
		}
		return len(order)
	}
	slices.SortStableFunc(secs, func(a, b Section) int {
		ra, rb := rank(a.Category), rank(b.Category)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Category, b.Category)
	})
	return secs
}

// recount sets Count and Highlights from Sections: the opener takes the
// first story of each section in turn, then the second, and so on.
func (e *Edition) recount() {
	e.Count = 0
	longest := 0
	for _, s := range e.Sections {
		e.Count += len(s.Stories)
		longest = max(longest, len(s.Stories))
	}
	n := e.highlights
	if n == 0 {
		n = DefaultHighlights
	}
	e.Highlights = nil
	for i := 0; i < longest && len(e.Highlights) < n; i++ {
		for _, s := range e.Sections {
			if i < len(s.Stories) && len(e.Highlights) < n {
				st := s.Stories[i]
				e.Highlights = append(e.Highlights, Link{Title: st.Title, URL: st.URL})
			}
		}
	}
}

// Filter returns a copy of e holding only the sections whose category is
// in categories (compared case-insensitively, spaces trimmed). An empty
// list means every category. The copy may have Count 0: the caller then
// sends that subscriber nothing.
func (e *Edition) Filter(categories []string) *Edition {
	out := *e
	want := map[string]bool{}
	for _, c := range categories {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			want[c] = true
		}
	}
	out.Sections = nil
	for _, s := range e.Sections {
		if len(want) == 0 || want[strings.ToLower(s.Category)] {
			s.Stories = slices.Clone(s.Stories)
			out.Sections = append(out.Sections, s)
		}
	}
	out.recount()
	return &out
}

// Categories lists the edition's section names in order.
func (e *Edition) Categories() []string {
	out := make([]string, len(e.Sections))
	for i, s := range e.Sections {
		out[i] = s.Category
	}
	return out
}

// spanDays is noon of the first and of the last day of the window
// (from, to] in loc: a cut-off at midnight ends on the day before.
func spanDays(from, to time.Time, loc *time.Location) (first, last time.Time) {
	noon := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, loc)
	}
	return noon(from), noon(to.Add(-time.Nanosecond))
}
