package feeds

import (
	"fmt"
	"strings"
	"time"

	"github.com/nashra/nashra/templates"
)

// indexLatest is how many of the newest articles index.html lists.
const indexLatest = 20

// IndexData is what the "index" page template reads (as PageData.Data).
type IndexData struct {
	Description string
	Feeds       []IndexFeed
	Latest      []IndexItem
}

// IndexFeed is one feed's autodiscovery links.
type IndexFeed struct{ Title, RSS, Atom, JSON string }

// IndexItem is one of the newest articles.
type IndexItem struct {
	Title, URL, Lang, Dir, Category, ISO, Date string
}

// index renders index.html with the "index" page of the templates:
// autodiscovery links for every feed and the newest article titles.
func (b *builder) index(groups []*group) (*File, error) {
	o := b.o
	data := IndexData{Description: o.Description}
	mod := o.Now().In(o.Location)
	site := groups[0]
	if len(site.entries) > 0 {
		mod = site.entries[0].updated
	}
	for _, g := range groups {
		data.Feeds = append(data.Feeds, IndexFeed{Title: b.feedTitle(g), RSS: o.base + g.RSS, Atom: o.base + g.Atom, JSON: o.base + g.JSON})
		for _, e := range g.entries {
			if e.updated.After(mod) {
				mod = e.updated
			}
		}
	}
	for _, e := range site.entries[:min(len(site.entries), indexLatest)] {
		it := IndexItem{Title: e.title, URL: e.link, Lang: e.lang, Dir: "ltr",
			ISO: e.published.Format(time.RFC3339), Date: e.published.Format("2006-01-02 15:04")}
		if rtl(e.lang) {
			it.Dir = "rtl"
		}
		if len(e.cats) > 0 && strings.TrimSpace(e.a.Category) != "" {
			it.Category = e.cats[0]
		}
		data.Latest = append(data.Latest, it)
	}
	pages := o.Pages
	if pages == nil {
		set, err := templates.Embedded()
		if err != nil {
			return nil, fmt.Errorf("feeds: index.html: %w", err)
		}
		pages = set
	}
	body, err := pages.Page("index", templates.PageData{SiteTitle: o.Title, BaseURL: o.base, Data: data})
	if err != nil {
		return nil, fmt.Errorf("feeds: index.html: %w", err)
	}
	return &File{Path: "/index.html", ContentType: TypeHTML, Body: body, Modified: mod.Truncate(time.Second)}, nil
}
