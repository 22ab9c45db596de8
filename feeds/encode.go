package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"strconv"
	"strings"
	"time"

	gfeeds "github.com/gorilla/feeds"
)

// Namespaces used by the RSS feed.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

// --- RSS 2.0: gorilla's channel and items, wrapped. ---

type rssDoc struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	NSContent string   `xml:"xmlns:content,attr"`
	NSAtom    string   `xml:"xmlns:atom,attr"`
	NSDC      string   `xml:"xmlns:dc,attr"`
	NSMedia   string   `xml:"xmlns:media,attr"`
	Channel   *rssChannel
}

type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	*gfeeds.RssFeed
	Links []atomLinkNS `xml:"atom:link"`
	// Items hides gorilla's: encoding/xml lets the outer field win.
	Items []*rssItem `xml:"item"`
}

type atomLinkNS struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	XMLName xml.Name `xml:"item"`
	*gfeeds.RssItem
	// Categories hides gorilla's single Category.
	Categories []rssCategory `xml:"category"`
	Creator    string        `xml:"dc:creator,omitempty"`
	Media      *mediaContent
	Updated    string `xml:"atom:updated,omitempty"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

type mediaContent struct {
	XMLName xml.Name `xml:"media:content"`
	URL     string   `xml:"url,attr"`
	Type    string   `xml:"type,attr,omitempty"`
	Medium  string   `xml:"medium,attr"`
}

// --- Atom 1.0 ---

type atomDoc struct {
	XMLName xml.Name `xml:"feed"`
	*gfeeds.AtomFeed
	Lang      string            `xml:"xml:lang,attr"`
	Links     []gfeeds.AtomLink `xml:"link"`
	Generator *atomGenerator    `xml:"generator"`
	Entries   []*atomEntry      `xml:"entry"`
}

type atomGenerator struct {
	Name string `xml:",chardata"`
}

type atomEntry struct {
	XMLName xml.Name `xml:"entry"`
	*gfeeds.AtomEntry
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// --- JSON Feed 1.1 ---

type jsonDoc struct {
	*gfeeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	*gfeeds.JSONItem
	Language string `json:"language,omitempty"`
}

// generic builds gorilla's format-neutral feed for a group.
func (b *builder) generic(g *group, mod time.Time) *gfeeds.Feed {
	o := b.o
	f := &gfeeds.Feed{
		Title:       b.feedTitle(g),
		Link:        &gfeeds.Link{Href: o.base + "/"},
		Description: b.feedDescription(g),
		Updated:     mod,
		Id:          b.feedID(g),
	}
	if len(g.entries) > 0 {
		f.Created = g.entries[0].published
	}
	f.Items = make([]*gfeeds.Item, len(g.entries))
	for i, e := range g.entries {
		it := &gfeeds.Item{
			Title:       e.title,
			Link:        &gfeeds.Link{Href: e.link},
			Description: html.EscapeString(e.summary),
			Id:          e.id,
			IsPermaLink: "false",
			Created:     e.published,
			Updated:     e.updated,
			Content:     e.content,
		}
		if e.author != "" {
			it.Author = &gfeeds.Author{Name: e.author}
		}
		if e.image != "" {
			it.Enclosure = &gfeeds.Enclosure{Url: e.image, Type: e.imageType}
			if e.imageLen > 0 {
				it.Enclosure.Length = strconv.FormatInt(e.imageLen, 10)
			}
		}
		f.Items[i] = it
	}
	return f
}

func (b *builder) feedTitle(g *group) string {
	if g.Slug == "" {
		return b.o.Title
	}
	return b.o.Title + " — " + g.Title
}

func (b *builder) feedDescription(g *group) string {
	if g.Slug == "" {
		return b.o.Description
	}
	return g.Title + " — " + b.o.Description
}

func (b *builder) feedID(g *group) string {
	if g.Slug == "" {
		return b.o.tagBase + "feed"
	}
	return b.o.tagBase + "categories/" + g.Slug
}

func (b *builder) links(self, typ string) []atomLinkNS {
	l := []atomLinkNS{{Href: b.o.base + self, Rel: "self", Type: typ}}
	if b.o.WebSubHub != "" {
		l = append(l, atomLinkNS{Href: b.o.WebSubHub, Rel: "hub"})
	}
	return l
}

func (b *builder) rss(g *group, gf *gfeeds.Feed) ([]byte, error) {
	o := b.o
	ch := (&gfeeds.Rss{Feed: gf}).RssFeed()
	ch.Language = o.Language
	ch.Generator = "nashra"
	ch.Docs = "https://www.rssboard.org/rss-specification"
	if o.Email != "" {
		ch.ManagingEditor = o.Email + " (" + o.Author + ")"
	}
	doc := &rssDoc{Version: "2.0", NSContent: nsContent, NSAtom: nsAtom, NSDC: nsDC, NSMedia: nsMedia,
		Channel: &rssChannel{RssFeed: ch, Links: b.links(g.RSS, "application/rss+xml"),
			Items: make([]*rssItem, len(ch.Items))}}
	for i, it := range ch.Items {
		e := g.entries[i]
		it.Author = "" // RSS <author> must be an e-mail address: dc:creator carries the name
		ri := &rssItem{RssItem: it, Creator: e.author, Updated: e.updated.Format(time.RFC3339)}
		for j, c := range e.cats {
			rc := rssCategory{Name: c}
			if j == 0 && strings.TrimSpace(e.a.Category) != "" {
				rc.Domain = o.base + "/categories/"
			}
			ri.Categories = append(ri.Categories, rc)
		}
		if e.image != "" && it.Enclosure == nil {
			// gorilla drops an enclosure without a length, and a length is
			// required: Media RSS does not need one.
			ri.Media = &mediaContent{URL: e.image, Type: e.imageType, Medium: "image"}
		}
		doc.Channel.Items[i] = ri
	}
	return encodeXML(doc, sizeHint(g))
}

func (b *builder) atom(g *group, gf *gfeeds.Feed) ([]byte, error) {
	o := b.o
	af := (&gfeeds.Atom{Feed: gf}).AtomFeed()
	af.Id = b.feedID(g)
	af.Link = nil
	af.Author = &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: o.Author, Email: o.Email, Uri: o.base + "/"}}
	doc := &atomDoc{AtomFeed: af, Lang: o.Language, Generator: &atomGenerator{Name: "nashra"},
		Links: []gfeeds.AtomLink{
			{Href: o.base + g.Atom, Rel: "self", Type: "application/atom+xml"},
			{Href: o.base + "/", Rel: "alternate", Type: "text/html"},
		},
		Entries: make([]*atomEntry, len(af.Entries))}
	if o.WebSubHub != "" {
		doc.Links = append(doc.Links, gfeeds.AtomLink{Href: o.WebSubHub, Rel: "hub"})
	}
	for i, ae := range af.Entries {
		e := g.entries[i]
		ae.Published = e.published.Format(time.RFC3339)
		ae.Updated = e.updated.Format(time.RFC3339)
		ae.Summary = nil
		if e.summary != "" {
			ae.Summary = &gfeeds.AtomSummary{Content: e.summary, Type: "text"}
		}
		ae.Links[0].Type = "text/html"
		x := &atomEntry{AtomEntry: ae}
		if e.lang != o.Language {
			x.Lang = e.lang
		}
		for j, c := range e.cats {
			ac := atomCategory{Term: c, Label: c}
			if j == 0 && strings.TrimSpace(e.a.Category) != "" {
				ac.Scheme = o.base + "/categories/"
			}
			x.Categories = append(x.Categories, ac)
		}
		doc.Entries[i] = x
	}
	return encodeXML(doc, sizeHint(g))
}

func (b *builder) json(g *group, gf *gfeeds.Feed) ([]byte, error) {
	o := b.o
	jf := (&gfeeds.JSON{Feed: gf}).JSONFeed()
	jf.Language = o.Language
	jf.FeedUrl = o.base + g.JSON
	jf.Author = nil // deprecated in 1.1
	jf.Authors = []*gfeeds.JSONAuthor{{Name: o.Author, Url: o.base + "/"}}
	if o.WebSubHub != "" {
		jf.Hubs = []*gfeeds.JSONHub{{Type: "WebSub", Url: o.WebSubHub}}
	}
	doc := &jsonDoc{JSONFeed: jf, Items: make([]*jsonItem, len(jf.Items))}
	for i, ji := range jf.Items {
		e := g.entries[i]
		ji.Summary = e.summary
		ji.Author = nil
		ji.Tags = e.cats
		ji.BannerImage = "" // mistagged upstream ("banner_")
		x := &jsonItem{JSONItem: ji}
		if e.lang != o.Language {
			x.Language = e.lang
		}
		doc.Items[i] = x
	}
	var buf bytes.Buffer
	buf.Grow(sizeHint(g))
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sizeHint estimates the encoded size of a group's feed, so the output
// buffer is allocated once instead of doubling (and zeroing) as it grows.
func sizeHint(g *group) int {
	n := 2048
	for _, e := range g.entries {
		n += 1024 + len(e.content) + len(e.summary) + len(e.title) + 2*len(e.link) + len(e.image)
		for _, c := range e.cats {
			n += 2*len(c) + 64
		}
	}
	return n + n/4 // Atom escapes the content's markup
}

func encodeXML(doc any, hint int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(hint)
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
