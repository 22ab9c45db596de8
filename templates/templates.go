// Package templates holds nashra's embedded email and web templates and
// renders them: the digest email (an HTML part that reads right-to-left in
// real mail clients and a plain-text part), the web copy of an edition at
// /digest/{date}, and generic Arabic pages built on one base layout.
//
// Every template is parsed (and its HTML escaping checked) by New, so a
// missing or broken template fails at start-up, naming the file. Files in
// an override folder replace the embedded ones of the same name; extra
// *.html.tmpl files there become pages.
//
// Files:
//
//	email.html.tmpl    the HTML part of the digest email (standalone, inline CSS)
//	email.txt.tmpl     the plain-text part (wrapped and RLM-marked after rendering)
//	page.html.tmpl     the base layout of web pages: defines "page" with the
//	                   blocks "title", "head", "content" and "footer"
//	edition.html.tmpl  the web copy of an edition (a page)
//	*.html.tmpl        any other page, rendered with Set.Page
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/nashra/nashra/internal/digest"
)

//go:embed *.tmpl
var embedded embed.FS

// File names with a fixed role.
const (
	EmailHTMLFile = "email.html.tmpl"
	EmailTextFile = "email.txt.tmpl"
	LayoutFile    = "page.html.tmpl"
	EditionFile   = "edition.html.tmpl"
)

// Set is the parsed templates. It is safe for concurrent use.
type Set struct {
	email *htmltemplate.Template
	text  *texttemplate.Template
	pages map[string]*htmltemplate.Template // by page name: "edition", "subscribe", …
	// embeddedEmail: the email templates are the embedded ones (not
	// overridden), whose use of the reader's fields EditionEmail knows.
	embeddedEmail bool
}

// PageData is what the base layout reads. Page data should be a PageData
// or a struct that embeds one (its fields are then promoted), with the
// page's own fields beside it.
type PageData struct {
	// Title is the page's <title> and heading.
	Title string
	// SiteTitle and BaseURL are site.title and site.base_url.
	SiteTitle, BaseURL string
	// Data is free for the page's own use.
	Data any
}

// EmailData is what the email templates and the edition page read.
type EmailData struct {
	Edition   *digest.Edition
	SiteTitle string
	// BaseURL is site.base_url, without a trailing slash.
	BaseURL string
	// WebURL is the "view in browser" link; "" = BaseURL + EditionPath.
	WebURL         string
	PreferencesURL string
	UnsubscribeURL string
	// Reason says why the reader gets this email; "" = a default sentence
	// naming the site.
	Reason string
	// Recipient is the subscriber's name, "" when unknown.
	Recipient string
}

func (d EmailData) withDefaults() (EmailData, error) {
	if d.Edition == nil {
		return d, errors.New("templates: email data has no edition")
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	if d.SiteTitle == "" {
		d.SiteTitle = d.Edition.Title
	}
	if d.WebURL == "" && d.BaseURL != "" {
		d.WebURL = d.BaseURL + EditionPath(d.Edition.Newsletter, d.Edition.Date)
	}
	if d.Reason == "" {
		d.Reason = "تصلك هذه الرسالة لأنك اشتركت في «" + d.SiteTitle + "»."
	}
	return d, nil
}

// EditionPath is the path of an edition's web copy: /digest/{date} for
// the default newsletter, /digest/{newsletter}/{date} for the others.
func EditionPath(newsletter, day string) string {
	if newsletter != "" {
		return "/digest/" + newsletter + "/" + day
	}
	return "/digest/" + day
}

// Subject is the edition's subject line (digest.Subject).
func (d EmailData) Subject() string { return digest.Subject(d.Edition, d.SiteTitle) }

// Title is the page title of the edition's web copy.
func (d EmailData) Title() string { return d.Subject() }

// New parses the embedded templates, replaced by name by the *.tmpl files
// of overrideDir when it is not "". Any parse or escaping error, an
// unreadable override folder or an empty template file is reported here,
// naming the file.
func New(overrideDir string) (*Set, error) {
	src, err := sources(overrideDir)
	if err != nil {
		return nil, err
	}
	for _, req := range []string{EmailHTMLFile, EmailTextFile, LayoutFile, EditionFile} {
		if _, ok := src[req]; !ok {
			return nil, fmt.Errorf("templates: %s: missing", req)
		}
	}
	s := &Set{}
	s.embeddedEmail = true
	for _, name := range []string{EmailHTMLFile, EmailTextFile} {
		b, err := embedded.ReadFile(name)
		if err != nil || string(b) != src[name] {
			s.embeddedEmail = false
		}
	}

	s.email, err = htmltemplate.New(EmailHTMLFile).Funcs(htmlFuncs).Parse(src[EmailHTMLFile])
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	s.text = texttemplate.New(EmailTextFile).Funcs(textFuncs)
	if _, err = s.text.Parse(src[EmailTextFile]); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	s.pages, err = parsePages(src, htmlFuncs, "", LayoutFile, "page", func(name string) bool {
		return strings.HasSuffix(name, ".html.tmpl") && name != EmailHTMLFile
	})
	if err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// parsePages parses layoutFile of src, which must define the template
// frame, and each other file of src that page accepts into its own copy
// of that layout, keyed by its name without .html.tmpl. dir ("admin/" or
// "") is the folder named in errors.
func parsePages(src map[string]string, funcs htmltemplate.FuncMap, dir, layoutFile, frame string, page func(name string) bool) (map[string]*htmltemplate.Template, error) {
	layout, err := htmltemplate.New(layoutFile).Funcs(funcs).Parse(src[layoutFile])
	if err != nil {
		return nil, fmt.Errorf("templates: %s%w", dir, err)
	}
	if layout.Lookup(frame) == nil {
		return nil, fmt.Errorf("templates: %s%s: does not define %q", dir, layoutFile, frame)
	}
	pages := map[string]*htmltemplate.Template{}
	for name, text := range src {
		if name == layoutFile || !page(name) {
			continue
		}
		t, err := layout.Clone()
		if err != nil {
			return nil, fmt.Errorf("templates: %s%s: %w", dir, name, err)
		}
		if _, err := t.New(name).Parse(text); err != nil {
			return nil, fmt.Errorf("templates: %s%w", dir, err)
		}
		pages[strings.TrimSuffix(name, ".html.tmpl")] = t
	}
	return pages, nil
}

// embeddedSet is New("") parsed once, for Embedded.
var embeddedSet = sync.OnceValues(func() (*Set, error) { return New("") })

// Embedded returns the embedded templates alone (no override folder),
// parsed once.
func Embedded() (*Set, error) { return embeddedSet() }

// readTemplates adds the files of fsys matching pattern to src by name;
// an empty file is an error naming it (where is the folder, for messages).
func readTemplates(src map[string]string, fsys fs.FS, where, pattern string) error {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return fmt.Errorf("templates: %s: %w", where, err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return fmt.Errorf("templates: %s: empty template", filepath.Join(where, n))
		}
		src[n] = string(b)
	}
	return nil
}

// sources reads the embedded templates, then the override folder's.
func sources(overrideDir string) (map[string]string, error) {
	src := map[string]string{}
	read := func(fsys fs.FS, where string) error { return readTemplates(src, fsys, where, "*.tmpl") }
	if err := read(embedded, "embedded"); err != nil {
		return nil, err
	}
	if overrideDir != "" {
		st, err := os.Stat(overrideDir)
		if err != nil {
			return nil, fmt.Errorf("templates: override folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("templates: override folder %s: not a directory", overrideDir)
		}
		if err := read(os.DirFS(overrideDir), overrideDir); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// check renders the email and the edition page with a sample edition and
// runs html/template's escaper over every page, so that errors that
// html/template reports only at first execution surface at start-up.
func (s *Set) check() error {
	if _, _, err := s.Email(sampleData()); err != nil {
		return err
	}
	if _, err := s.EditionPage(sampleData()); err != nil {
		return err
	}
	for _, name := range s.Pages() {
		// Page data is the page's own: execution errors from the empty
		// sample are expected, escaping errors are not.
		err := s.pages[name].ExecuteTemplate(io.Discard, "page", PageData{})
		var esc *htmltemplate.Error
		if errors.As(err, &esc) {
			return fmt.Errorf("templates: %s.html.tmpl: %w", name, err)
		}
	}
	return nil
}

// Email renders the digest email's HTML and plain-text parts.
func (s *Set) Email(d EmailData) (html, text string, err error) {
	d, err = d.withDefaults()
	if err != nil {
		return "", "", err
	}
	return renderParts(s.email, s.text, d)
}

// renderParts executes an email's HTML and plain-text templates with d,
// the text wrapped and RLM-marked (see FormatText).
func renderParts(html *htmltemplate.Template, text *texttemplate.Template, d any) (string, string, error) {
	var hb, tb bytes.Buffer
	if err := html.Execute(&hb, d); err != nil {
		return "", "", fmt.Errorf("templates: %w", err)
	}
	if err := text.Execute(&tb, d); err != nil {
		return "", "", fmt.Errorf("templates: %w", err)
	}
	return hb.String(), FormatText(tb.String(), TextWidth), nil
}

// EditionPage renders the web copy of an edition (/digest/{date}).
func (s *Set) EditionPage(d EmailData) ([]byte, error) {
	d, err := d.withDefaults()
	if err != nil {
		return nil, err
	}
	return s.Page("edition", d)
}

// Page renders the named page ("subscribe" or "subscribe.html.tmpl")
// inside the base layout. data should be a PageData or embed one.
func (s *Set) Page(name string, data any) ([]byte, error) {
	return renderPage(s.pages, "", strings.TrimSuffix(name, ".html.tmpl"), "page", data)
}

// renderPage executes page name of pages (parsed by parsePages) through
// frame, the template of its layout that frames every page; dir ("admin/"
// or "") is the folder named in errors.
func renderPage(pages map[string]*htmltemplate.Template, dir, name, frame string, data any) ([]byte, error) {
	t, ok := pages[name]
	if !ok {
		return nil, fmt.Errorf("templates: no page %s%s.html.tmpl", dir, name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, frame, data); err != nil {
		return nil, fmt.Errorf("templates: %s%s.html.tmpl: %w", dir, name, err)
	}
	return b.Bytes(), nil
}

// Pages lists the names of the pages Page can render, sorted.
func (s *Set) Pages() []string {
	var out []string
	for n := range s.pages {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
