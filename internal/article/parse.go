package article

//go:generate go run ./testdata/gen

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Options control parsing.
type Options struct {
	// Language is the default language when the file says none; "ar" when empty.
	Language string
	// Location is the site time zone, used for dates written without a zone;
	// UTC when nil.
	Location *time.Location
	// MaxBytes, when positive, is the largest file ParseFile reads
	// (import.max_bytes): one huge file would otherwise sit in every feed
	// and in memory.
	MaxBytes int64
	// Summarize makes the summary of an article that has no explicit one.
	// When nil, DefaultSummary is used.
	Summarize func(title, text string) string
	// DateLine reads a .txt date line written in words, such as
	// "الخميس 27 نوفمبر 2026" or a Hijri date; ok is false for a line that
	// is not only a date. When nil only numeric dates are recognised.
	DateLine func(line string, loc *time.Location) (t time.Time, ok bool)
	// CategoryAliases maps categories as files and feeds spell them onto
	// the site's own (feeds.category_aliases); keys are compared after
	// sanitising and lower-casing (see AliasKey).
	CategoryAliases map[string]string
}

// AliasKey is the form in which Options.CategoryAliases keys are compared.
func AliasKey(category string) string { return strings.ToLower(SanitizeLine(category)) }

func (o Options) withDefaults() Options {
	if o.Language == "" {
		o.Language = "ar"
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Summarize == nil {
		o.Summarize = DefaultSummary
	}
	return o
}

// FileError is a problem with one file, or with one article of a file that
// holds several (a JSON array): Field then starts with the element index,
// as in "[2].published".
type FileError struct {
	Path  string // the file
	Line  int    // 1-based line, 0 when unknown
	Field string // the field or element at fault, "" when not known
	Err   error  // why
}

// Error reads "article: PATH[:LINE]: [FIELD: ]WHY".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString("article: ")
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// Named reasons, to branch on with errors.Is.
var (
	// ErrUnsupported: the file name has none of the supported extensions.
	ErrUnsupported = errors.New("unsupported file type (want .txt, .md, .markdown, .html, .htm or .json)")
	// ErrEncoding: the bytes are neither UTF-8 nor Windows-1256 Arabic.
	ErrEncoding = errors.New("text encoding not recognised")
	// ErrNoTitle: the article has no title.
	ErrNoTitle = errors.New("missing title")
	// ErrNoContent: the article has no body text.
	ErrNoContent = errors.New("no article content")
	// ErrTooLarge: the file is larger than Options.MaxBytes.
	ErrTooLarge = errors.New("file too large")
)

// FileErrors lists the *FileError values inside err (which may be one
// FileError or an errors.Join of several); other errors are skipped.
func FileErrors(err error) []*FileError {
	if err == nil {
		return nil
	}
	var out []*FileError
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range m.Unwrap() {
			out = append(out, FileErrors(e)...)
		}
		return out
	}
	var fe *FileError
	if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// Supported reports whether the file name has an extension Parse handles.
func Supported(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".md", ".markdown", ".html", ".htm", ".json":
		return true
	}
	return false
}

// ParseFile reads and parses one article file. See Parse for the result.
// A file larger than o.MaxBytes is refused unread (ErrTooLarge).
func ParseFile(path string, o Options) ([]Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if o.MaxBytes > 0 && st.Size() > o.MaxBytes {
		return nil, &FileError{Path: path, Err: tooLarge(st.Size(), o.MaxBytes)}
	}
	r := io.Reader(f)
	if o.MaxBytes > 0 {
		r = io.LimitReader(f, o.MaxBytes+1) // the file may grow as we read
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if o.MaxBytes > 0 && int64(len(data)) > o.MaxBytes {
		return nil, &FileError{Path: path, Err: tooLarge(int64(len(data)), o.MaxBytes)}
	}
	return Parse(path, data, st.ModTime(), o)
}

func tooLarge(size, limit int64) error {
	return fmt.Errorf("%w: %s, over the limit of %s (import.max_bytes)", ErrTooLarge, humanBytes(size), humanBytes(limit))
}

// humanBytes writes n as people read file sizes: 20.5 MB, 812 KB, 97 bytes
// (powers of 1024).
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Parse turns the bytes of one file into articles; name (a path) chooses
// the format by extension and is recorded as SourcePath. modTime is the
// publication time of articles whose file gives none.
//
// Errors are *FileError values. A .json array may be partly good: Parse then
// returns the good articles AND a non-nil error that is an errors.Join of one
// *FileError per bad element (see FileErrors). So a caller must use the
// articles even when err != nil; when the whole file is bad the slice is
// empty.
func Parse(name string, data []byte, modTime time.Time, o Options) ([]Article, error) {
	o = o.withDefaults()
	ext := strings.ToLower(filepath.Ext(name))
	var (
		arts []Article
		err  error
	)
	switch ext {
	case ".txt":
		var a Article
		a, err = parseTxt(name, data, o)
		if err == nil {
			arts = []Article{a}
		}
	case ".md", ".markdown":
		var a Article
		a, err = parseMarkdown(name, data, o)
		if err == nil {
			arts = []Article{a}
		}
	case ".html", ".htm":
		var a Article
		a, err = parseHTML(name, data, o)
		if err == nil {
			arts = []Article{a}
		}
	case ".json":
		arts, err = parseJSON(name, data, o)
	default:
		return nil, &FileError{Path: name, Err: ErrUnsupported}
	}
	base := slugify(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	for i := range arts {
		finish(&arts[i], name, base, modTime, o)
	}
	return arts, err
}

// Finish completes an article built by a caller rather than read from a
// file (a feed item): plain fields sanitised, category aliases applied,
// slug from the title unless set, Key from SourceURL unless set, ID, dates
// (Published defaults to modTime) and the summary. BodyHTML must already
// have passed SanitizeHTML.
func Finish(a *Article, modTime time.Time, o Options) {
	o = o.withDefaults()
	base := slugify(a.Title)
	if a.Slug != "" {
		base = slugify(a.Slug)
	}
	a.Slug = ""
	finish(a, a.SourcePath, base, modTime, o)
}

// ParsePage reads a fetched web page like a saved .html article file
// (readability, og:*, article:*, canonical link); pageURL names it in
// errors and is its SourceURL when the page names no canonical URL. The
// result is finished (see Finish) with SourcePath empty.
func ParsePage(pageURL string, data []byte, modTime time.Time, o Options) (Article, error) {
	o = o.withDefaults()
	a, err := parseHTML(pageURL, data, o)
	if err != nil {
		return Article{}, err
	}
	if a.SourceURL == "" {
		a.SourceURL = pageURL
	}
	Finish(&a, modTime, o)
	return a, nil
}

// finish fills what every format shares: slug, key, id, dates, language,
// summary, and the sanitising of plain fields.
func finish(a *Article, name, base string, modTime time.Time, o Options) {
	a.SourcePath = name
	a.Title = StripTags(a.Title)
	a.Subtitle = StripTags(a.Subtitle)
	a.Category = StripTags(a.Category)
	if to, ok := o.CategoryAliases[AliasKey(a.Category)]; ok && a.Category != "" {
		a.Category = StripTags(to)
	}
	a.Author = StripTags(a.Author)
	var tags []string
	seen := map[string]bool{}
	for _, t := range a.Tags {
		t = StripTags(t)
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	a.Tags = tags
	a.Image = SanitizeURL(a.Image)
	a.SourceURL = SanitizeURL(a.SourceURL)
	a.Language = cleanLang(a.Language, o.Language)
	if a.Slug == "" {
		a.Slug = base
	} else {
		a.Slug = slugify(a.Slug)
	}
	if a.Key == "" {
		if a.SourceURL != "" {
			a.Key = a.SourceURL
		} else {
			a.Key = "file:" + a.Slug
		}
	}
	a.ID = IDFor(a.Key)
	if a.Published.IsZero() {
		a.Published = modTime
	}
	if a.Updated.IsZero() || a.Updated.Before(a.Published) {
		a.Updated = a.Published
	}
	a.Summary = StripTags(a.Summary)
	if a.Summary == "" {
		a.SummaryExplicit = false
		text := ProseText(a.BodyHTML)
		if strings.TrimSpace(text) == "" {
			text = a.BodyText
		}
		a.Summary = SanitizeLine(o.Summarize(a.Title, text))
	}
}

var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

func cleanLang(l, def string) string {
	l = strings.ReplaceAll(SanitizeLine(l), "_", "-")
	if !langTag.MatchString(l) {
		return def
	}
	if i := strings.IndexByte(l, '-'); i > 0 {
		return strings.ToLower(l[:i]) + l[i:]
	}
	return strings.ToLower(l)
}

// Slugify makes a URL slug: NFC, lower case; ASCII letters and digits, '-',
// '_' and Arabic letters and digits are kept; white space and other
// punctuation become '-', repeated and edge dashes are removed; Arabic
// diacritics (harakat) and tatweel are dropped. "article" when nothing is left.
func Slugify(s string) string { return slugify(s) }

func slugify(s string) string {
	s = strings.ToLower(norm.NFC.String(SanitizeLine(s)))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
		case unicode.Is(unicode.Arabic, r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) && r != 'ـ':
		case unicode.Is(unicode.Mn, r), r == 'ـ', r == '\'', r == '"':
			continue
		default:
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "article"
	}
	return b.String()
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04Z07:00",
	time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
}

var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04",
	"2006/01/02",
}

// ParseDate reads a date in the common feed and front-matter forms (RFC 3339,
// RFC 1123/822, "2006-01-02 15:04", "2006-01-02"…); Arabic-Indic digits are
// accepted. A date without a zone is taken in loc.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = foldDigits(SanitizeLine(s))
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read date %q (want e.g. 2026-11-21T09:30:00+03:00 or 2026-11-21)", s)
}

// parseDate is ParseDate, then o.DateLine's forms in words
// ("27 نوفمبر 2026", Hijri dates); the error is ParseDate's.
func (o Options) parseDate(s string) (time.Time, error) {
	t, err := ParseDate(s, o.Location)
	if err != nil && o.DateLine != nil {
		if t2, ok := o.DateLine(s, o.Location); ok {
			return t2, nil
		}
	}
	return t, err
}

// foldDigits turns Arabic-Indic (٠-٩) and Persian (۰-۹) digits into ASCII.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, s)
}

// Walk calls fn for every article file named by paths: a file is passed as
// is (even with an unsupported extension, so that fn can report it); a
// folder is walked recursively and yields its supported files in lexical
// order, skipping hidden files and folders (names starting with "."). A file
// reached twice is passed once. Walk goes on after errors — a missing path,
// an unreadable folder, an error from fn — and returns them joined.
func Walk(paths []string, fn func(path string) error) error {
	var errs []error
	seen := map[string]bool{}
	visit := func(p string) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if seen[key] {
			return
		}
		seen[key] = true
		if err := fn(p); err != nil {
			errs = append(errs, err)
		}
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			errs = append(errs, fmt.Errorf("article: %w", err))
			continue
		}
		if !st.IsDir() {
			visit(root)
			continue
		}
		var files []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("article: %w", err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !Supported(p) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("article: %w", err))
		}
		sort.Strings(files)
		for _, f := range files {
			visit(f)
		}
	}
	return errors.Join(errs...)
}
