package feeds

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// indexLatest is how many of the newest articles index.html lists.
const indexLatest = 20

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<meta name="description" content="{{.Description}}">
{{- range .Feeds}}
<link rel="alternate" type="application/rss+xml" title="{{.Title}} (RSS)" href="{{.RSS}}">
<link rel="alternate" type="application/atom+xml" title="{{.Title}} (Atom)" href="{{.Atom}}">
<link rel="alternate" type="application/feed+json" title="{{.Title}} (JSON Feed)" href="{{.JSON}}">
{{- end}}
<style>
body{font-family:"Noto Naskh Arabic","Noto Sans Arabic",Tahoma,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.7}
a{color:#0b5394}ul{padding-inline-start:1.2rem}time{color:#666;font-size:.9em}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p>{{.Description}}</p>
<p><a href="{{.Base}}/subscribe">اشترك في النشرة اليومية بالبريد</a> · <a href="{{.Base}}/digest/">أرشيف النشرات</a></p>
</header>
<main>
<section>
<h2>الخلاصات</h2>
<ul>
{{- range .Feeds}}
<li><bdi>{{.Title}}</bdi>: <a href="{{.RSS}}">RSS</a> · <a href="{{.Atom}}">Atom</a> · <a href="{{.JSON}}">JSON Feed</a></li>
{{- end}}
</ul>
</section>
<section>
<h2>آخر المقالات</h2>
{{- if .Latest}}
<ul>
{{- range .Latest}}
<li><a href="{{.URL}}" lang="{{.Lang}}" dir="{{.Dir}}">{{.Title}}</a>{{if .Category}} — <bdi>{{.Category}}</bdi>{{end}} <time datetime="{{.ISO}}">{{.Date}}</time></li>
{{- end}}
</ul>
{{- else}}
<p>لا توجد مقالات بعد.</p>
{{- end}}
</section>
</main>
</body>
</html>
`))

type indexFeed struct{ Title, RSS, Atom, JSON string }

type indexItem struct {
	Title, URL, Lang, Dir, Category, ISO, Date string
}

// index renders index.html: autodiscovery links for every feed and the
// newest article titles. html/template escapes every value.
func (b *builder) index(groups []*group) (*File, error) {
	o := b.o
	data := struct {
		Lang, Dir, Title, Description, Base string
		Feeds                               []indexFeed
		Latest                              []indexItem
	}{Lang: o.Language, Dir: "ltr", Title: o.Title, Description: o.Description, Base: o.base}
	if rtl(o.Language) {
		data.Dir = "rtl"
	}
	mod := o.Now().In(o.Location)
	site := groups[0]
	if len(site.entries) > 0 {
		mod = site.entries[0].updated
	}
	for _, g := range groups {
		data.Feeds = append(data.Feeds, indexFeed{Title: b.feedTitle(g), RSS: o.base + g.RSS, Atom: o.base + g.Atom, JSON: o.base + g.JSON})
		for _, e := range g.entries {
			if e.updated.After(mod) {
				mod = e.updated
			}
		}
	}
	for _, e := range site.entries[:min(len(site.entries), indexLatest)] {
		it := indexItem{Title: e.title, URL: e.link, Lang: e.lang, Dir: "ltr",
			ISO: e.published.Format(time.RFC3339), Date: e.published.Format("2006-01-02 15:04")}
		if rtl(e.lang) {
			it.Dir = "rtl"
		}
		if len(e.cats) > 0 && strings.TrimSpace(e.a.Category) != "" {
			it.Category = e.cats[0]
		}
		data.Latest = append(data.Latest, it)
	}
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("feeds: index.html: %w", err)
	}
	return &File{Path: "/index.html", ContentType: TypeHTML, Body: buf.Bytes(), Modified: mod.Truncate(time.Second)}, nil
}
