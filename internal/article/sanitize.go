package article

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// isStripped reports whether r is removed from every text field: C0 and C1
// control characters (callers decide about \n and \t), DEL, the bidi
// embedding/override/isolate controls U+202A–U+202E and U+2066–U+2069, a
// stray BOM (U+FEFF) and the XML-illegal noncharacters U+FFFE and U+FFFF.
func isStripped(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0xfeff, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// SanitizeText cleans multi-line body text: invalid UTF-8 becomes U+FFFD,
// CRLF and CR become LF, C0/C1 controls other than \n and \t and the bidi
// override/embedding/isolate controls are removed, trailing spaces are cut
// from each line, and the result is in Unicode NFC.
func SanitizeText(s string) string {
	s = normalizeNewlines(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if (r == '\n' || r == '\t') || !isStripped(r) {
			b.WriteRune(r)
		}
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return norm.NFC.String(strings.TrimSpace(strings.Join(lines, "\n")))
}

// SanitizeLine cleans a one-line field (title, category, tag, author): like
// SanitizeText, but every run of white space, newlines included, becomes one
// space and the ends are trimmed.
func SanitizeLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if isStripped(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

var looksLikeMarkup = regexp.MustCompile(`<[A-Za-z/!]|&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);`)

// StripTags turns a field that may hold HTML (a title or summary from a feed
// or front matter) into one line of plain text: when it contains tags or
// character references it is parsed as HTML and only its text is kept
// (script and style contents are dropped); then SanitizeLine applies. Text
// without markup, such as "أ < ب", is kept as it is.
func StripTags(s string) string {
	if !looksLikeMarkup.MatchString(s) {
		return SanitizeLine(s)
	}
	return SanitizeLine(HTMLToText(s))
}

// plainText cleans multi-line plain text that may carry stray markup: lines
// with tags or entities keep only their text, then SanitizeText applies.
func plainText(s string) string {
	lines := strings.Split(normalizeNewlines(s), "\n")
	for i, l := range lines {
		if looksLikeMarkup.MatchString(l) {
			lines[i] = strings.ReplaceAll(HTMLToText(l), "\n\n", "\n")
		}
	}
	return SanitizeText(strings.Join(lines, "\n"))
}

// SanitizeURL returns u trimmed when it is an absolute http or https URL with
// a host, and "" otherwise (javascript:, data:, relative paths…).
func SanitizeURL(u string) string {
	u = SanitizeLine(u)
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return u
	}
	return ""
}

var (
	policyOnce sync.Once
	policy     *bluemonday.Policy
)

// htmlPolicy is the allow-list every body goes through.
func htmlPolicy() *bluemonday.Policy {
	policyOnce.Do(func() {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
			"blockquote", "figure", "figcaption", "em", "strong", "b", "i",
			"pre", "code", "hr",
			"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
		p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("th", "td")
		p.AllowAttrs("href").OnElements("a")
		p.AllowAttrs("src", "alt").OnElements("img")
		p.AllowURLSchemes("http", "https", "mailto")
		p.AllowRelativeURLs(false)
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.AddSpaceWhenStrippingTag(true)
		// Drop what these hold, not only the tags (the default list already
		// has script, style, iframe, object, noscript…).
		p.SkipElementsContent("form", "button", "select", "textarea", "svg", "math", "template", "nav")
		policy = p
	})
	return policy
}

var h1Tag = regexp.MustCompile(`(?i)<(/?)h1(\s|>|/)`)

// SanitizeHTML passes an HTML fragment through the allow-list: paragraphs,
// h2–h6 (h1 becomes h2), lists, blockquote, figure/figcaption, emphasis,
// pre/code, simple tables, br and hr; links keep only http, https or mailto
// hrefs and get rel="nofollow noopener"; images keep only http(s) src and
// alt. Scripts, styles, iframes, forms, event handlers and style attributes
// never pass. Text nodes and attribute values are then cleaned like
// SanitizeText (controls and bidi overrides removed, NFC).
func SanitizeHTML(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = h1Tag.ReplaceAllString(s, "<${1}h2$2")
	s = htmlPolicy().Sanitize(s)
	return cleanTree(s)
}

// cleanTree parses sanitised HTML and rewrites it: text and attribute values
// lose control characters, links get rel="nofollow noopener", images without
// an http(s) src are dropped, and empty links are unwrapped.
func cleanTree(s string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		return ""
	}
	var b strings.Builder
	// Parse the nodes under one parent so that cleanNode may remove any.
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	cleanNode(root)
	wrapInline(root)
	nl := false
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) == "" {
			if !nl {
				b.WriteByte('\n')
			}
			nl = true
			continue
		}
		nl = false
		if err := html.Render(&b, n); err != nil {
			return ""
		}
	}
	return norm.NFC.String(strings.TrimSpace(b.String()))
}

func cleanText(s string) string {
	s = normalizeNewlines(s)
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && isStripped(r) {
			return -1
		}
		return r
	}, s)
}

func cleanNode(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		n.Data = cleanText(n.Data)
	case html.ElementNode:
		for i := range n.Attr {
			n.Attr[i].Val = SanitizeLine(n.Attr[i].Val)
		}
		switch n.DataAtom {
		case atom.A:
			href := attr(n, "href")
			if href == "" || !safeHref(href) {
				n.Attr = nil
			} else {
				n.Attr = []html.Attribute{{Key: "href", Val: href}, {Key: "rel", Val: "nofollow noopener"}}
			}
		case atom.Img:
			src := SanitizeURL(attr(n, "src"))
			if src == "" {
				n.Parent.RemoveChild(n)
				return
			}
			attrs := []html.Attribute{{Key: "src", Val: src}}
			if alt := attr(n, "alt"); alt != "" {
				attrs = append(attrs, html.Attribute{Key: "alt", Val: alt})
			}
			n.Attr = attrs
		}
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		cleanNode(c)
		c = next
	}
	if n.Type == html.ElementNode && n.DataAtom == atom.A && len(n.Attr) == 0 {
		unwrap(n)
		return
	}
	if n.Type == html.ElementNode && removeIfEmpty[n.DataAtom] && isBlank(n) && n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// inlineElements may stand in a paragraph.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Em: true, atom.Strong: true, atom.B: true, atom.I: true,
	atom.Br: true, atom.Code: true, atom.Img: true,
}

// wrapInline puts runs of loose text and inline elements at the top level
// (what remains of a <div> or of plain text) into paragraphs.
func wrapInline(root *html.Node) {
	var run []*html.Node
	flush := func(before *html.Node) {
		text := false
		for _, n := range run {
			if n.Type != html.TextNode || strings.TrimSpace(n.Data) != "" {
				text = true
			}
		}
		if text {
			p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
			root.InsertBefore(p, before)
			for _, n := range run {
				root.RemoveChild(n)
				p.AppendChild(n)
			}
			if f := p.FirstChild; f != nil && f.Type == html.TextNode {
				f.Data = strings.TrimLeft(f.Data, " \t\n")
			}
			if l := p.LastChild; l != nil && l.Type == html.TextNode {
				l.Data = strings.TrimRight(l.Data, " \t\n")
			}
		}
		run = run[:0]
	}
	for n := root.FirstChild; n != nil; {
		next := n.NextSibling
		inline := n.Type == html.TextNode || (n.Type == html.ElementNode && inlineElements[n.DataAtom] && n.DataAtom != atom.Img)
		if inline {
			run = append(run, n)
		} else {
			flush(n)
		}
		n = next
	}
	flush(nil)
}

// removeIfEmpty are elements dropped when they hold only white space (what
// is left of a paragraph whose script or form was removed).
var removeIfEmpty = map[atom.Atom]bool{
	atom.P: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Li: true, atom.Blockquote: true, atom.Em: true,
	atom.Strong: true, atom.B: true, atom.I: true, atom.Figcaption: true,
}

// isBlank: no image or line break, and only white-space text, below n.
func isBlank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return false
			}
		case html.ElementNode:
			if c.DataAtom == atom.Img || c.DataAtom == atom.Br || c.DataAtom == atom.Hr || !isBlank(c) {
				return false
			}
		}
	}
	return true
}

// safeHref accepts absolute http(s) URLs with a host and mailto: addresses.
func safeHref(h string) bool {
	p, err := url.Parse(h)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return p.Host != ""
	case "mailto":
		return p.Opaque != ""
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// unwrap replaces n by its children.
func unwrap(n *html.Node) {
	p := n.Parent
	if p == nil {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		p.InsertBefore(c, n)
		c = next
	}
	p.RemoveChild(n)
}

// blockElements end a line of text in HTMLToText.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true,
	atom.Li: true, atom.Blockquote: true, atom.Figure: true, atom.Figcaption: true,
	atom.Table: true, atom.Tr: true, atom.Pre: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Hr: true,
	atom.Main: true, atom.Aside: true, atom.Caption: true, atom.Dd: true, atom.Dt: true,
}

// HTMLToText renders an HTML fragment as plain text: one block (paragraph,
// heading, list item…) per paragraph separated by a blank line, list items
// on their own lines prefixed with "• ", white space inside a block
// collapsed, script/style/template contents dropped, entities decoded. The
// result is cleaned like SanitizeText.
func HTMLToText(s string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(strings.ToValidUTF8(s, "\uFFFD")), body)
	if err != nil {
		return SanitizeText(s)
	}
	t := &textWriter{}
	for _, n := range nodes {
		t.walk(n)
	}
	t.flush()
	return SanitizeText(strings.Join(t.blocks, "\n\n"))
}

type textWriter struct {
	blocks []string
	cur    strings.Builder
	// proseOnly drops headings, tables and captions: what a summary may
	// quote is the article's running text.
	proseOnly bool
}

// ProseText is the running text of sanitised HTML — paragraphs, quotes and
// list items, without headings, tables or captions — in blocks separated by
// blank lines. Extractive summaries are drawn from it, so that a heading
// such as "ماذا تغير للمسافرين؟" never becomes a summary sentence.
func ProseText(s string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(strings.ToValidUTF8(s, "\uFFFD")), body)
	if err != nil {
		return SanitizeText(s)
	}
	t := &textWriter{proseOnly: true}
	for _, n := range nodes {
		t.walk(n)
	}
	t.flush()
	return SanitizeText(strings.Join(t.blocks, "\n\n"))
}

func (t *textWriter) flush() {
	line := strings.Join(strings.Fields(t.cur.String()), " ")
	t.cur.Reset()
	if line == "" || line == "•" {
		return
	}
	if strings.HasPrefix(line, "• ") && len(t.blocks) > 0 && strings.HasPrefix(lastLine(t.blocks[len(t.blocks)-1]), "• ") {
		t.blocks[len(t.blocks)-1] += "\n" + line
		return
	}
	t.blocks = append(t.blocks, line)
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (t *textWriter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		t.cur.WriteString(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head:
		return
	case atom.Br:
		t.flush()
		return
	case atom.Td, atom.Th:
		t.cur.WriteByte(' ')
	case atom.Img:
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Figcaption, atom.Caption:
		if t.proseOnly {
			t.flush()
			return
		}
	}
	block := blockElements[n.DataAtom]
	if block {
		t.flush()
	}
	if n.DataAtom == atom.Li {
		t.cur.WriteString("• ")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t.walk(c)
	}
	if block {
		t.flush()
	}
}

// wordCount counts white-space separated words.
func wordCount(s string) int { return len(strings.Fields(s)) }
