// Package feeds turns articles into standards-conforming RSS 2.0, Atom 1.0
// and JSON Feed 1.1 documents — one site-wide set and one set per category —
// plus an Arabic index.html with autodiscovery links. Build encodes every
// file once into memory (with a gzip copy and a strong ETag); Handler serves
// them with conditional GET, HEAD and gzip, and Swap replaces them atomically
// when articles change. WriteDir writes the same files for static hosting.
//
// The encoders start from github.com/gorilla/feeds (imported as gfeeds) and
// wrap its format structs to add what it lacks: language, atom:link
// rel="self"/"hub", every category of an item, Atom category terms,
// media:content for images of unknown length, per-item language and dates in
// the site's time zone.
package feeds

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nashra/nashra/internal/article"
)

// Options configure Build. Only BaseURL is required.
type Options struct {
	Title       string // site title; default: the host of BaseURL
	Description string // default: Title
	BaseURL     string // absolute http(s) URL of the site, e.g. https://nashra.example
	Language    string // BCP 47 tag of the site; default "ar"
	Author      string // feed-level author name; default: Title
	Email       string // feed-level contact (RSS managingEditor), optional

	Location    *time.Location // site time zone: all dates are rendered in it (default UTC)
	Items       int            // newest N articles per feed (default 50)
	FullContent bool           // full article HTML in the feeds, else the summary
	WebSubHub   string         // WebSub hub URL; adds rel="hub" links and JSON hubs
	Categories  []Category     // configured slugs and titles; others get a default slug
	Now         func() time.Time

	// MaxAge is the Cache-Control max-age the Handler sends (default 5m).
	MaxAge time.Duration
	// TagDate is the date part of the tag: URIs used as item ids
	// (tag:HOST,TagDate:articles/ID). Default "2026". Never change it once
	// feeds are published: readers would see every item as new.
	TagDate string
	// TagAuthority is the whole authority of the tag: ids, "HOST,DATE"
	// (RFC 4151), e.g. "news.example.org,2026". Default: the host of
	// BaseURL and TagDate. Callers that publish keep the first one they
	// used (publish records it in the store), so that moving the site to
	// another domain does not make every item new in every reader.
	TagAuthority string
	// ImageLength, when set, reports the byte length of an image URL if known.
	// A known length lets RSS carry a proper <enclosure>; otherwise the image
	// is given as media:content, which does not need one.
	ImageLength func(url string) (int64, bool)
	// Pages renders index.html ("index" page, with a PageData whose Data
	// is an IndexData); nil means nashra's embedded templates.
	Pages Pages
}

// Pages renders a named page of the site's templates (templates.Set).
type Pages interface {
	Page(name string, data any) ([]byte, error)
}

// RelatedLink is one "related article" link appended to an item's content.
type RelatedLink struct{ Title, URL string }

// Input is what a build publishes.
type Input struct {
	Articles []article.Article
	// Related lists related links by article ID, best first.
	Related map[string][]RelatedLink
}

// DefaultItems is the number of articles per feed when Options.Items is 0.
const DefaultItems = 50

// opts is Options with defaults applied and derived values cached.
type opts struct {
	Options
	base    string // BaseURL without a trailing slash
	host    string // host of BaseURL without port, for tag URIs
	tagBase string // "tag:host,date:"
}

func (o Options) withDefaults() (*opts, error) {
	u, err := url.Parse(strings.TrimSpace(o.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("feeds: base URL %q: must be an absolute http(s) URL", o.BaseURL)
	}
	u.RawQuery, u.Fragment = "", ""
	p := &opts{Options: o, base: strings.TrimRight(u.String(), "/"), host: strings.ToLower(u.Hostname())}
	if p.Title = clean(p.Title); p.Title == "" {
		p.Title = p.host
	}
	if p.Description = clean(p.Description); p.Description == "" {
		p.Description = p.Title
	}
	if p.Language = clean(p.Language); p.Language == "" {
		p.Language = "ar"
	}
	if p.Author = clean(p.Author); p.Author == "" {
		p.Author = p.Title
	}
	p.Email = clean(p.Email)
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.Items <= 0 {
		p.Items = DefaultItems
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 5 * time.Minute
	}
	if p.TagDate == "" {
		p.TagDate = "2026"
	}
	if !validTagDate(p.TagDate) {
		return nil, fmt.Errorf("feeds: tag date %q: want YYYY, YYYY-MM or YYYY-MM-DD", o.TagDate)
	}
	if p.WebSubHub != "" {
		if p.WebSubHub = safeURL(p.WebSubHub, ""); p.WebSubHub == "" {
			return nil, fmt.Errorf("feeds: WebSub hub %q: must be an absolute http(s) URL", o.WebSubHub)
		}
	}
	for _, c := range o.Categories {
		if err := validSlug(c.Slug); err != nil {
			return nil, fmt.Errorf("feeds: category %q: %w", c.Name, err)
		}
	}
	if p.TagAuthority == "" {
		p.TagAuthority = p.host + "," + p.TagDate
	} else if !validTagAuthority(p.TagAuthority) {
		return nil, fmt.Errorf("feeds: tag authority %q: want HOST,DATE such as news.example.org,2026", o.TagAuthority)
	}
	p.tagBase = "tag:" + p.TagAuthority + ":"
	return p, nil
}

// DefaultTagAuthority is the tag: authority Build uses when o.TagAuthority
// is empty: the host of BaseURL and TagDate.
func DefaultTagAuthority(o Options) (string, error) {
	o.TagAuthority = ""
	p, err := o.withDefaults()
	if err != nil {
		return "", err
	}
	return p.TagAuthority, nil
}

// validTagAuthority checks "HOST,DATE": a lower-case DNS name (or an email
// address, which RFC 4151 allows too) and a valid tag date.
func validTagAuthority(s string) bool {
	name, date, ok := strings.Cut(s, ",")
	if !ok || name == "" || !validTagDate(date) {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '@') {
			return false
		}
	}
	return true
}

func validTagDate(s string) bool {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) == len(layout) {
			_, err := time.Parse(layout, s)
			return err == nil
		}
	}
	return false
}

var errBadSlug = errors.New("slug must be 1-64 characters of a-z, 0-9, '-' or '_'")

func validSlug(s string) error {
	if s == "" || len(s) > 64 {
		return errBadSlug
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return errBadSlug
		}
	}
	return nil
}

// ArticleURL is the link of an article: its canonical source URL when it has
// a valid http(s) one, else BaseURL + "/articles/" + slug (or ID).
func ArticleURL(o Options, a article.Article) string {
	if u := safeURL(a.SourceURL, ""); u != "" {
		return u
	}
	name := a.Slug
	if name == "" {
		name = a.ID
	}
	return strings.TrimRight(strings.TrimSpace(o.BaseURL), "/") + "/articles/" + url.PathEscape(name)
}

// safeURL returns raw as an absolute, percent-encoded http(s) URL, resolving
// site-relative paths ("/x") against base. Anything else — javascript:,
// data:, protocol-relative or unparsable URLs — yields "".
func safeURL(raw, base string) string {
	raw = strings.TrimSpace(clean(raw))
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && base != "" {
		b, err := url.Parse(base)
		if err != nil {
			return ""
		}
		u = b.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// clean removes characters that must not reach a feed: C0 controls other
// than tab, newline and carriage return, DEL, C1 controls, bidi embedding
// and override controls (U+202A–U+202E, U+2066–U+2069), the non-characters
// U+FFFE/U+FFFF and invalid UTF-8. Input is sanitised at ingestion; this is
// the encoder's own defence, and returns s unchanged (no allocation) when
// there is nothing to strip.
func clean(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' || c == '\r' {
			i++
			continue
		}
		if c < 0x80 {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if badRune(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !badRune(r, n) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func badRune(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n <= 1:
		return true
	case r < 0x20:
		return r != '\n' && r != '\t' && r != '\r'
	case r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0xfffe || r == 0xffff:
		return true
	}
	return false
}

// rtl reports whether a language tag is written right to left.
func rtl(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch base {
	case "ar", "fa", "ur", "he", "ps", "sd", "ug", "yi", "ckb", "dv":
		return true
	}
	return false
}
