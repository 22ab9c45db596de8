package article

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// markdown renders GFM; raw HTML is let through goldmark and then goes
// through SanitizeHTML like every body.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

// splitFrontMatter separates a leading "---" YAML block from the body. It
// returns the YAML, the body, and the line number (1-based) of the first
// YAML line.
func splitFrontMatter(s string) (fm, body string, ok bool) {
	if !strings.HasPrefix(s, "---\n") && s != "---" {
		return "", s, false
	}
	rest := s[4:]
	for off := 0; ; {
		i := strings.IndexByte(rest[off:], '\n')
		var line string
		if i < 0 {
			line = rest[off:]
		} else {
			line = rest[off : off+i]
		}
		if t := strings.TrimRight(line, " \t"); t == "---" || t == "..." {
			body = ""
			if i >= 0 {
				body = rest[off+i+1:]
			}
			return rest[:off], body, true
		}
		if i < 0 {
			return "", s, false
		}
		off += i + 1
	}
}

var mdH1 = regexp.MustCompile(`(?m)\A\s*#[ \t]+(.+?)[ \t#]*$`)

// parseMarkdown reads YAML front matter (title, subtitle, date, updated,
// category, tags, author, summary, image, slug, draft, lang/language, url)
// and renders the Markdown body. Without a title in the front matter, a
// leading "# heading" is the title.
func parseMarkdown(name string, data []byte, o Options) (Article, error) {
	s, err := decodeText(data, "")
	if err != nil {
		return Article{}, &FileError{Path: name, Err: err}
	}
	s = normalizeNewlines(s)
	fm, body, has := splitFrontMatter(s)
	var a Article
	if has {
		if err := applyFrontMatter(&a, name, fm, o); err != nil {
			return Article{}, err
		}
	} else if strings.HasPrefix(s, "---") {
		return Article{}, &FileError{Path: name, Line: 1, Field: "front matter", Err: errors.New(`no closing "---" line`)}
	}
	if a.Title == "" {
		if m := mdH1.FindStringSubmatchIndex(body); m != nil {
			a.Title = body[m[2]:m[3]]
			body = body[m[1]:]
		}
	}
	if SanitizeLine(a.Title) == "" {
		return Article{}, &FileError{Path: name, Line: 1, Field: "title", Err: ErrNoTitle}
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(body), &buf); err != nil {
		return Article{}, &FileError{Path: name, Err: fmt.Errorf("markdown: %w", err)}
	}
	a.BodyHTML = dropLeadingTitle(SanitizeHTML(buf.String()), a.Title)
	a.BodyText = HTMLToText(a.BodyHTML)
	if a.BodyText == "" && a.Summary == "" {
		return Article{}, &FileError{Path: name, Err: ErrNoContent}
	}
	return a, nil
}

// applyFrontMatter parses the YAML front matter fm of file name into a.
// It is long because it is one case per documented field (title, date,
// category, tags, author, summary, image, slug, draft), each with its own
// error naming the field.
func applyFrontMatter(a *Article, name, fm string, o Options) error {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(fm), &m); err != nil {
		line := 0
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			line = ye.GetToken().Position.Line + 1
			err = errors.New(ye.GetMessage())
		}
		return &FileError{Path: name, Line: line, Field: "front matter", Err: fmt.Errorf("bad YAML: %w", err)}
	}
	fail := func(key string, err error) error {
		return &FileError{Path: name, Line: keyLine(fm, key), Field: key, Err: err}
	}
	var errs []error
	str := func(keys ...string) string {
		for _, k := range keys {
			v, ok := m[k]
			if !ok || v == nil {
				continue
			}
			switch v := v.(type) {
			case string:
				return v
			case int, int64, uint64, float64, bool:
				return fmt.Sprint(v)
			default:
				errs = append(errs, fail(k, fmt.Errorf("want text, got %T", v)))
			}
		}
		return ""
	}
	date := func(keys ...string) time.Time {
		for _, k := range keys {
			v, ok := m[k]
			if !ok || v == nil {
				continue
			}
			switch v := v.(type) {
			case time.Time:
				return v
			case string:
				t, err := o.parseDate(v)
				if err != nil {
					errs = append(errs, fail(k, err))
				}
				return t
			default:
				errs = append(errs, fail(k, fmt.Errorf("want a date, got %v", v)))
			}
		}
		return time.Time{}
	}
	a.Title = str("title")
	a.Subtitle = str("subtitle")
	a.Category = str("category")
	a.Author = str("author")
	a.Summary = str("summary", "description")
	a.SummaryExplicit = a.Summary != ""
	a.Image = str("image")
	a.Slug = str("slug")
	a.Language = str("lang", "language")
	a.SourceURL = str("url", "canonical")
	a.Published = date("date", "published")
	a.Updated = date("updated", "lastmod", "modified")
	if v, ok := m["categories"]; ok && a.Category == "" {
		if l, ok := v.([]any); ok && len(l) > 0 {
			a.Category = fmt.Sprint(l[0])
		}
	}
	switch v := m["tags"].(type) {
	case nil:
	case string:
		a.Tags = strings.Split(v, ",")
	case []any:
		for _, t := range v {
			a.Tags = append(a.Tags, fmt.Sprint(t))
		}
	default:
		errs = append(errs, fail("tags", fmt.Errorf("want a list, got %v", v)))
	}
	switch v := m["draft"].(type) {
	case nil:
	case bool:
		a.Draft = v
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fail("draft", fmt.Errorf("want true or false, got %q", v)))
		}
		a.Draft = b
	default:
		errs = append(errs, fail("draft", fmt.Errorf("want true or false, got %v", v)))
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// keyLine finds the file line of a top-level front-matter key (the front
// matter starts on line 2, after "---").
func keyLine(fm, key string) int {
	for i, l := range strings.Split(fm, "\n") {
		if strings.HasPrefix(l, key+":") {
			return i + 2
		}
	}
	return 0
}
