package subscribe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nashra/nashra/internal/store"
)

// CSVHeader is the header row of the subscriber CSV that Export writes and
// Import reads (Import also takes a subset in any order, email required).
// Categories are joined with "|" (none = all); paused is true or false;
// times are RFC 3339 in UTC, empty when unset. newsletters lists the
// newsletters followed as SLUG or SLUG:cat1|cat2, separated by ";"
// ("daily:اقتصاد|رياضة;weekly"); categories are the default newsletter's.
// A row without newsletters follows ImportOptions.Newsletter (default:
// the default newsletter) with its categories, so CSVs from before there
// were several newsletters import as they did.
var CSVHeader = []string{"email", "name", "status", "categories", "source", "paused", "bounces",
	"created_at", "confirmed_at", "unsubscribed_at", "newsletters"}

// CategorySep joins categories in the CSV.
const CategorySep = "|"

// NewsletterSep separates the newsletters of the newsletters column;
// SlugSep ends a newsletter's slug before its categories.
const (
	NewsletterSep = ";"
	SlugSep       = ":"
)

// Importer is what Import needs of the database. A store that also has
// AddSubscribers (one transaction per batch) is used in batches.
type Importer interface {
	AddSubscriber(ctx context.Context, s *store.Subscriber) (bool, error)
	SubscriberByEmail(ctx context.Context, email string) (*store.Subscriber, error)
	UpdateSubscriber(ctx context.Context, s *store.Subscriber) error
}

// ImportOptions tune Import.
type ImportOptions struct {
	// Confirmed imports rows without a status (or pending) as confirmed:
	// for lists whose people already opted in elsewhere.
	Confirmed bool
	// Progress, when set, is called after each data row.
	Progress func()
	// Categories, when set, are the categories a row may name (by name
	// or slug, stored as the catalog's name); a row naming another is
	// rejected with the list of valid ones. Nil leaves them unchecked.
	Categories *Catalog
	// Erased, when set, reports whether an address was erased at its
	// owner's request; such rows are rejected, never silently re-added.
	Erased func(ctx context.Context, email string) (bool, error)
	// Newsletter is the newsletter (slug) of rows without a newsletters
	// value; "" = the default newsletter.
	Newsletter string
	// Newsletters, when set, are the slugs a row may name; a row naming
	// another is rejected with the list.
	Newsletters []string
}

// Rejected is a row Import refused.
type Rejected struct {
	Line   int
	Email  string
	Reason string
}

// ImportReport tells what Import did.
type ImportReport struct {
	// Rows counts the data rows read.
	Rows int
	// Added counts new subscribers; Existing rows whose address was on
	// the list already (left as they were, except a pending one confirmed
	// by a confirmed row); Suppressed rows that marked someone on the
	// list unsubscribed or bounced; Kept rows for addresses that left or
	// bounced and stay so (an import never re-subscribes anybody).
	// Joined counts the Existing rows whose subscriber now follows a
	// newsletter it had never followed (one it left stays left).
	Added, Existing, Suppressed, Kept, Joined int
	Rejected                                  []Rejected
	// Ignored lists header columns Import does not know.
	Ignored []string
}

// Imported counts the rows that were not rejected.
func (r *ImportReport) Imported() int { return r.Rows - len(r.Rejected) }

// Import reads a subscriber CSV (UTF-8, with or without a byte order mark,
// header row first) and stores every good row with source "import" unless
// the row says otherwise. Bad rows are reported with their line number and
// the reason, and the rest is imported. Only an unreadable file or a
// failing database stops it. It is long because it is the row loop with
// one check per column, each producing the rejection message for its line.
func Import(ctx context.Context, st Importer, r io.Reader, o ImportOptions) (*ImportReport, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("subscribe: import: empty file (a header row is required)")
	}
	if err != nil {
		return nil, fmt.Errorf("subscribe: import: header: %w", err)
	}
	col := map[string]int{}
	rep := &ImportReport{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(CSVHeader, h) {
			rep.Ignored = append(rep.Ignored, h)
			continue
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("subscribe: import: header: column %q twice", h)
		}
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, fmt.Errorf("subscribe: import: header: no email column (want %s)", strings.Join(CSVHeader, ","))
	}
	b := newBatcher(ctx, st, rep)
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Rows++
			rep.Rejected = append(rep.Rejected, Rejected{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()})
			if o.Progress != nil {
				o.Progress()
			}
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("subscribe: import: %w", err)
		}
		// FieldPos is only valid after a successful Read.
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		rep.Rows++
		sub, err := parseRow(rec, col, len(header), o)
		if err == nil && o.Categories != nil {
			err = resolveCategories(sub, o.Categories)
		}
		erased := false
		if err == nil && o.Erased != nil {
			if erased, err = o.Erased(ctx, sub.Email); err != nil {
				return rep, fmt.Errorf("subscribe: import: %w", err)
			}
		}
		switch {
		case err != nil:
			rep.Rejected = append(rep.Rejected, Rejected{Line: line, Email: field(rec, col, "email"), Reason: err.Error()})
		case erased:
			rep.Rejected = append(rep.Rejected, Rejected{Line: line, Email: sub.Email,
				Reason: "erased at the owner's request (an admin may allow it again)"})
		case seen[store.EmailKey(sub.Email)] != 0:
			rep.Rejected = append(rep.Rejected, Rejected{Line: line, Email: sub.Email,
				Reason: fmt.Sprintf("duplicate of line %d", seen[store.EmailKey(sub.Email)])})
		default:
			seen[store.EmailKey(sub.Email)] = line
			if err := b.add(sub, line); err != nil {
				return rep, err
			}
		}
		if o.Progress != nil {
			o.Progress()
		}
	}
	if err := b.flush(); err != nil {
		return rep, err
	}
	slices.SortStableFunc(rep.Rejected, func(a, b Rejected) int { return a.Line - b.Line })
	return rep, nil
}

func field(rec []string, col map[string]int, name string) string {
	i, ok := col[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// resolveCategories resolves the categories of a row and of each
// newsletter it follows against the catalog.
func resolveCategories(sub *store.Subscriber, cat *Catalog) error {
	var err error
	if sub.Categories, err = cat.Resolve(sub.Categories); err != nil {
		return err
	}
	for i := range sub.Follow {
		if sub.Follow[i].Categories, err = cat.Resolve(sub.Follow[i].Categories); err != nil {
			return fmt.Errorf("newsletters: %s: %w", sub.Follow[i].Newsletter, err)
		}
	}
	return nil
}

// parseNewsletters reads a newsletters value ("daily:a|b;weekly") into
// subscriptions, each slug checked against known (when set).
func parseNewsletters(v string, known []string) ([]store.Subscription, error) {
	var out []store.Subscription
	for _, part := range strings.Split(v, NewsletterSep) {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		slug, cats, _ := strings.Cut(part, SlugSep)
		slug = strings.TrimSpace(slug)
		if !store.ValidSlug(slug) || len(known) > 0 && !slices.Contains(known, slug) {
			if len(known) > 0 {
				return nil, fmt.Errorf("newsletters: unknown newsletter %q (%s)", slug, strings.Join(known, ", "))
			}
			return nil, fmt.Errorf("newsletters: %q is not a newsletter slug", slug)
		}
		if slices.ContainsFunc(out, func(s store.Subscription) bool { return s.Newsletter == slug }) {
			return nil, fmt.Errorf("newsletters: %s named twice", slug)
		}
		out = append(out, store.Subscription{Newsletter: slug, Categories: splitCategories(cats)})
	}
	return out, nil
}

// splitCategories splits "a|b" into trimmed, distinct categories.
func splitCategories(c string) []string {
	var out []string
	for _, cat := range strings.Split(c, CategorySep) {
		if cat = strings.TrimSpace(cat); cat != "" && !slices.Contains(out, cat) {
			out = append(out, cat)
		}
	}
	return out
}

// parseRow turns one record into a subscriber or says why it cannot.
func parseRow(rec []string, col map[string]int, width int, o ImportOptions) (*store.Subscriber, error) {
	if len(rec) != width {
		return nil, fmt.Errorf("%d fields, the header has %d", len(rec), width)
	}
	for _, f := range rec {
		for _, r := range f {
			if unicode.IsControl(r) && r != '\t' {
				return nil, errors.New("control character (CR, LF…) in a field")
			}
		}
	}
	get := func(n string) string { return field(rec, col, n) }
	email, err := store.NormalizeEmail(get("email"))
	if err != nil {
		if get("email") == "" {
			return nil, errors.New("no email address")
		}
		return nil, errors.New("invalid email address")
	}
	name, err := CleanName(get("name"))
	if err != nil {
		return nil, errors.New("bad name: " + err.(*InputError).Message)
	}
	s := &store.Subscriber{Email: email, Name: name, Status: store.Status(strings.ToLower(get("status"))), Source: strings.ToLower(get("source"))}
	switch {
	case s.Status == "":
		s.Status = store.StatusPending
	case !s.Status.Valid():
		return nil, fmt.Errorf("unknown status %q (pending, confirmed, unsubscribed or bounced)", get("status"))
	}
	if o.Confirmed && s.Status == store.StatusPending {
		s.Status = store.StatusConfirmed
	}
	switch s.Source {
	case "":
		s.Source = store.SourceImport
	case store.SourceForm, store.SourceImport, store.SourceAdmin:
	default:
		return nil, fmt.Errorf("unknown source %q (form, import or admin)", get("source"))
	}
	s.Categories = splitCategories(get("categories"))
	if s.Follow, err = parseNewsletters(get("newsletters"), o.Newsletters); err != nil {
		return nil, err
	}
	if len(s.Follow) == 0 && o.Newsletter != "" {
		s.Follow = []store.Subscription{{Newsletter: o.Newsletter, Categories: s.Categories}}
	}
	switch strings.ToLower(get("paused")) {
	case "", "false", "no", "0":
	case "true", "yes", "1":
		s.Paused = true
	default:
		return nil, fmt.Errorf("paused: %q is not true or false", get("paused"))
	}
	if v := get("bounces"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bounces: %q is not a count", v)
		}
		s.Bounces = n
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"created_at", &s.CreatedAt}, {"confirmed_at", &s.ConfirmedAt}, {"unsubscribed_at", &s.UnsubscribedAt}} {
		v := get(t.name)
		if v == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an RFC 3339 time", t.name, v)
		}
		*t.dst = tm.UTC()
	}
	return s, nil
}

// Lister is what Export needs of the database. One that also has
// SubscriptionsOf (store.Newsletters) gets the newsletters column filled.
type Lister interface {
	ListSubscribers(ctx context.Context, q store.SubscriberQuery) ([]store.Subscriber, error)
}

type subscriptionsLister interface {
	SubscriptionsOf(ctx context.Context, ids []int64) (map[int64][]store.Subscription, error)
}

// newslettersValue is the newsletters column of one subscriber: the ones
// it follows. A default newsletter the config has not named yet (slug "")
// is left out: the categories column holds its choice.
func newslettersValue(subs []store.Subscription) string {
	var parts []string
	for _, sn := range subs {
		if sn.Status != store.Subscribed || sn.Newsletter == "" {
			continue
		}
		p := sn.Newsletter
		if len(sn.Categories) > 0 {
			p += SlugSep + strings.Join(sn.Categories, CategorySep)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, NewsletterSep)
}

// Export writes every subscriber as CSV (CSVHeader, by ID), the format
// Import reads: importing it into an empty list and exporting again gives
// the same bytes.
func Export(ctx context.Context, st Lister, w io.Writer) (int, error) {
	return export(ctx, st, w, false)
}

// ExportExcel writes what Export does in the form Excel opens correctly:
// a UTF-8 byte order mark first (without it Excel reads the Arabic names
// as Windows-1252) and CRLF line ends. Import reads it back unchanged.
func ExportExcel(ctx context.Context, st Lister, w io.Writer) (int, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, fmt.Errorf("subscribe: export: %w", err)
	}
	return export(ctx, st, w, true)
}

func export(ctx context.Context, st Lister, w io.Writer, crlf bool) (int, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = crlf
	if err := cw.Write(CSVHeader); err != nil {
		return 0, fmt.Errorf("subscribe: export: %w", err)
	}
	n := 0
	var after int64
	for {
		page, err := st.ListSubscribers(ctx, store.SubscriberQuery{AfterID: after, Limit: 1000})
		if err != nil {
			return n, fmt.Errorf("subscribe: export: %w", err)
		}
		if len(page) == 0 {
			break
		}
		follows, err := Subscriptions(ctx, st, page)
		if err != nil {
			return n, fmt.Errorf("subscribe: export: %w", err)
		}
		for _, s := range page {
			rec := []string{s.Email, s.Name, string(s.Status), strings.Join(s.Categories, CategorySep), s.Source,
				strconv.FormatBool(s.Paused), strconv.Itoa(s.Bounces),
				csvTime(s.CreatedAt), csvTime(s.ConfirmedAt), csvTime(s.UnsubscribedAt), newslettersValue(follows[s.ID])}
			if err := cw.Write(rec); err != nil {
				return n, fmt.Errorf("subscribe: export: %w", err)
			}
			n++
		}
		after = page[len(page)-1].ID
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("subscribe: export: %w", err)
	}
	return n, nil
}

// Subscriptions reads the subscriptions of a page of subscribers, by
// subscriber ID, when st has them (SubscriptionsOf; nil otherwise).
func Subscriptions(ctx context.Context, st Lister, page []store.Subscriber) (map[int64][]store.Subscription, error) {
	sl, ok := st.(subscriptionsLister)
	if !ok {
		return nil, nil
	}
	ids := make([]int64, len(page))
	for i, s := range page {
		ids[i] = s.ID
	}
	return sl.SubscriptionsOf(ctx, ids)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
