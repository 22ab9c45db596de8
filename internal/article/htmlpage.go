package article

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pageMeta is what the head of a saved page says about its article.
type pageMeta struct {
	lang, title, canonical string
	og                     map[string]string // og:*, article:* and name=* (first value of each)
	tags, authors          []string
}

func readMeta(doc *html.Node) pageMeta {
	m := pageMeta{og: map[string]string{}}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				m.lang = attr(n, "lang")
				if m.lang == "" {
					m.lang = attr(n, "xml:lang")
				}
			case atom.Title:
				if m.title == "" && n.FirstChild != nil {
					m.title = n.FirstChild.Data
				}
			case atom.Link:
				for _, rel := range strings.Fields(strings.ToLower(attr(n, "rel"))) {
					if rel == "canonical" && m.canonical == "" {
						m.canonical = strings.TrimSpace(attr(n, "href"))
					}
				}
			case atom.Meta:
				key := strings.ToLower(strings.TrimSpace(attr(n, "property")))
				if key == "" {
					key = strings.ToLower(strings.TrimSpace(attr(n, "name")))
				}
				val := attr(n, "content")
				if key == "" || strings.TrimSpace(val) == "" {
					break
				}
				switch key {
				case "article:tag":
					m.tags = append(m.tags, val)
				case "article:author", "author":
					m.authors = append(m.authors, val)
				}
				if _, ok := m.og[key]; !ok {
					m.og[key] = val
				}
			case atom.Body:
				// Metadata lives in the head; some pages put meta tags in the
				// body too, so keep walking.
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return m
}

// first returns the first non-blank value.
func first(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// parseHTML reads a saved article page: the main content by readability,
// metadata from og:*, article:*, <title>, <html lang> and the canonical link.
// og:description (or the description meta) is the explicit summary.
func parseHTML(name string, data []byte, o Options) (Article, error) {
	s, err := decodeText(data, metaCharset(data))
	if err != nil {
		return Article{}, &FileError{Path: name, Err: err}
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return Article{}, &FileError{Path: name, Err: fmt.Errorf("bad HTML: %w", err)}
	}
	m := readMeta(doc)
	a := Article{
		Title:    first(m.og["og:title"], m.og["twitter:title"], m.title),
		Category: m.og["article:section"],
		Tags:     m.tags,
		Summary:  first(m.og["og:description"], m.og["description"], m.og["twitter:description"]),
		Image:    first(m.og["og:image"], m.og["og:image:url"], m.og["twitter:image"]),
		Language: first(m.lang, m.og["og:locale"], m.og["language"]),
	}
	if len(m.authors) > 0 {
		a.Author = m.authors[0]
	}
	if len(a.Tags) == 0 && m.og["keywords"] != "" {
		a.Tags = strings.Split(m.og["keywords"], ",")
	}
	a.SummaryExplicit = SanitizeLine(a.Summary) != ""

	var base *url.URL
	for _, u := range []string{m.canonical, m.og["og:url"]} {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			base = p
			a.SourceURL = p.String()
			break
		}
	}
	if base != nil && a.Image != "" {
		if p, err := base.Parse(strings.TrimSpace(a.Image)); err == nil {
			a.Image = p.String()
		}
	}
	if err := metaDates(name, &a, m, o.Location); err != nil {
		return Article{}, err
	}
	if err := readBody(name, &a, doc, base); err != nil {
		return Article{}, err
	}
	return a, nil
}

// metaDates sets a's published and updated times from the meta tags of
// the page in file name, read in loc when they carry no zone.
func metaDates(name string, a *Article, m pageMeta, loc *time.Location) error {
	for _, d := range []struct {
		key, field string
		dst        *time.Time
	}{
		{first(m.og["article:published_time"], m.og["og:published_time"], m.og["date"], m.og["pubdate"]), "article:published_time", &a.Published},
		{first(m.og["article:modified_time"], m.og["og:updated_time"], m.og["last-modified"]), "article:modified_time", &a.Updated},
	} {
		if d.key == "" {
			continue
		}
		t, err := ParseDate(d.key, loc)
		if err != nil {
			return &FileError{Path: name, Field: d.field, Err: err}
		}
		*d.dst = t
	}
	return nil
}

// readBody sets a's body from the main content (readability) of the page
// in file name, and its title and author from there when the meta tags
// gave none. A page without a title or without content is an error.
func readBody(name string, a *Article, doc *html.Node, base *url.URL) error {
	ra, err := readability.FromDocument(doc, base)
	if err != nil {
		return &FileError{Path: name, Err: fmt.Errorf("readability: %w", err)}
	}
	if SanitizeLine(a.Title) == "" {
		a.Title = ra.Title()
	}
	if a.Author == "" {
		a.Author = ra.Byline()
	}
	if SanitizeLine(a.Title) == "" {
		return &FileError{Path: name, Field: "title", Err: ErrNoTitle}
	}
	if ra.Node != nil {
		var buf bytes.Buffer
		if err := ra.RenderHTML(&buf); err != nil {
			return &FileError{Path: name, Err: fmt.Errorf("readability: %w", err)}
		}
		a.BodyHTML = dropLeadingTitle(SanitizeHTML(buf.String()), a.Title)
		a.BodyText = HTMLToText(a.BodyHTML)
	}
	if a.BodyText == "" {
		return &FileError{Path: name, Err: ErrNoContent}
	}
	return nil
}

var leadingHeading = regexp.MustCompile(`^\s*<h[1-6]>([^<]*)</h[1-6]>\s*`)

// dropLeadingTitle removes a first heading that repeats the title (pages
// usually start their article with it; feeds show the title already).
func dropLeadingTitle(body, title string) string {
	m := leadingHeading.FindStringSubmatchIndex(body)
	if m == nil {
		return body
	}
	if SanitizeLine(html.UnescapeString(body[m[2]:m[3]])) != SanitizeLine(StripTags(title)) {
		return body
	}
	return body[m[1]:]
}
