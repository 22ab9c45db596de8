package article

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var (
	// handlerAttr is an on…= attribute inside a tag.
	handlerAttr = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
)

// badRune reports a rune no text field may hold; nl allows \n and \t.
func badRune(r rune, nl bool) bool {
	if nl && (r == '\n' || r == '\t') {
		return false
	}
	return isStripped(r) || r == utf8.RuneError
}

// assertClean checks the sanitising promises on every field of a.
func assertClean(t *testing.T, a Article) {
	t.Helper()
	lines := map[string]string{"Title": a.Title, "Subtitle": a.Subtitle, "Category": a.Category,
		"Author": a.Author, "Summary": a.Summary, "Image": a.Image, "SourceURL": a.SourceURL,
		"Slug": a.Slug, "Language": a.Language, "Tags": strings.Join(a.Tags, " ")}
	bodies := map[string]string{"BodyHTML": a.BodyHTML, "BodyText": a.BodyText}
	for name, v := range lines {
		if strings.ContainsAny(v, "<>\n\t") {
			t.Errorf("%s has markup or a line break: %q", name, v)
		}
		if v != strings.TrimSpace(v) || strings.Contains(v, "  ") {
			t.Errorf("%s is not trimmed and collapsed: %q", name, v)
		}
	}
	for name, v := range lines {
		bodies[name] = v
	}
	for name, v := range bodies {
		nl := name == "BodyHTML" || name == "BodyText"
		for i, r := range v {
			if badRune(r, nl) {
				t.Errorf("%s has %U at byte %d: %q", name, r, i, v)
				break
			}
		}
		if !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
			t.Errorf("%s is not valid NFC UTF-8", name)
		}
		low := strings.ToLower(v)
		if strings.Contains(low, "<script") || strings.Contains(low, "javascript:") || strings.Contains(low, "vbscript:") {
			t.Errorf("%s keeps a script: %q", name, v)
		}
		if handlerAttr.MatchString(v) {
			t.Errorf("%s keeps an event handler: %q", name, v)
		}
		for _, tag := range []string{"<iframe", "<form", "<style", "<object", "<embed", "<svg", "<input", "<meta", " style="} {
			if strings.Contains(low, tag) {
				t.Errorf("%s keeps %s: %q", name, tag, v)
			}
		}
	}
	for _, m := range regexp.MustCompile(`<a [^>]*>`).FindAllString(a.BodyHTML, -1) {
		if !regexp.MustCompile(`^<a href="(https?://[^"]+|mailto:[^"]+)" rel="nofollow noopener">$`).MatchString(m) {
			t.Errorf("link not allowed: %s", m)
		}
	}
	for _, m := range regexp.MustCompile(`<img [^>]*>`).FindAllString(a.BodyHTML, -1) {
		if !regexp.MustCompile(`^<img src="https?://[^"]+"( alt="[^"]*")?/>$`).MatchString(m) {
			t.Errorf("image not allowed: %s", m)
		}
	}
}

func TestHostileFiles(t *testing.T) {
	tests := []struct {
		file  string
		n     int
		title string   // of the first article
		keep  []string // Arabic that must survive in BodyText
	}{
		{"hostile-scraped.txt", 1, "عنوان خبر معكوس عن أمن الحدود", []string{"فقرة أولى فيها فاصل صفحة ومحرف فارغ ومحرف هروب[31m وتحكم C1 ونص معكوس هنا.", "• بند أول مع سطر تالٍ."}},
		{"hostile-front.md", 1, "عنوان مقال ماركداون خبيث", []string{"فقرة أولى مع فاصل صفحة وتحكم C1 ونص معكوس في الوسط.", "رابط سليم", "نمط مضمن"}},
		{"hostile-page.html", 1, "عنوان صفحة خبيثة", []string{"مباراة مثيرة انتهت بفوز الفريق المضيف بثلاثة أهداف مقابل هدفين", "قبل المباريات الحاسمة المقبلة في الدوري."}},
		{"hostile-feed.json", 2, "عنوان جيسون", []string{"محتوى فيه و رابط وانعكاس."}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(fixture(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			// The fixture really is hostile.
			if !bytes.HasPrefix(raw, []byte("\uFEFF")) || !bytes.Contains(raw, []byte("\r\n")) {
				t.Fatalf("fixture lost its BOM or CRLF; run go generate")
			}
			arts, err := ParseFile(fixture(tt.file), opts())
			if err != nil {
				t.Fatal(err)
			}
			if len(arts) != tt.n {
				t.Fatalf("%d articles, want %d", len(arts), tt.n)
			}
			if arts[0].Title != tt.title {
				t.Errorf("Title = %q, want %q", arts[0].Title, tt.title)
			}
			for _, k := range tt.keep {
				if !strings.Contains(arts[0].BodyText, k) {
					t.Errorf("BodyText lacks %q:\n%q", k, arts[0].BodyText)
				}
			}
			for _, a := range arts {
				assertClean(t, a)
				if a.Image != "" || strings.HasPrefix(a.Key, "javascript") {
					t.Errorf("javascript: image or key kept: %q %q", a.Image, a.Key)
				}
			}
		})
	}
}

func TestSanitizeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p>نص</p><script>alert(1)</script>`, `<p>نص</p>`},
		{`<p onclick="x()" style="color:red" class="c" id="i" dir="rtl">نص</p>`, `<p>نص</p>`},
		{`<a href="javascript:alert(1)">ا</a>`, `<p>ا</p>`},
		{`<a href="https://a.example/?q=1&amp;r=2" target="_blank" rel="opener">ا</a>`, `<p><a href="https://a.example/?q=1&amp;r=2" rel="nofollow noopener">ا</a></p>`},
		{`<a href="mailto:x@a.example">بريد</a>`, `<p><a href="mailto:x@a.example" rel="nofollow noopener">بريد</a></p>`},
		{`<a href="/relative">نسبي</a>`, `<p>نسبي</p>`},
		{`<img src="x" onerror="alert(1)">`, ``},
		{`<img src="https://a.example/i.png" alt="صورة" width="9" onload="x()">`, `<img src="https://a.example/i.png" alt="صورة"/>`},
		{`<h1>عنوان</h1><h4>فرعي</h4>`, `<h2>عنوان</h2><h4>فرعي</h4>`},
		{`<iframe src="https://a.example"></iframe><form><input><button>زر</button></form>`, ``},
		{"<p>أ\u202Eب\u2066ج\u0007د\x0ch\u0085</p>", `<p>أبجدh</p>`},
		{`<p>&#x202E;كيان&#12;</p>`, `<p>كيان</p>`},
		{"<p>\u0627\u0654</p>", "<p>\u0623</p>"},
		{`<table><tr><td colspan="2" style="x">خلية</td></tr></table>`, `<table><tbody><tr><td colspan="2">خلية</td></tr></tbody></table>`},
		{`<figure><img src="https://a.example/i.png"><figcaption>شرح</figcaption></figure>`, `<figure><img src="https://a.example/i.png"/><figcaption>شرح</figcaption></figure>`},
		{`<div>نص حر <em>مائل</em></div>`, `<p>نص حر <em>مائل</em></p>`},
		{`<p><script>x</script></p><p> </p>`, ``},
	}
	for _, tt := range tests {
		if got := SanitizeHTML(tt.in); got != tt.want {
			t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeText(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"text", "سطر\r\nثانٍ\rثالث\n", "سطر\nثانٍ\nثالث"},
		{"text", "أ\tب\x0c\x00\x1b\u009bج\u202Dد\u2069", "أ\tبجد"},
		{"text", "\uFEFFنص  \n\n\nآخر", "نص\n\n\nآخر"},
		{"text", "bad \xff byte", "bad \uFFFD byte"},
		{"line", "  عنوان\n  على\tسطرين\u202E ", "عنوان على سطرين"},
		{"line", "\u0627\u0654\u0653", "\u0623\u0653"},
		{"strip", "<b>عريض</b> &amp; نص", "عريض & نص"},
		{"strip", "أ < ب و ج > د", "أ < ب و ج > د"},
		{"strip", "عنوان <script>alert(1)</script>", "عنوان"},
		{"url", "https://a.example/x", "https://a.example/x"},
		{"url", " javascript:alert(1)", ""},
		{"url", "/images/a.png", ""},
		{"url", "data:image/png;base64,AA", ""},
		{"url", "HTTP://A.example", "HTTP://A.example"},
	}
	for _, tt := range tests {
		var got string
		switch tt.fn {
		case "text":
			got = SanitizeText(tt.in)
		case "line":
			got = SanitizeLine(tt.in)
		case "strip":
			got = StripTags(tt.in)
		case "url":
			got = SanitizeURL(tt.in)
		}
		if got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<h2>عنوان</h2><p>فقرة   أولى<br>سطر</p><ul><li>بند ١</li><li>بند ٢</li></ul><script>x()</script><p>أخيرة &amp; نهاية</p>`
	want := "عنوان\n\nفقرة أولى\n\nسطر\n\n• بند ١\n• بند ٢\n\nأخيرة & نهاية"
	if got := HTMLToText(in); got != want {
		t.Errorf("HTMLToText:\n got %q\nwant %q", got, want)
	}
}

func TestWindows1256(t *testing.T) {
	for _, f := range []string{"cp1256-budget.txt", "cp1256-satellite.html"} {
		raw, err := os.ReadFile(fixture(f))
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(raw) {
			t.Errorf("%s is valid UTF-8; it must hold Windows-1256 bytes (go generate)", f)
		}
	}
	// The same Arabic, in both encodings, parses to the same bytes.
	utf := "اقتصاد\n\nعنوان الخبر\n\nنص الخبر الأول هنا.\n"
	win := []byte{0xc7, 0xde, 0xca, 0xd5, 0xc7, 0xcf, '\n', '\n', 0xda, 0xe4, 0xe6, 0xc7, 0xe4, ' ', 0xc7, 0xe1, 0xce, 0xc8, 0xd1, '\n', '\n',
		0xe4, 0xd5, ' ', 0xc7, 0xe1, 0xce, 0xc8, 0xd1, ' ', 0xc7, 0xe1, 0xc3, 0xe6, 0xe1, ' ', 0xe5, 0xe4, 0xc7, '.', '\n'}
	a1, err1 := Parse("u.txt", []byte(utf), at("2026-11-20T00:00:00Z"), opts())
	a2, err2 := Parse("w.txt", win, at("2026-11-20T00:00:00Z"), opts())
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a1[0].Title != a2[0].Title || a1[0].Category != a2[0].Category || a1[0].BodyHTML != a2[0].BodyHTML {
		t.Errorf("Windows-1256 decoded differently: %q %q %q", a2[0].Category, a2[0].Title, a2[0].BodyHTML)
	}
}
