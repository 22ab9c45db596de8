package article

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// jsonArticle is one article of a .json file. Unknown fields are ignored.
type jsonArticle struct {
	Title       *string    `json:"title"`
	Subtitle    string     `json:"subtitle"`
	URL         string     `json:"url"`
	Slug        string     `json:"slug"`
	Published   string     `json:"published"`
	Updated     string     `json:"updated"`
	Category    string     `json:"category"`
	Tags        []string   `json:"tags"`
	Author      jsonAuthor `json:"author"`
	Summary     string     `json:"summary"`
	ContentHTML string     `json:"content_html"`
	ContentText string     `json:"content_text"`
	Image       string     `json:"image"`
	Language    string     `json:"language"`
	Draft       bool       `json:"draft"`
}

// jsonAuthor accepts "name" or {"name": "…"} (as in JSON Feed).
type jsonAuthor string

func (j *jsonAuthor) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*j = jsonAuthor(s)
		return nil
	}
	var o struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return errors.New(`want a name or {"name": …}`)
	}
	*j = jsonAuthor(o.Name)
	return nil
}

// parseJSON reads one object or an array of objects. A bad element becomes
// a *FileError naming its index (Field "[i]" or "[i].field") and line; the
// other elements are still returned.
func parseJSON(name string, data []byte, o Options) ([]Article, error) {
	s, err := decodeText(data, "")
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	src := []byte(s)
	trimmed := bytes.TrimLeft(src, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &FileError{Path: name, Err: ErrNoContent}
	}
	if trimmed[0] == '{' {
		a, err := jsonElement(name, src, len(src)-len(trimmed), trimmed, "", o)
		if err != nil {
			return nil, err
		}
		return []Article{a}, nil
	}
	if trimmed[0] != '[' {
		return nil, &FileError{Path: name, Line: lineAt(src, len(src)-len(trimmed)), Err: errors.New("want a JSON object or an array of objects")}
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	if _, err := dec.Token(); err != nil {
		return nil, jsonSyntax(name, src, err)
	}
	var (
		arts []Article
		errs []error
		seen = map[string]int{}
		base = slugify(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	)
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return arts, errors.Join(append(errs, jsonSyntax(name, src, err))...)
		}
		off := int(dec.InputOffset()) - len(raw)
		index := fmt.Sprintf("[%d]", i)
		a, err := jsonElement(name, src, off, raw, index, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// The slug of an element without one comes from its position, so
		// that fixing a broken neighbour does not rename it.
		if a.Slug == "" {
			a.Slug = fmt.Sprintf("%s-%d", base, i+1)
		}
		a.Slug = slugify(a.Slug)
		key := SanitizeURL(a.SourceURL)
		if key == "" {
			key = "file:" + a.Slug
		}
		if j, dup := seen[key]; dup {
			errs = append(errs, &FileError{Path: name, Line: lineAt(src, off), Field: index,
				Err: fmt.Errorf("same url or slug as element [%d] (%s)", j, key)})
			continue
		}
		seen[key] = i
		arts = append(arts, a)
	}
	if _, err := dec.Token(); err != nil {
		errs = append(errs, jsonSyntax(name, src, err))
	}
	return arts, errors.Join(errs...)
}

func jsonSyntax(name string, src []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FileError{Path: name, Line: lineAt(src, int(se.Offset)), Err: fmt.Errorf("bad JSON: %w", err)}
	}
	return &FileError{Path: name, Err: fmt.Errorf("bad JSON: %w", err)}
}

// lineAt is the 1-based line of byte offset off.
func lineAt(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}

func jsonElement(name string, src []byte, off int, raw []byte, index string, o Options) (Article, error) {
	line := lineAt(src, off)
	fail := func(field string, err error) error {
		f := index
		if field != "" {
			if f != "" {
				f += "."
			}
			f += field
		}
		return &FileError{Path: name, Line: line, Field: f, Err: err}
	}
	var j jsonArticle
	if err := json.Unmarshal(raw, &j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Article{}, fail(te.Field, fmt.Errorf("want %s, got JSON %s", te.Type, te.Value))
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Article{}, &FileError{Path: name, Line: lineAt(src, off+int(se.Offset)), Field: index, Err: fmt.Errorf("bad JSON: %w", err)}
		}
		return Article{}, fail("", err)
	}
	if j.Title == nil || SanitizeLine(*j.Title) == "" {
		return Article{}, fail("title", ErrNoTitle)
	}
	a := Article{
		Title: *j.Title, Subtitle: j.Subtitle, SourceURL: j.URL, Slug: j.Slug,
		Category: j.Category, Tags: j.Tags, Author: string(j.Author),
		Summary: j.Summary, Image: j.Image, Language: j.Language, Draft: j.Draft,
	}
	a.SummaryExplicit = SanitizeLine(a.Summary) != ""
	for _, d := range []struct {
		field, val string
		dst        *time.Time
	}{{"published", j.Published, &a.Published}, {"updated", j.Updated, &a.Updated}} {
		if strings.TrimSpace(d.val) == "" {
			continue
		}
		t, err := ParseDate(d.val, o.Location)
		if err != nil {
			return Article{}, fail(d.field, err)
		}
		*d.dst = t
	}
	switch {
	case strings.TrimSpace(j.ContentHTML) != "":
		a.BodyHTML = SanitizeHTML(j.ContentHTML)
		a.BodyText = HTMLToText(a.BodyHTML)
	case strings.TrimSpace(j.ContentText) != "":
		a.BodyText = plainText(j.ContentText)
		a.BodyHTML = textToHTML(a.BodyText)
	}
	if a.BodyText == "" {
		return Article{}, fail("content_html", fmt.Errorf("%w: content_html and content_text are both empty", ErrNoContent))
	}
	return a, nil
}

// textToHTML makes paragraphs of plain text: one <p> per block separated by
// blank lines, single newlines inside a block become <br>.
func textToHTML(text string) string {
	var b strings.Builder
	for _, block := range strings.Split(text, "\n\n") {
		block = strings.TrimSpace(block)
		if block == "" {
			continue
		}
		lines := strings.Split(block, "\n")
		for i, l := range lines {
			lines[i] = escapeText(strings.TrimSpace(l))
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>\n")
	}
	return SanitizeHTML(b.String())
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func escapeText(s string) string { return textEscaper.Replace(s) }
