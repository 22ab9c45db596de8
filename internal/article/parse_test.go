package article

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

var riyadh = time.FixedZone("+03", 3*3600)

func opts() Options { return Options{Location: riyadh} }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// parseOne parses a fixture that holds exactly one article.
func parseOne(t *testing.T, name string) Article {
	t.Helper()
	arts, err := ParseFile(fixture(name), opts())
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", name, err)
	}
	if len(arts) != 1 {
		t.Fatalf("ParseFile(%s): %d articles, want 1", name, len(arts))
	}
	return arts[0]
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		file                      string
		title, subtitle, category string
		author, image, sourceURL  string
		key, slug                 string
		tags                      []string
		published, updated        string
		summary                   string // prefix
		explicit                  bool
		draft                     bool
		bodyHTML, bodyText        []string // substrings
		notBody                   []string
	}{
		{
			file: "politics-summit.txt", title: "قمة عربية طارئة في الرياض لبحث الأمن الإقليمي",
			subtitle: "القادة يناقشون خطة مشتركة لخفض التوتر في المنطقة", category: "سياسة",
			key: "file:politics-summit", slug: "politics-summit",
			published: "2026-11-21T10:00:00+03:00", updated: "2026-11-21T10:00:00+03:00",
			summary: "اختتمت القمة يومها الأول بالاتفاق على خطة مشتركة", explicit: true,
			bodyHTML: []string{"<h2>أبرز الملفات على جدول الأعمال</h2>", "<li>خطة مشتركة لخفض التوتر على الحدود وتبادل المعلومات الأمنية.</li>",
				"<li>دعت مصر إلى آلية متابعة دائمة لتنفيذ القرارات.</li>", "<p>انطلقت في العاصمة السعودية الرياض"},
			bodyText: []string{"• إنشاء صندوق عربي لإعادة الإعمار بتمويل من الدول الأعضاء."},
			notBody:  []string{"مقالات ذات صلة", "وزراء الخارجية العرب يجتمعون", "زر الذهاب إلى الأعلى", "2026-11-21", "·"},
		},
		{
			file: "politics-elections.txt", title: "انتخابات بلدية في تونس بمشاركة تفوق التوقعات", category: "سياسة",
			key: "file:politics-elections", slug: "politics-elections",
			published: "2026-11-23T18:30:00+03:00", updated: "2026-11-23T18:30:00+03:00",
			summary:  "أغلقت مراكز الاقتراع في تونس أبوابها مساء اليوم",
			bodyHTML: []string{"<ol>\n<li>إعلان النتائج الأولية خلال ثمان وأربعين ساعة.</li>", "<h2>مراحل إعلان النتائج</h2>"},
			notBody:  []string{"شارك هذا المقال", "زر الذهاب إلى الأعلى"},
		},
		{
			file: "economy-oil.md", title: "أسعار النفط ترتفع بعد قرار أوبك+ تمديد خفض الإنتاج", category: "اقتصاد",
			author: "سارة العتيبي", image: "https://nashra.example/images/oil.jpg",
			key: "file:oil-prices-opec", slug: "oil-prices-opec", tags: []string{"نفط", "أوبك", "طاقة"},
			published: "2026-11-22T08:15:00+03:00", updated: "2026-11-22T11:40:00+03:00",
			summary: "ارتفعت أسعار خام برنت أكثر من اثنين في المئة", explicit: true,
			bodyHTML: []string{"<strong>أوبك+</strong>", "<h2>تحركات الأسعار</h2>", "<td>برنت</td>",
				`<a href="https://nashra.example/analysis/opec" rel="nofollow noopener">يعكس حرص المنتجين</a>`, "<blockquote>"},
		},
		{
			file: "economy-markets.md", title: "البورصة المصرية تغلق على مكاسب قوية بدعم من أسهم البنوك", category: "اقتصاد",
			author: "محمد عبد الله", key: "file:economy-markets", slug: "economy-markets", tags: []string{"بورصة", "مصر", "أسهم"},
			published: "2026-11-25T15:00:00+03:00", updated: "2026-11-25T15:00:00+03:00",
			summary:  "أغلقت البورصة المصرية تعاملات اليوم على ارتفاع جماعي لمؤشراتها",
			bodyHTML: []string{"<h3>القطاعات الأكثر ارتفاعاً</h3>", "<li>العقارات.</li>"},
		},
		{
			file: "sports-final.html", title: "الهلال يتوج بلقب دوري أبطال آسيا للمرة الخامسة", category: "رياضة",
			author: "خالد الشمري", image: "https://nashra.example/images/hilal-final.jpg",
			sourceURL: "https://nashra.example/sports/hilal-asia-final", key: "https://nashra.example/sports/hilal-asia-final",
			slug: "sports-final", tags: []string{"كرة القدم", "الهلال", "دوري أبطال آسيا"},
			published: "2026-11-24T22:45:00+03:00", updated: "2026-11-25T09:10:00+03:00",
			summary: "فاز الهلال السعودي على أوراوا الياباني بهدفين دون رد", explicit: true,
			bodyHTML: []string{"<li>أقصى فريق العين الإماراتي في نصف النهائي.</li>", `<img src="https://nashra.example/images/hilal-fans.jpg" alt="جماهير الهلال تحتفل"/>`},
			notBody:  []string{"tracking", "alert", "الرئيسية", "جميع الحقوق محفوظة", "اشترك", "<h2>الهلال يتوج"},
		},
		{
			file: "tech-ai.html", title: "جامعة الملك عبدالله تطلق نموذجاً لغوياً عربياً مفتوح المصدر", category: "تقنية",
			author: "ليلى حداد", image: "https://nashra.example/images/arabic-llm.png",
			sourceURL: "https://nashra.example/tech/arabic-llm", key: "https://nashra.example/tech/arabic-llm",
			slug: "tech-ai", tags: []string{"ذكاء اصطناعي", "لغة عربية"},
			published: "2026-11-27T13:00:00+03:00", updated: "2026-11-27T13:00:00+03:00",
			summary: "أطلقت جامعة الملك عبدالله للعلوم والتقنية نموذجاً لغوياً كبيراً", explicit: true,
			bodyHTML: []string{"<td>ثلاثون ملياراً</td>", "<h3>أرقام رئيسية</h3>"},
			notBody:  []string{"تسجيل الدخول"},
		},
		{
			file: "cp1256-budget.txt", title: "ميزانية تونس للعام المقبل تركز على الاستثمار", category: "اقتصاد",
			key: "file:cp1256-budget", slug: "cp1256-budget",
			published: "2026-11-24T12:00:00+03:00", updated: "2026-11-24T12:00:00+03:00",
			summary: "ميزانية توسعية تراهن على الاستثمار العمومي لدفع النمو.", explicit: true,
			bodyHTML: []string{"<li>تخصيص مليار دينار لمشاريع البنية التحتية.</li>"},
		},
		{
			file: "cp1256-satellite.html", title: "الجزائر تطلق قمراً صناعياً جديداً للاتصالات", category: "تقنية",
			key: "file:cp1256-satellite", slug: "cp1256-satellite",
			published: "2026-11-26T16:20:00+03:00", updated: "2026-11-26T16:20:00+03:00",
			summary:  "أطلقت الجزائر اليوم قمراً صناعياً جديداً للاتصالات من قاعدة إطلاق في الصين",
			bodyText: []string{"وقالت وكالة الفضاء الجزائرية إن القمر سيدخل الخدمة الفعلية"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := parseOne(t, tt.file)
			checks := []struct{ field, got, want string }{
				{"Title", a.Title, tt.title}, {"Subtitle", a.Subtitle, tt.subtitle},
				{"Category", a.Category, tt.category}, {"Author", a.Author, tt.author},
				{"Image", a.Image, tt.image}, {"SourceURL", a.SourceURL, tt.sourceURL},
				{"Key", a.Key, tt.key}, {"Slug", a.Slug, tt.slug}, {"Language", a.Language, "ar"},
				{"ID", a.ID, IDFor(tt.key)}, {"SourcePath", a.SourcePath, fixture(tt.file)},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
			if !slices.Equal(a.Tags, tt.tags) {
				t.Errorf("Tags = %q, want %q", a.Tags, tt.tags)
			}
			if !a.Published.Equal(at(tt.published)) || !a.Updated.Equal(at(tt.updated)) {
				t.Errorf("Published, Updated = %v, %v; want %s, %s", a.Published, a.Updated, tt.published, tt.updated)
			}
			if !strings.HasPrefix(a.Summary, tt.summary) || a.SummaryExplicit != tt.explicit {
				t.Errorf("Summary (explicit %v) = %q, want prefix %q (explicit %v)", a.SummaryExplicit, a.Summary, tt.summary, tt.explicit)
			}
			if a.Draft != tt.draft {
				t.Errorf("Draft = %v", a.Draft)
			}
			for _, s := range tt.bodyHTML {
				if !strings.Contains(a.BodyHTML, s) {
					t.Errorf("BodyHTML lacks %q:\n%s", s, a.BodyHTML)
				}
			}
			for _, s := range tt.bodyText {
				if !strings.Contains(a.BodyText, s) {
					t.Errorf("BodyText lacks %q:\n%s", s, a.BodyText)
				}
			}
			for _, s := range tt.notBody {
				if strings.Contains(a.BodyHTML, s) || strings.Contains(a.BodyText, s) {
					t.Errorf("body keeps %q", s)
				}
			}
			if a.BodyText == "" || strings.Contains(a.BodyText, "<") {
				t.Errorf("BodyText is empty or has markup: %q", a.BodyText)
			}
			assertClean(t, a)
		})
	}
}

func TestParseJSONArray(t *testing.T) {
	arts, err := ParseFile(fixture("news.json"), opts())
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ key, slug, category, author, summary string }
	wants := []want{
		{"https://nashra.example/economy/morocco-desalination", "news-1", "اقتصاد", "يوسف بنعلي", "افتتح المغرب في الدار البيضاء محطة"},
		{"https://nashra.example/sports/jordan-world-cup", "news-2", "رياضة", "رامي النعيمي", "حقق منتخب الأردن لكرة القدم إنجازاً تاريخياً"},
		{"file:news-3", "news-3", "سياسة", "نورة الصباح", "أقر مجلس الأمة الكويتي"},
	}
	if len(arts) != len(wants) {
		t.Fatalf("%d articles, want %d", len(arts), len(wants))
	}
	for i, w := range wants {
		a := arts[i]
		if a.Key != w.key || a.Slug != w.slug || a.Category != w.category || a.Author != w.author || !strings.HasPrefix(a.Summary, w.summary) {
			t.Errorf("[%d] = key %q slug %q cat %q author %q summary %q; want %+v", i, a.Key, a.Slug, a.Category, a.Author, a.Summary, w)
		}
		assertClean(t, a)
	}
	if !arts[0].SummaryExplicit || arts[1].SummaryExplicit {
		t.Errorf("SummaryExplicit = %v, %v; want true, false", arts[0].SummaryExplicit, arts[1].SummaryExplicit)
	}
	if got := strings.Count(arts[1].BodyHTML, "<p>"); got != 3 {
		t.Errorf("content_text gave %d paragraphs, want 3:\n%s", got, arts[1].BodyHTML)
	}
	if !arts[1].Updated.Equal(at("2026-11-27T08:00:00+03:00")) {
		t.Errorf("Updated = %v", arts[1].Updated)
	}
}

func TestParseJSONPartial(t *testing.T) {
	arts, err := ParseFile("testdata/broken.json", opts())
	if len(arts) != 2 {
		t.Fatalf("%d good articles, want 2", len(arts))
	}
	// Slugs follow the array position, so the third element stays "-3".
	if arts[0].Slug != "broken-1" || arts[1].Slug != "broken-3" {
		t.Errorf("slugs %q, %q; want broken-1, broken-3", arts[0].Slug, arts[1].Slug)
	}
	fes := FileErrors(err)
	if len(fes) != 1 {
		t.Fatalf("FileErrors = %v, want one (err %v)", fes, err)
	}
	fe := fes[0]
	if fe.Path != "testdata/broken.json" || fe.Line != 8 || fe.Field != "[1].published" {
		t.Errorf("FileError = %+v, want path testdata/broken.json line 8 field [1].published", fe)
	}
	msg := err.Error()
	for _, s := range []string{"testdata/broken.json:8", "[1].published", "الأسبوع الماضي"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
}

func TestParseErrors(t *testing.T) {
	mod := at("2026-11-20T00:00:00+03:00")
	tests := []struct {
		name, data string
		is         error  // errors.Is target, or nil
		field      string // FileError.Field
		line       int
		msg        string // substring of Error()
	}{
		{"a.pdf", "%PDF", ErrUnsupported, "", 0, "a.pdf: unsupported file type"},
		{"one-line.txt", "سياسة\n", ErrNoTitle, "title", 1, "missing title"},
		{"empty.txt", "\n\n", ErrNoContent, "", 0, "no article content"},
		{"no-title.md", "---\ndate: 2026-11-21\n---\nنص بلا عنوان.\n", ErrNoTitle, "title", 1, "missing title"},
		{"bad-yaml.md", "---\ntitle: عنوان\ntags: [a, b\n---\nنص.\n", nil, "front matter", 3, "bad YAML"},
		{"bad-date.md", "---\ntitle: عنوان\ndate: أمس\n---\nنص.\n", nil, "date", 3, `cannot read date "أمس"`},
		{"bad-draft.md", "---\ntitle: عنوان\ndraft: ربما\n---\nنص.\n", nil, "draft", 3, "want true or false"},
		{"unclosed.md", "---\ntitle: عنوان\n", nil, "front matter", 1, `no closing "---"`},
		{"syntax.json", "[\n{\"title\": \"أ\", \"content_text\": \"ب\"},\n{\"title\": }\n]", nil, "", 3, "bad JSON"},
		{"scalar.json", "\"نص\"", nil, "", 1, "want a JSON object or an array"},
		{"type.json", "{\"title\": \"عنوان\", \"tags\": \"وسم\", \"content_text\": \"نص.\"}", nil, "tags", 1, "want []string"},
		{"no-content.json", "{\"title\": \"عنوان\"}", ErrNoContent, "content_html", 1, "both empty"},
		{"binary.txt", "\x00\x01\x02\xff\xfe\x00\x9c\x81", ErrEncoding, "", 0, "not Windows-1256"},
		{"latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9e\nune recette fran\xe7aise tr\xe8s simple", ErrEncoding, "", 0, "not valid UTF-8 (byte offset 3)"},
		{"lying.html", "<meta charset=\"utf-8\"><title>\xc7\xe1\xca</title>", ErrEncoding, "", 0, `declares charset "utf-8"`},
		{"nothing.html", "<html><head><title></title></head><body></body></html>", ErrNoTitle, "title", 0, "missing title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts, err := Parse(tt.name, []byte(tt.data), mod, opts())
			if err == nil {
				t.Fatalf("no error; articles %+v", arts)
			}
			// A syntax error after a good element keeps that element.
			if want := map[string]int{"syntax.json": 1}[tt.name]; len(arts) != want {
				t.Errorf("%d articles with the error, want %d", len(arts), want)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FileError", err, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if fe.Path != tt.name || fe.Field != tt.field || fe.Line != tt.line {
				t.Errorf("FileError{Path %q, Line %d, Field %q}, want {%q, %d, %q}", fe.Path, fe.Line, fe.Field, tt.name, tt.line, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "article: "+tt.name) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Error() = %q, want it to name the file and say %q", err.Error(), tt.msg)
			}
		})
	}
	if _, err := ParseFile("testdata/missing.txt", opts()); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseDefaults(t *testing.T) {
	mod := time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC)
	// No date anywhere: the modification time. No language: the default.
	arts, err := Parse("dir/خبر عاجل (1).md", []byte("# عنوان من المتن\n\nجملة أولى هنا. جملة ثانية هناك.\n"), mod, Options{Language: "en", Summarize: func(title, text string) string {
		return "ملخص: " + title
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := arts[0]
	if a.Title != "عنوان من المتن" || strings.Contains(a.BodyHTML, "عنوان من المتن") {
		t.Errorf("title from # heading: %q, body %q", a.Title, a.BodyHTML)
	}
	if !a.Published.Equal(mod) || !a.Updated.Equal(mod) {
		t.Errorf("Published %v, Updated %v, want the mod time", a.Published, a.Updated)
	}
	if a.Language != "en" || a.Slug != "خبر-عاجل-1" || a.Key != "file:خبر-عاجل-1" {
		t.Errorf("Language %q Slug %q Key %q", a.Language, a.Slug, a.Key)
	}
	if a.Summary != "ملخص: عنوان من المتن" || a.SummaryExplicit {
		t.Errorf("Summarize not used: %q %v", a.Summary, a.SummaryExplicit)
	}
	// Front matter language, draft, a zone-less date in Options.Location.
	arts, err = Parse("x.md", []byte("---\ntitle: Title\nlanguage: EN_us\ndraft: true\ndate: 2026-11-21 09:30\n---\nBody.\n"), mod, opts())
	if err != nil {
		t.Fatal(err)
	}
	if a := arts[0]; a.Language != "en-us" || !a.Draft || !a.Published.Equal(at("2026-11-21T09:30:00+03:00")) {
		t.Errorf("Language %q Draft %v Published %v", a.Language, a.Draft, a.Published)
	}
}

// TestReimportStable: parsing the same files again gives the same IDs, and
// every ID is IDFor(Key); no two fixtures share a key.
func TestReimportStable(t *testing.T) {
	seen := map[string]string{}
	err := Walk(fixtureDirs, func(p string) error {
		if strings.Contains(p, "broken") {
			return nil
		}
		a1, err1 := ParseFile(p, opts())
		a2, err2 := ParseFile(p, opts())
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		for i := range a1 {
			if a1[i].ID != a2[i].ID || a1[i].ID != IDFor(a1[i].Key) {
				t.Errorf("%s: unstable ID %q / %q", p, a1[i].ID, a2[i].ID)
			}
			if other, dup := seen[a1[i].Key]; dup {
				t.Errorf("%s and %s share key %q", p, other, a1[i].Key)
			}
			seen[a1[i].Key] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
