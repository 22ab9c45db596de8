package feeds

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gfeeds "github.com/gorilla/feeds"
	"github.com/nashra/nashra/internal/article"
)

// Content types of the files in a Set.
const (
	TypeRSS  = "application/rss+xml; charset=utf-8"
	TypeAtom = "application/atom+xml; charset=utf-8"
	TypeJSON = "application/feed+json; charset=utf-8"
	TypeHTML = "text/html; charset=utf-8"
)

// File is one encoded document, ready to serve or write.
type File struct {
	Path        string // URL path, e.g. "/categories/sport/atom.xml"
	ContentType string
	Body        []byte
	Gzip        []byte // gzip of Body; nil when it would not be smaller
	ETag        string // strong ETag of Body, quoted
	Modified    time.Time

	// Header values prepared once so that serving allocates nothing.
	hType, hETag, hGzETag, hLen, hGzLen, hMod []string
	modSec                                    int64
	// The same headers as wire bytes, for AppendResponse: 200 and 304,
	// plain and gzip (see prepareHeads).
	head200, head304, headGz200, headGz304 []byte
}

// Feed describes one feed group (site-wide or one category) in a Set.
type Feed struct {
	Category string // category name; "" for the site-wide feeds
	Slug     string // category slug; "" for the site-wide feeds
	Title    string
	RSS      string // URL paths
	Atom     string
	JSON     string
}

// Set is every file of one build, by URL path. It is immutable once built
// and safe for concurrent use.
type Set struct {
	files     []*File
	byPath    map[string]*File
	feeds     []Feed
	base      string
	hCache    []string // Cache-Control value
	cacheLine []byte   // the same as a header line, for AppendResponse
}

// Files returns the files in path order (index.html first).
func (s *Set) Files() []*File { return s.files }

// Feeds returns the feed groups: the site-wide one first, then categories.
func (s *Set) Feeds() []Feed { return s.feeds }

// Get returns the file served at path; "/" is index.html.
func (s *Set) Get(path string) (*File, bool) {
	if path == "/" {
		path = "/index.html"
	}
	f, ok := s.byPath[path]
	return f, ok
}

// FeedURLs returns the absolute URLs of every feed (not index.html): the
// WebSub topics of the site.
func (s *Set) FeedURLs() []string {
	var out []string
	for _, f := range s.files {
		if f.ContentType != TypeHTML {
			out = append(out, s.base+f.Path)
		}
	}
	return out
}

// Changed returns the absolute URLs of the feeds in next whose bytes differ
// from (or are absent in) prev: the topics to ping after a rebuild. A nil
// prev yields every feed.
func Changed(prev, next *Set) []string {
	var out []string
	for _, f := range next.files {
		if f.ContentType == TypeHTML {
			continue
		}
		if prev != nil {
			if old, ok := prev.byPath[f.Path]; ok && old.ETag == f.ETag {
				continue
			}
		}
		out = append(out, next.base+f.Path)
	}
	return out
}

// entry is one article prepared for encoding; it is shared by every feed
// (and format) the article appears in.
type entry struct {
	a         *article.Article
	id, link  string
	title     string
	summary   string
	content   string // HTML, wrapped in a dir/lang div
	author    string
	lang      string
	cats      []string // category first, then tags; deduplicated
	published time.Time
	updated   time.Time
	image     string
	imageType string
	imageLen  int64 // -1 when unknown
}

// group is one feed group being built.
type group struct {
	Feed
	entries  []*entry
	modified time.Time // newest update among entries; the build clock when empty
}

// Build encodes every feed and index.html for the published articles of
// in — not drafts, and not those dated after Options.Now (an embargo) —
// newest first. No date in the feeds is later than Now.
func Build(o Options, in Input) (*Set, error) {
	p, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	groups := p.groups(published(in.Articles, p.Now()))
	b := &builder{o: p, related: in.Related}
	if err := b.prepare(groups); err != nil {
		return nil, err
	}
	files, err := b.encode(groups)
	if err != nil {
		return nil, err
	}
	return newSet(p, groups, files), nil
}

// published returns the articles of arts that are out by now, newest
// first: drafts are never published, and articles dated in the future
// wait for their time (an embargo).
func published(arts []article.Article, now time.Time) []*article.Article {
	out := make([]*article.Article, 0, len(arts))
	for i := range arts {
		if a := &arts[i]; !a.Draft && !a.Published.After(now) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b *article.Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// encode encodes (and gzips and hashes) every feed file of groups and the
// index, in parallel; the index is the last file.
func (b *builder) encode(groups []*group) ([]*File, error) {
	type task struct {
		g     *group
		gf    *gfeeds.Feed
		path  string
		ctype string
		fn    func(*group, *gfeeds.Feed) ([]byte, error)
	}
	var tasks []task
	for _, g := range groups {
		gf := b.generic(g, g.modified)
		tasks = append(tasks,
			task{g, gf, g.RSS, TypeRSS, b.rss},
			task{g, gf, g.Atom, TypeAtom, b.atom},
			task{g, gf, g.JSON, TypeJSON, b.json})
	}
	files := make([]*File, len(tasks)+1)
	err := parallel(len(tasks)+1, func(i int) error {
		if i == len(tasks) {
			idx, err := b.index(groups)
			if err != nil {
				return err
			}
			files[i] = idx
			return idx.finish()
		}
		t := tasks[i]
		body, err := t.fn(t.g, t.gf)
		if err != nil {
			return fmt.Errorf("feeds: encode %s: %w", t.path, err)
		}
		files[i] = &File{Path: t.path, ContentType: t.ctype, Body: body, Modified: t.g.modified}
		return files[i].finish()
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// newSet is the Set of a build's groups and files: the files by path, and
// in order with /index.html first.
func newSet(p *opts, groups []*group, files []*File) *Set {
	s := &Set{byPath: make(map[string]*File, len(files)), base: p.base,
		hCache: []string{"public, max-age=" + strconv.Itoa(int(p.MaxAge/time.Second))}}
	s.cacheLine = []byte("Cache-Control: " + s.hCache[0] + "\r\n")
	for _, g := range groups {
		s.feeds = append(s.feeds, g.Feed)
	}
	for _, f := range files {
		s.byPath[f.Path] = f
	}
	slices.SortFunc(files, func(a, b *File) int {
		if (a.Path == "/index.html") != (b.Path == "/index.html") {
			if a.Path == "/index.html" {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	s.files = files
	return s
}

// groups splits the sorted articles into the site-wide group and one group
// per category, each holding the newest Items articles. Category slugs come
// from Slug; when two different unconfigured names share a default slug, the
// category whose first article is oldest keeps it and the others get a hash
// suffix, so existing feed URLs do not move when a new category appears.
func (p *opts) groups(arts []*article.Article) []*group {
	site := &group{Feed: Feed{Title: p.Title, RSS: "/feed.xml", Atom: "/atom.xml", JSON: "/feed.json"}}
	byName := map[string]*category{}
	var order []*category
	for _, a := range arts {
		if len(site.entries) < p.Items {
			site.entries = append(site.entries, &entry{a: a})
		}
		name := strings.TrimSpace(clean(a.Category))
		if name == "" {
			continue
		}
		c := byName[name]
		if c == nil {
			c = &category{name: name, slug: Slug(name, p.Categories)}
			for _, cc := range p.Categories {
				c.configured = c.configured || strings.EqualFold(strings.TrimSpace(cc.Name), name)
			}
			byName[name] = c
			order = append(order, c)
		}
		c.arts = append(c.arts, a) // newest first, so the last one is the oldest
		c.oldest = a.Published
	}
	p.settleSlugs(order)
	out := []*group{site}
	for _, c := range order {
		title := c.name
		for _, cc := range p.Categories {
			if strings.EqualFold(strings.TrimSpace(cc.Name), c.name) && strings.TrimSpace(cc.Title) != "" {
				title = clean(strings.TrimSpace(cc.Title))
			}
		}
		dir := "/categories/" + c.slug
		g := &group{Feed: Feed{Category: c.name, Slug: c.slug, Title: title,
			RSS: dir + "/feed.xml", Atom: dir + "/atom.xml", JSON: dir + "/feed.json"}}
		for _, a := range c.arts[:min(len(c.arts), p.Items)] {
			g.entries = append(g.entries, &entry{a: a})
		}
		out = append(out, g)
	}
	return out
}

// category is one category of a build: its name and slug, whether the
// config names it, and its articles, newest first.
type category struct {
	name, slug string
	configured bool
	oldest     time.Time
	arts       []*article.Article
}

// settleSlugs resolves slug collisions deterministically (configured
// categories first, then the one whose first article is oldest keeps the
// slug; the others get a hash suffix) and sorts order into feed order:
// configured categories in configuration order, then by slug.
func (p *opts) settleSlugs(order []*category) {
	slices.SortFunc(order, func(a, b *category) int {
		if a.configured != b.configured {
			if a.configured {
				return -1
			}
			return 1
		}
		if c := a.oldest.Compare(b.oldest); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	taken := map[string]bool{}
	for _, c := range order {
		if taken[c.slug] {
			sum := sha256.Sum256([]byte(c.name))
			c.slug += "-" + hex.EncodeToString(sum[:2])
		}
		taken[c.slug] = true
	}
	rank := func(c *category) int {
		for i, cc := range p.Categories {
			if strings.EqualFold(strings.TrimSpace(cc.Name), c.name) {
				return i
			}
		}
		return len(p.Categories)
	}
	slices.SortFunc(order, func(a, b *category) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return strings.Compare(a.slug, b.slug)
	})
}

type builder struct {
	o       *opts
	related map[string][]RelatedLink
}

// entry prepares an article for encoding. It is safe for concurrent use.
func (b *builder) entry(a *article.Article) *entry {
	o := b.o
	e := &entry{a: a, title: plain(a.Title), author: plain(a.Author)}
	e.link = ArticleURL(o.Options, *a)
	if e.title == "" {
		e.title = e.link
	}
	e.id = o.tagBase + "articles/" + a.ID
	if a.ID == "" {
		e.id = e.link
	}
	if e.lang = clean(a.Language); e.lang == "" {
		e.lang = o.Language
	}
	e.summary = plain(a.Summary)
	if e.summary == "" {
		e.summary = plain(a.Subtitle)
	}
	if e.summary == "" {
		e.summary = lead(plain(a.BodyText), 300)
	}
	e.published = a.Published.In(o.Location).Truncate(time.Second)
	e.updated = a.Updated.In(o.Location).Truncate(time.Second)
	if a.Edited.After(a.Updated) {
		// Corrected after its first import: readers see it as updated,
		// and the feeds' Last-Modified moves with it.
		e.updated = a.Edited.In(o.Location).Truncate(time.Second)
	}
	if a.Published.IsZero() {
		e.published = e.updated
	}
	if e.updated.Before(e.published) {
		e.updated = e.published
	}
	now := o.Now().In(o.Location).Truncate(time.Second)
	if e.published.IsZero() {
		e.published = now
		e.updated = e.published
	}
	if e.updated.After(now) {
		e.updated = now // an update time in the future is a mistake in the file
	}
	seen := map[string]bool{}
	for _, c := range append([]string{a.Category}, a.Tags...) {
		if c = plain(c); c != "" && !seen[c] {
			seen[c] = true
			e.cats = append(e.cats, c)
		}
	}
	if e.image = safeURL(a.Image, o.base); e.image != "" {
		e.imageType = imageType(e.image)
		e.imageLen = -1
		if o.ImageLength != nil {
			if n, ok := o.ImageLength(e.image); ok && n > 0 {
				e.imageLen = n
			}
		}
	}
	e.content = b.content(a, e)
	return e
}

// content is the item's HTML: the article body (or summary), then its
// related links, inside <div dir=… lang=…>.
func (b *builder) content(a *article.Article, e *entry) string {
	var sb strings.Builder
	dir := "ltr"
	if rtl(e.lang) {
		dir = "rtl"
	}
	sb.WriteString(`<div dir="` + dir + `" lang="` + html.EscapeString(e.lang) + `">`)
	switch body := strings.TrimSpace(clean(a.BodyHTML)); {
	case b.o.FullContent && body != "":
		sb.WriteString(sanitizeHTML(body))
	case b.o.FullContent && strings.TrimSpace(a.BodyText) != "":
		textParagraphs(&sb, clean(a.BodyText))
	default:
		textParagraphs(&sb, e.summary)
	}
	var items []string
	for _, r := range b.related[a.ID] {
		u := safeURL(r.URL, b.o.base)
		t := strings.TrimSpace(clean(r.Title))
		if u == "" || t == "" {
			continue
		}
		items = append(items, `<li><a href="`+html.EscapeString(u)+`">`+html.EscapeString(t)+`</a></li>`)
	}
	if len(items) > 0 {
		sb.WriteString("<h3>مقالات ذات صلة</h3><ul>")
		for _, it := range items {
			sb.WriteString(it)
		}
		sb.WriteString("</ul>")
	}
	sb.WriteString("</div>")
	return sb.String()
}

// plain cleans a plain-text field: controls removed, tag-like sequences
// ("<script…>", "</b>", "<!--…>") dropped so that no reader that renders
// text as HTML meets markup, surrounding space trimmed. A "<" that does not
// start a tag (e.g. "<مؤقتاً>") is kept.
func plain(s string) string {
	s = strings.TrimSpace(clean(s))
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 || i+1 >= len(s) {
			b.WriteString(s)
			break
		}
		c := s[i+1]
		tag := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
		end := strings.IndexByte(s[i:], '>')
		if !tag || end < 0 {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		s = s[i+end+1:]
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// lead returns the first non-empty line of text, cut to at most n runes at
// a word boundary (with an ellipsis when cut).
func lead(text string, n int) string {
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r := []rune(line)
		if len(r) <= n {
			return line
		}
		cut := string(r[:n])
		if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i]
		}
		return cut + "…"
	}
	return ""
}

// textParagraphs writes plain text as escaped <p> paragraphs, one per line.
func textParagraphs(sb *strings.Builder, text string) {
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			sb.WriteString("<p>" + html.EscapeString(line) + "</p>")
		}
	}
}

// imageType guesses an image MIME type from the URL's extension.
func imageType(u string) string {
	path, _, _ := strings.Cut(u, "?")
	path, _, _ = strings.Cut(path, "#")
	ext := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:])
	switch ext {
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "avif":
		return "image/avif"
	case "svg":
		return "image/svg+xml"
	}
	return "image/jpeg"
}

// prepare fills every group's entries, preparing each article once (in
// parallel: sanitising bodies is the costly part), and the groups'
// modification times.
func (b *builder) prepare(groups []*group) error {
	index := map[*article.Article]int{}
	var uniq []*article.Article
	for _, g := range groups {
		for _, e := range g.entries {
			if _, ok := index[e.a]; !ok {
				index[e.a] = len(uniq)
				uniq = append(uniq, e.a)
			}
		}
	}
	prepared := make([]*entry, len(uniq))
	if err := parallel(len(uniq), func(i int) error {
		prepared[i] = b.entry(uniq[i])
		return nil
	}); err != nil {
		return err
	}
	now := b.o.Now().In(b.o.Location).Truncate(time.Second)
	for _, g := range groups {
		g.modified = now
		for i, e := range g.entries {
			g.entries[i] = prepared[index[e.a]]
			if u := g.entries[i].updated; i == 0 || u.After(g.modified) {
				g.modified = u
			}
		}
	}
	return nil
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines and returns the first
// error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || errs[w] != nil {
					return
				}
				errs[w] = fn(i)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// carryModified keeps Last-Modified monotonic across rebuilds: each file of
// s that prev also has keeps prev's time when its bytes are the same, and
// is moved past it (to now, at least a second later) when they changed but
// its own time is not newer. s must not be served yet.
func (s *Set) carryModified(prev *Set, now time.Time) {
	for _, f := range s.files {
		old, ok := prev.byPath[f.Path]
		switch {
		case !ok:
		case old.ETag == f.ETag:
			f.setModified(old.Modified)
		case !f.Modified.After(old.Modified):
			t := old.Modified.Add(time.Second)
			if now.After(t) {
				t = now
			}
			f.setModified(t)
		}
	}
}

// setModified sets Modified and its prepared header values.
func (f *File) setModified(t time.Time) {
	f.Modified = t.Truncate(time.Second)
	f.modSec = f.Modified.Unix()
	f.hMod = []string{f.Modified.UTC().Format(http.TimeFormat)}
	if f.hETag != nil {
		f.prepareHeads()
	}
}

// finish computes the ETag, the gzip copy and the prepared header values.
func (f *File) finish() error {
	sum := sha256.Sum256(f.Body)
	tag := hex.EncodeToString(sum[:16])
	f.ETag = `"` + tag + `"`
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return fmt.Errorf("feeds: gzip %s: %w", f.Path, err)
	}
	if _, err := zw.Write(f.Body); err != nil {
		return fmt.Errorf("feeds: gzip %s: %w", f.Path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("feeds: gzip %s: %w", f.Path, err)
	}
	if buf.Len() < len(f.Body) {
		f.Gzip = buf.Bytes()
		f.hGzETag = []string{`"` + tag + `-gz"`}
		f.hGzLen = []string{strconv.Itoa(len(f.Gzip))}
	}
	f.setModified(f.Modified)
	f.hType = []string{f.ContentType}
	f.hETag = []string{f.ETag}
	f.hLen = []string{strconv.Itoa(len(f.Body))}
	f.prepareHeads()
	return nil
}
