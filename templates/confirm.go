package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/nashra/nashra/internal/digest"
)

// Files of the sign-up confirmation email. The HTML file is also listed
// by Set.Pages (every *.html.tmpl is), but it is a standalone document
// that defines no "content": render it with ConfirmMail.
const (
	ConfirmHTMLFile = "confirm-email.html.tmpl"
	ConfirmTextFile = "confirm-email.txt.tmpl"
)

// ConfirmData is what the confirmation email reads. Exactly one of
// ConfirmURL (a new or pending sign-up, or a return after leaving) and
// PreferencesURL (the address is already subscribed) is set. It holds no
// name: anyone may sign up any address with any name, so the email greets
// no one by name and carries nothing a stranger typed.
type ConfirmData struct {
	SiteTitle, BaseURL string
	ConfirmURL         string
	PreferencesURL     string
	// Valid is how long ConfirmURL works.
	Valid time.Duration
}

// Subject is the email's subject line.
func (d ConfirmData) Subject() string {
	if d.ConfirmURL == "" {
		return "اشتراكك في «" + d.SiteTitle + "» قائم"
	}
	return "أكّد اشتراكك في «" + d.SiteTitle + "»"
}

var hourForms = digest.PluralForms{Zero: "أقل من ساعة", One: "ساعة واحدة", Two: "ساعتين", Few: "%d ساعات", Many: "%d ساعة", Other: "%d ساعة"}
var dayForms = digest.PluralForms{Zero: "يوم", One: "يومًا واحدًا", Two: "يومين", Few: "%d أيام", Many: "%d يومًا", Other: "%d يوم"}

// Validity is Valid in Arabic words: "7 أيام", "48 ساعة"…
func (d ConfirmData) Validity() string {
	if d.Valid >= 48*time.Hour && d.Valid%(24*time.Hour) < time.Hour {
		return digest.Plural(int(d.Valid/(24*time.Hour)), dayForms, false)
	}
	return digest.Plural(int(d.Valid/time.Hour), hourForms, false)
}

// ConfirmMail renders the double opt-in email. It is safe for concurrent use.
type ConfirmMail struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

// NewConfirmMail parses the confirmation email's two parts, the embedded
// ones or those of overrideDir ("" = none) by the same names, and checks
// them by rendering a sample.
func NewConfirmMail(overrideDir string) (*ConfirmMail, error) {
	src, err := sources(overrideDir)
	if err != nil {
		return nil, err
	}
	for _, req := range []string{ConfirmHTMLFile, ConfirmTextFile} {
		if _, ok := src[req]; !ok {
			return nil, fmt.Errorf("templates: %s: missing", req)
		}
	}
	m := &ConfirmMail{}
	if m.html, err = htmltemplate.New(ConfirmHTMLFile).Funcs(htmlFuncs).Parse(src[ConfirmHTMLFile]); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if m.text, err = texttemplate.New(ConfirmTextFile).Funcs(textFuncs).Parse(src[ConfirmTextFile]); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, d := range []ConfirmData{
		{SiteTitle: "نشرة", BaseURL: "https://example.com", ConfirmURL: "https://example.com/confirm?t=x", Valid: 7 * 24 * time.Hour},
		{SiteTitle: "نشرة", BaseURL: "https://example.com", PreferencesURL: "https://example.com/preferences?t=x"},
	} {
		if _, _, err := m.Render(d); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Render returns the HTML and plain-text parts (the text wrapped and
// RLM-marked like the digest's, see FormatText).
func (m *ConfirmMail) Render(d ConfirmData) (html, text string, err error) {
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	return renderParts(m.html, m.text, d)
}
