package templates

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The admin console's pages live in admin/: layout.html.tmpl defines
// "console" (the frame: navigation, user, flash message) and each other
// admin/*.html.tmpl is one page defining "content" (and "title"). Its
// stylesheet and scripts are in admin/static/, served as files: the
// console runs no inline script and no inline style.
//
//go:embed admin/*.tmpl admin/static/*
var consoleFiles embed.FS

// ConsoleLayoutFile is the console's frame.
const ConsoleLayoutFile = "layout.html.tmpl"

// Console is the parsed console pages and their static files.
type Console struct {
	pages  map[string]*htmltemplate.Template
	static fs.FS
}

var consoleFuncs = htmltemplate.FuncMap{
	"bidi": IsolateLatin,
	// ar writes an integer with Arabic-Indic digits.
	"ar": func(n int) string {
		var b strings.Builder
		for _, r := range fmt.Sprint(n) {
			if r >= '0' && r <= '9' {
				r = '٠' + (r - '0')
			}
			b.WriteRune(r)
		}
		return b.String()
	},
	// when formats a time in the site zone as a left-to-right <time>
	// (inside Arabic text the date and the hour would otherwise swap
	// places); "—" for unset.
	"when": func(t time.Time, loc *time.Location) htmltemplate.HTML {
		if t.IsZero() {
			return "—"
		}
		if loc == nil {
			loc = time.UTC
		}
		t = t.In(loc)
		return htmltemplate.HTML(`<time dir="ltr" datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04") + `</time>`)
	},
	"join": strings.Join,
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"pct": func(n, total int) int {
		if total <= 0 {
			return 0
		}
		return n * 100 / total
	},
}

// NewConsole parses the console pages, each replaced by the file of the
// same name in overrideDir/admin when overrideDir is not "". A parse or
// escaping error is reported here, naming the file.
func NewConsole(overrideDir string) (*Console, error) {
	src := map[string]string{}
	read := func(fsys fs.FS, where string) error { return readTemplates(src, fsys, where, "*.html.tmpl") }
	sub, _ := fs.Sub(consoleFiles, "admin")
	if err := read(sub, "embedded admin"); err != nil {
		return nil, err
	}
	if overrideDir != "" {
		dir := filepath.Join(overrideDir, "admin")
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			if err := read(os.DirFS(dir), dir); err != nil {
				return nil, err
			}
		}
	}
	pages, err := parsePages(src, consoleFuncs, "admin/", ConsoleLayoutFile, "console", func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	c := &Console{pages: pages}
	c.static, _ = fs.Sub(consoleFiles, "admin/static")
	return c, nil
}

// Render executes page name inside the console frame.
func (c *Console) Render(name string, data any) ([]byte, error) {
	return renderPage(c.pages, "admin/", name, "console", data)
}

// Has reports whether there is a console page called name.
func (c *Console) Has(name string) bool { _, ok := c.pages[name]; return ok }

// Static is the console's stylesheet and scripts.
func (c *Console) Static() fs.FS { return c.static }
