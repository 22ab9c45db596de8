package templates

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fixture is a fixed edition in Arabic with Latin names, numbers and URLs
// in it, the kind of text that scrambles when direction is not handled.
func fixture() EmailData {
	riyadh := time.FixedZone("+03", 3*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 27, h, m, 0, 0, riyadh) }
	e := &digest.Edition{
		Date: "2026-11-28", ID: "2026-11-28", Title: "نشرة الصباح", DateLine: "السبت 28 نوفمبر 2026",
		Opener: digest.Opener, From: at(6, 0).Add(-24 * time.Hour), To: at(6, 0),
		Sections: []digest.Section{
			{Category: "سياسة", Stories: []digest.Story{
				{ID: "p1", Title: "قمة الرياض تبحث التعاون الاقتصادي بين دول الخليج", URL: "https://nashra.example/articles/riyadh-summit",
					Summary:  "اختتمت في الرياض أعمال القمة الخليجية بالاتفاق على خطة مشتركة للطاقة والنقل تمتد حتى عام 2030، مع إنشاء صندوق استثمار إقليمي.",
					Category: "سياسة", Published: at(21, 15),
					Related: []digest.Link{
						{Title: "وزراء المالية يناقشون الموازنة الموحدة", URL: "https://nashra.example/articles/finance-ministers"},
						{Title: "تقرير: حجم التجارة البينية يرتفع 12%", URL: "https://nashra.example/articles/trade-report?src=digest&id=42"},
					}},
				{ID: "p2", Title: "البرلمان يقر قانون الإعلام الجديد", URL: "https://nashra.example/articles/media-law",
					Summary: "أقر البرلمان بأغلبية 120 صوتًا قانون الإعلام الذي ينظم عمل المواقع الإخبارية.", Category: "سياسة", Published: at(14, 0)},
			}},
			{Category: "تقنية", Stories: []digest.Story{
				{ID: "t1", Title: "شركة Apple تكشف عن iPhone 17 Pro في مؤتمرها السنوي", URL: "https://nashra.example/articles/apple-iphone",
					Summary:  "أعلنت Apple Inc. (NASDAQ: AAPL) عن هاتفها الجديد بسعر يبدأ من 999 دولارًا، ويتضمن شريحة A19 ودعمًا أوسع للغة العربية.",
					Category: "تقنية", Published: at(19, 45),
					Related: []digest.Link{{Title: "Google تطلق Gemini باللغة العربية", URL: "https://nashra.example/articles/gemini-ar"}}},
			}},
			{Category: "رياضة", Stories: []digest.Story{
				{ID: "s1", Title: "المنتخب يتأهل إلى نهائي كأس العرب", URL: "https://nashra.example/articles/arab-cup",
					Summary: "تأهل المنتخب بعد فوزه 2-1 في مباراة مثيرة.", Category: "رياضة", Published: at(23, 5)},
			}},
		},
	}
	ed := e.Filter(nil) // computes Count and Highlights as Build does
	d := Sample()
	d.Edition = ed
	d.Recipient = "Sara Ahmed"
	return d
}

func mustNew(t *testing.T, dir string) *Set {
	t.Helper()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// render renders d with the default templates: the email's HTML and text
// parts and the edition's web page.
func render(t *testing.T, d EmailData) (html, text, page string) {
	t.Helper()
	s := mustNew(t, "")
	html, text, err := s.Email(d)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.EditionPage(d)
	if err != nil {
		t.Fatal(err)
	}
	return html, text, string(p)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; run with -update after checking:\n%s", name, testkit.LineDiff(string(want), string(got)))
	}
}

func TestGolden(t *testing.T) {
	html, text, page := render(t, fixture())
	golden(t, "email.html.golden", []byte(html))
	golden(t, "email.txt.golden", []byte(text))
	golden(t, "edition.html.golden", []byte(page))
}

var (
	tableTag = regexp.MustCompile(`<table[^>]*>`)
	widthAtt = regexp.MustCompile(`width="(\d+)"`)
)

func TestEmailHTMLIsRTL(t *testing.T) {
	html, _, err := mustNew(t, "").Email(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<html lang="ar" dir="rtl">`, `<body lang="ar" dir="rtl"`, `text-align:right`,
		`Tahoma,'Noto Naskh Arabic','Segoe UI',Arial,sans-serif`,
		`<span dir="auto">iPhone 17 Pro</span>`, `<span dir="auto">Apple Inc. (NASDAQ: AAPL)</span>`,
		`href="https://nashra.example/digest/2026-11-28"`, `href="https://nashra.example/unsubscribe?t=x"`,
		`href="https://nashra.example/preferences?t=x"`, "أبرز العناوين", "تصلك هذه الرسالة لأنك اشتركت في",
		"السبت 28 نوفمبر 2026", "4 أخبار",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("email HTML lacks %q", want)
		}
	}
	tables := tableTag.FindAllString(html, -1)
	if len(tables) < 4 {
		t.Fatalf("only %d tables", len(tables))
	}
	for _, tag := range tables {
		if !strings.Contains(tag, `lang="ar"`) || !strings.Contains(tag, `dir="rtl"`) || !strings.Contains(tag, "direction:rtl") {
			t.Errorf("layout table without lang/dir: %s", tag)
		}
	}
	for _, m := range widthAtt.FindAllStringSubmatch(html, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 600 {
			t.Errorf("width %d > 600", n)
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("email contains a script element")
	}
	if n := strings.Count(html, `class="story"`); n != 4 {
		t.Errorf("%d story blocks, want 4", n)
	}
}

func TestHostileContentIsEscaped(t *testing.T) {
	d := fixture()
	st := &d.Edition.Sections[0].Stories[0]
	st.Title = `<script>alert("x")</script> عنوان`
	st.Summary = `<img src=x onerror=alert(1)> ملخص`
	st.URL = "javascript:alert(document.cookie)"
	st.Related = []digest.Link{{Title: `"><svg onload=alert(2)>`, URL: "JaVaScRiPt:alert(3)"}}
	d.Edition.Sections[0].Category = `</h2><iframe src="https://evil.example">`
	d.Recipient = `<b onmouseover="x()">Eve</b>`
	d.Edition.Highlights = []digest.Link{{Title: st.Title, URL: st.URL}}
	html, text, page := render(t, d)
	if strings.Contains(strings.ToLower(text), "javascript:") {
		t.Error("text part shows a javascript: link")
	}
	for name, out := range map[string]string{"email": html, "page": page} {
		// Latin runs are wrapped in isolating spans; look through them.
		out = strings.ReplaceAll(strings.ReplaceAll(out, `<span dir="auto">`, ""), "</span>", "")
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "<img", "<svg", "<iframe", "<b ", "javascript:", "onload=alert(2)>"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s: %q survived escaping", name, bad)
			}
		}
		for _, want := range []string{"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "#ZgotmplZ"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing escaped form %q", name, want)
			}
		}
	}
}

func TestTextPart(t *testing.T) {
	_, text, err := mustNew(t, "").Email(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"• وزراء المالية يناقشون الموازنة الموحدة:\n" + RLM + "  https://nashra.example/articles/finance-ministers\n",
		"• تقرير: حجم التجارة البينية يرتفع 12%:\n" + RLM + "  https://nashra.example/articles/trade-report?src=digest&id=42\n",
		"إلغاء الاشتراك: https://nashra.example/unsubscribe?t=x",
		"اعرض هذه النشرة في المتصفح: https://nashra.example/digest/2026-11-28",
		RLM + "https://nashra.example\n",
		"مرحبًا Sara Ahmed،",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
	}
	if strings.Contains(text, "&lt;") || strings.Contains(text, "&amp;") {
		t.Error("text part is HTML-escaped")
	}
	for i, l := range strings.Split(text, "\n") {
		if width(l) > TextWidth && strings.Contains(strings.TrimSpace(l), " ") {
			t.Errorf("line %d is %d columns: %q", i+1, width(l), l)
		}
		if l != "" && markRTL(strings.TrimPrefix(l, RLM)) != l {
			t.Errorf("line %d lacks its RLM: %q", i+1, l)
		}
	}
}

func TestIsolateLatin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"خبر عربي فقط", "خبر عربي فقط"},
		{"شركة Apple تعلن", `شركة <span dir="auto">Apple</span> تعلن`},
		{"هاتف iPhone 17 Pro الجديد", `هاتف <span dir="auto">iPhone 17 Pro</span> الجديد`},
		{"أعلنت Apple Inc. (NASDAQ: AAPL) اليوم", `أعلنت <span dir="auto">Apple Inc. (NASDAQ: AAPL)</span> اليوم`},
		{"زار Paris.", `زار <span dir="auto">Paris</span>.`},
		{"بلغ 120 صوتًا", "بلغ 120 صوتًا"},
		{"English only", `<span dir="auto">English only</span>`},
		{"عن <b>R&D</b> هنا", `عن &lt;<span dir="auto">b&gt;R&amp;D&lt;/b</span>&gt; هنا`},
	}
	for _, tc := range tests {
		if got := string(IsolateLatin(tc.in)); got != tc.want {
			t.Errorf("IsolateLatin(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestFormatText(t *testing.T) {
	long := "اختتمت في الرياض أعمال القمة الخليجية بالاتفاق على خطة مشتركة للطاقة والنقل تمتد حتى عام 2030 مع إنشاء صندوق"
	url := "https://nashra.example/articles/" + strings.Repeat("x", 90)
	tests := []struct{ name, in, want string }{
		{"rlm before latin and digit lines", "Apple\n2026 عام\nعربي Apple\n— iPhone\n-----\n",
			RLM + "Apple\n" + RLM + "2026 عام\nعربي Apple\n" + RLM + "— iPhone\n-----\n"},
		{"blank lines collapsed, crlf", "\n\nأ\r\n\n\n\nب  \n\n", "أ\n\nب\n"},
		{"wrap on words", long, "اختتمت في الرياض أعمال القمة الخليجية بالاتفاق على خطة مشتركة للطاقة والنقل\nتمتد حتى عام 2030 مع إنشاء صندوق\n"},
		{"url never broken", "• الرابط: " + url, "• الرابط:\n" + RLM + "  " + url + "\n"},
		{"harakat take no columns", strings.Repeat("مَ ", 38), strings.TrimSpace(strings.Repeat("مَ ", 38)) + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatText(tc.in, TextWidth); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestOverridesAndStartupErrors(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for n, c := range files {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("override replaces by name and adds pages", func(t *testing.T) {
		dir := write(t, map[string]string{
			EmailTextFile:       "نسخة مخصصة: {{.Edition.DateLine}}\n",
			"confirm.html.tmpl": `{{define "content"}}<p>أكّد اشتراكك يا {{.Data}}</p>{{end}}`,
		})
		s := mustNew(t, dir)
		_, text, err := s.Email(fixture())
		if err != nil || text != "نسخة مخصصة: السبت 28 نوفمبر 2026\n" {
			t.Fatalf("override text %q, %v", text, err)
		}
		page, err := s.Page("confirm", PageData{Title: "تأكيد", SiteTitle: "نشرة الصباح", BaseURL: "https://n.example", Data: "<سارة>"})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`<html lang="ar" dir="rtl">`, `<meta name="viewport"`, "<title>تأكيد — نشرة الصباح</title>", "أكّد اشتراكك يا &lt;سارة&gt;"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(string(page), "<script") {
			t.Error("page has JavaScript")
		}
		if got := s.Pages(); !slices.Contains(got, "confirm") || !slices.Contains(got, "edition") || slices.Contains(got, "page") {
			t.Errorf("pages %q: want confirm and edition, never the layout", got)
		}
	})
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"parse error names the file", map[string]string{EmailHTMLFile: "<p>{{.Edition.DateLine</p>"}, EmailHTMLFile},
		{"execution error at start", map[string]string{EmailTextFile: "{{.NoSuchField}}"}, EmailTextFile},
		{"escaping error in a page", map[string]string{"bad.html.tmpl": `{{define "content"}}{{if .Title}}<a href="{{else}}<b>{{end}}{{end}}`}, "bad.html.tmpl"},
		{"empty file", map[string]string{EditionFile: "  \n"}, EditionFile},
		{"layout without page", map[string]string{LayoutFile: "<p>x</p>"}, LayoutFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(write(t, tc.files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, err := New(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing override folder accepted")
	}
	admin := filepath.Join(t.TempDir(), "admin")
	if err := os.Mkdir(admin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(admin, ConsoleLayoutFile), []byte("<p>x</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewConsole(filepath.Dir(admin)); err == nil || !strings.Contains(err.Error(), "admin/"+ConsoleLayoutFile+`: does not define "console"`) {
		t.Errorf("console layout without console: %v", err)
	}
	if _, err := mustNew(t, "").Page("nope", PageData{}); err == nil {
		t.Error("unknown page rendered")
	}
}

// TestWeeklyHeaderNamesTheWeek: a weekly edition's header, in the email's
// HTML and text parts and on its web copy, names the days it covers
// (Edition.Span) instead of its day alone; a weekly edition stored before
// there was a span, and a daily one, keep the day.
func TestWeeklyHeaderNamesTheWeek(t *testing.T) {
	html, text, page := render(t, weeklyFixture())
	for name, part := range map[string]string{"html": html, "text": text, "web copy": page} {
		if !strings.Contains(part, "من 21 إلى 27 نوفمبر 2026 · ") {
			t.Errorf("weekly %s header lacks the week: %s", name, part)
		}
		if strings.Contains(part, "الجمعة 27 نوفمبر 2026 · ") {
			t.Errorf("weekly %s header still shows the day alone", name)
		}
	}
	old := weeklyFixture()
	e := *old.Edition
	e.Span = ""
	old.Edition = &e
	for _, d := range []EmailData{old, fixture()} {
		html, text, page := render(t, d)
		for name, part := range map[string]string{"html": html, "text": text, "web copy": page} {
			if !strings.Contains(part, d.Edition.DateLine+" · ") {
				t.Errorf("%s header without a span lacks the day %q", name, d.Edition.DateLine)
			}
		}
	}
}
