package source

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrFormat: the body is neither a feed nor a sitemap.
var ErrFormat = errors.New("not an RSS, Atom or JSON feed, nor a sitemap")

// Document is a fetched feed or sitemap, reduced to what nashra uses.
type Document struct {
	// Kind is rss, atom, json, urlset or sitemapindex.
	Kind  string
	Title string
	Items []Item
	// Sitemaps lists the child sitemaps of a sitemap index, newest first.
	Sitemaps []SitemapRef
	// Hub and Self are the WebSub hub and topic the feed names ("" = none).
	Hub, Self string
	// Every is how often the feed says it changes (RSS ttl,
	// sy:updatePeriod/updateFrequency); 0 when it says nothing.
	Every time.Duration
}

// SitemapRef is one child of a sitemap index.
type SitemapRef struct {
	URL     string
	LastMod time.Time
}

// Item is one entry of a feed, or one page listed by a sitemap.
type Item struct {
	// Key identifies the item in its source: guid (id), else link.
	Key   string
	Link  string
	Title string
	// Summary and Content are HTML as the feed gives them (not yet
	// sanitised); ContentText is plain text (JSON Feed content_text).
	Summary, Content, ContentText string
	Published, Updated            time.Time
	Categories                    []string
	Author                        string
	Image                         string
	Language                      string
	// Page is set for sitemap entries: the article is read from the page.
	Page bool
}

var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// Prepare turns a body into clean UTF-8: a BOM honoured, the XML
// declaration's encoding (or else the Content-Type charset) decoded, text
// that is not UTF-8 tried as Windows-1256, and C0 control characters other
// than tab and newlines removed (they make XML ill-formed).
func Prepare(body []byte, contentType string) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder(), body)
		if err != nil {
			return nil, fmt.Errorf("bad UTF-16: %w", err)
		}
		body = out
	}
	declared := ""
	head := body[:min(len(body), 256)]
	if m := xmlDecl.FindSubmatchIndex(head); m != nil {
		declared = string(head[m[2]:m[3]])
		// The text is UTF-8 from here on: say so, for the XML parser.
		body = append(append(append([]byte{}, body[:m[2]]...), "utf-8"...), body[m[3]:]...)
	} else if _, params, err := mime.ParseMediaType(contentType); err == nil {
		declared = params["charset"]
	}
	if declared != "" {
		enc, name := charset.Lookup(declared)
		if enc == nil {
			return nil, fmt.Errorf("unknown charset %q", declared)
		}
		if name != "utf-8" {
			out, _, err := transform.Bytes(enc.NewDecoder(), body)
			if err != nil {
				return nil, fmt.Errorf("cannot decode as %s: %w", name, err)
			}
			body = out
		}
	}
	if !utf8.Valid(body) {
		out, _, err := transform.Bytes(charmap.Windows1256.NewDecoder(), body)
		if err != nil {
			return nil, fmt.Errorf("not valid UTF-8 and not Windows-1256: %w", err)
		}
		body = out
	}
	return bytes.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return -1
		}
		return r
	}, body), nil
}

// Parse reads a prepared body (see Prepare) as a feed or a sitemap.
func Parse(body []byte) (*Document, error) {
	if root := xmlRoot(body); root == "urlset" || root == "sitemapindex" {
		return parseSitemap(body, root)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, ErrFormat
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	d := &Document{Kind: f.FeedType, Title: f.Title}
	jsonText := map[int]bool{} // items whose content is content_text
	switch orig := f.OriginalFeed().(type) {
	case *rss.Feed:
		if n, err := strconv.Atoi(strings.TrimSpace(orig.TTL)); err == nil && n > 0 {
			d.Every = time.Duration(n) * time.Minute
		}
		d.Hub, d.Self = linkRels(orig.Extensions)
	case *atom.Feed:
		for _, l := range orig.Links {
			switch l.Rel {
			case "hub":
				d.Hub = first(d.Hub, l.Href)
			case "self":
				d.Self = first(d.Self, l.Href)
			}
		}
	case *jsonfeed.Feed:
		d.Self = orig.FeedURL
		d.Hub = jsonHub(body)
		for i, it := range orig.Items {
			if it.ContentHTML == "" && it.ContentText != "" {
				jsonText[i] = true
			}
		}
	}
	if ev := syndication(f.Extensions); ev > d.Every {
		d.Every = ev
	}
	for i, it := range f.Items {
		if item := feedItem(it, f.Language, jsonText[i]); item.Key != "" { // no key: nothing to know it by again
			d.Items = append(d.Items, item)
		}
	}
	return d, nil
}

// feedItem is a gofeed item as an Item in a feed of language lang;
// contentText says that its content is a JSON Feed's content_text. An item
// with neither a GUID nor a link has no Key.
func feedItem(it *gofeed.Item, lang string, contentText bool) Item {
	item := Item{
		Link: strings.TrimSpace(it.Link), Title: it.Title,
		Summary: it.Description, Content: it.Content,
		Categories: it.Categories, Language: lang,
	}
	if contentText {
		item.ContentText, item.Content = it.Content, ""
	}
	item.Key = strings.TrimSpace(it.GUID)
	if item.Key == "" {
		item.Key = item.Link
	}
	if it.PublishedParsed != nil {
		item.Published = *it.PublishedParsed
	}
	if it.UpdatedParsed != nil {
		item.Updated = *it.UpdatedParsed
	}
	if len(it.Authors) > 0 && it.Authors[0] != nil {
		item.Author = it.Authors[0].Name
	} else if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		item.Author = it.DublinCoreExt.Creator[0]
	}
	if it.Image != nil {
		item.Image = it.Image.URL
	}
	for _, e := range it.Enclosures {
		if item.Image == "" && e != nil && strings.HasPrefix(e.Type, "image/") {
			item.Image = e.URL
		}
	}
	return item
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// linkRels finds atom:link rel="hub" and rel="self" in an RSS channel.
func linkRels(e ext.Extensions) (hub, self string) {
	for _, l := range e["atom"]["link"] {
		switch l.Attrs["rel"] {
		case "hub":
			hub = first(hub, l.Attrs["href"])
		case "self":
			self = first(self, l.Attrs["href"])
		}
	}
	return hub, self
}

// jsonHub reads the WebSub hub of a JSON Feed ("hubs": [{"type","url"}]).
func jsonHub(body []byte) string {
	var f struct {
		Hubs []struct{ Type, URL string } `json:"hubs"`
	}
	if json.Unmarshal(body, &f) != nil {
		return ""
	}
	for _, h := range f.Hubs {
		if strings.EqualFold(h.Type, "websub") || strings.EqualFold(h.Type, "pubsubhubbub") {
			return h.URL
		}
	}
	return ""
}

// syndication reads sy:updatePeriod and sy:updateFrequency (RSS 1.0).
func syndication(e ext.Extensions) time.Duration {
	sy := e["sy"]
	if sy == nil {
		return 0
	}
	var period time.Duration
	if v := sy["updatePeriod"]; len(v) > 0 {
		switch strings.ToLower(strings.TrimSpace(v[0].Value)) {
		case "hourly":
			period = time.Hour
		case "daily":
			period = 24 * time.Hour
		case "weekly":
			period = 7 * 24 * time.Hour
		case "monthly":
			period = 30 * 24 * time.Hour
		case "yearly":
			period = 365 * 24 * time.Hour
		}
	}
	if period == 0 {
		return 0
	}
	freq := 1
	if v := sy["updateFrequency"]; len(v) > 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(v[0].Value)); err == nil && n > 0 {
			freq = n
		}
	}
	return period / time.Duration(freq)
}

// xmlRoot returns the local name of the root element of an XML body, or "".
func xmlRoot(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	for i := 0; i < 50; i++ {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

type sitemapXML struct {
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			Title           string `xml:"title"`
			PublicationDate string `xml:"publication_date"`
			Keywords        string `xml:"keywords"`
			Publication     struct {
				Language string `xml:"language"`
			} `xml:"publication"`
		} `xml:"news"`
		Image struct {
			Loc string `xml:"loc"`
		} `xml:"image"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

// parseSitemap reads a urlset (Google News extensions included) or a
// sitemap index.
func parseSitemap(body []byte, root string) (*Document, error) {
	var sm sitemapXML
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charset.NewReaderLabel
	if err := dec.Decode(&sm); err != nil {
		return nil, fmt.Errorf("sitemap: %w", err)
	}
	d := &Document{Kind: root}
	if root == "sitemapindex" {
		for _, s := range sm.Sitemaps {
			if loc := strings.TrimSpace(s.Loc); loc != "" {
				d.Sitemaps = append(d.Sitemaps, SitemapRef{URL: loc, LastMod: sitemapTime(s.LastMod)})
			}
		}
		sort.SliceStable(d.Sitemaps, func(i, j int) bool { return d.Sitemaps[i].LastMod.After(d.Sitemaps[j].LastMod) })
		return d, nil
	}
	for _, u := range sm.URLs {
		loc := strings.TrimSpace(u.Loc)
		if loc == "" {
			continue
		}
		it := Item{Key: loc, Link: loc, Page: true, Title: u.News.Title,
			Language: strings.TrimSpace(u.News.Publication.Language), Image: strings.TrimSpace(u.Image.Loc)}
		it.Published = sitemapTime(u.News.PublicationDate)
		it.Updated = sitemapTime(u.LastMod)
		for _, k := range strings.Split(u.News.Keywords, ",") {
			if k = strings.TrimSpace(k); k != "" {
				it.Categories = append(it.Categories, k)
			}
		}
		d.Items = append(d.Items, it)
	}
	// Newest first, so that a fetch limited to some pages takes the newest.
	sort.SliceStable(d.Items, func(i, j int) bool { return itemTime(d.Items[i]).After(itemTime(d.Items[j])) })
	return d, nil
}

func itemTime(it Item) time.Time {
	if it.Published.After(it.Updated) {
		return it.Published
	}
	return it.Updated
}

// sitemapTime reads a W3C datetime (2026-12-01, 2026-12-01T09:30+03:00…).
func sitemapTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

var (
	linkTag  = regexp.MustCompile(`(?is)<link\b[^>]*>`)
	attrPair = regexp.MustCompile(`(?is)([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// Discover returns the first feed a web page announces
// (<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">),
// resolved against pageURL; "" when it announces none.
func Discover(page []byte, pageURL string) string {
	base, err := url.Parse(pageURL)
	if err != nil {
		return ""
	}
	for _, tag := range linkTag.FindAll(page[:min(len(page), 256<<10)], -1) {
		attrs := map[string]string{}
		for _, m := range attrPair.FindAllSubmatch(tag, -1) {
			attrs[strings.ToLower(string(m[1]))] = html.UnescapeString(string(m[2]) + string(m[3]) + string(m[4]))
		}
		rel := strings.Fields(strings.ToLower(attrs["rel"]))
		if !slices.Contains(rel, "alternate") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(attrs["type"])) {
		case "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json":
		default:
			continue
		}
		ref, err := base.Parse(strings.TrimSpace(attrs["href"]))
		if err != nil || (ref.Scheme != "http" && ref.Scheme != "https") {
			continue
		}
		return ref.String()
	}
	return ""
}
