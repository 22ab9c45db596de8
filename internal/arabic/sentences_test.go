package arabic

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		rule, in string
		want     []string
	}{
		{"full stop", "ذهب الولد. عاد المساء.", []string{"ذهب الولد.", "عاد المساء."}},
		{"arabic question mark and exclamation", "هل انتهى؟ نعم! انتهى", []string{"هل انتهى؟", "نعم!", "انتهى"}},
		{"arabic semicolon", "تأخر القطار؛ إذ تعطل المحرك.", []string{"تأخر القطار؛", "إذ تعطل المحرك."}},
		{"line breaks", "السطر الأول\nالسطر الثاني\r\n\r\nالثالث", []string{"السطر الأول", "السطر الثاني", "الثالث"}},
		{"bullets", "• البند الأول.\n  • البند الثاني\n- البند الثالث\n* الرابع", []string{"البند الأول.", "البند الثاني", "البند الثالث", "الرابع"}},
		{"inline bullets", "أولاً • ثانياً · ثالثاً", []string{"أولاً", "ثانياً", "ثالثاً"}},
		{"decimal", "بلغ التضخم 5.25% هذا العام. ثم تراجع.", []string{"بلغ التضخم 5.25% هذا العام.", "ثم تراجع."}},
		{"arabic decimal", "نما بنسبة ٢٫٥٪ فقط. وهذا قليل.", []string{"نما بنسبة ٢٫٥٪ فقط.", "وهذا قليل."}},
		{"latin initials", "كتبت J. K. Rowling الرواية. ونجحت.", []string{"كتبت J. K. Rowling الرواية.", "ونجحت."}},
		{"latin abbreviation", "التقى Dr. Smith بالوفد في U.S. أمس.", []string{"التقى Dr. Smith بالوفد في U.S. أمس."}},
		{"arabic one-letter abbreviation", "صرح د. أحمد بأن م. خالد سافر.", []string{"صرح د. أحمد بأن م. خالد سافر."}},
		{"year marker ends sentence", "ولد عام 1770 م. ثم انتقل.", []string{"ولد عام 1770 م.", "ثم انتقل."}},
		{"hijri year marker", "توفي سنة 1445 هـ. ودفن في مكة.", []string{"توفي سنة 1445 هـ.", "ودفن في مكة."}},
		{"quotation kept whole", "قال: «سنواصل. ولن نتوقف» ثم غادر.", []string{"قال: «سنواصل. ولن نتوقف» ثم غادر."}},
		{"ascii quotation kept whole", `قال: "نعم. لا" ومضى.`, []string{`قال: "نعم. لا" ومضى.`}},
		{"closing quote stays with sentence", "قال «انتهى.» ثم خرج.", []string{"قال «انتهى.» ثم خرج."}},
		{"closing bracket after stop", "(انتهى الأمر.) ثم بدأ.", []string{"(انتهى الأمر.)", "ثم بدأ."}},
		{"unclosed quote does not swallow text", "قال «نعم. ثم مضى.", []string{"قال «نعم.", "ثم مضى."}},
		{"ellipsis", "وانتظر... ثم رحل.", []string{"وانتظر...", "ثم رحل."}},
		{"glued arabic sentences", "التاسعة.فجاءت رسالته", []string{"التاسعة.", "فجاءت رسالته"}},
		{"url kept", "زوروا www.example.com للمزيد.", []string{"زوروا www.example.com للمزيد."}},
		{"punctuation only joins previous", "انتهى. ...", []string{"انتهى. ..."}},
		{"bom", "\ufeffالأول. الثاني.", []string{"الأول.", "الثاني."}},
		{"empty", " \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := Sentences(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSentencesFixture checks the splitter on an article written for these
// tests (decimals, abbreviations, quotes, Latin names, bullets).
func TestSentencesFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/sentences.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`قال الرئيس: "سنواصل العمل. ولن نتوقف" ثم غادر القاعة.`,
		"ارتفع المؤشر 2.5 نقطة، وبلغ 10.250 نقطة في ختام التداول.",
		"التقى د. أحمد زويل بالسيد J. K. Rowling في لندن.",
		"هل انتهى الاجتماع؟",
		"نعم، انتهى بعد ساعتين!",
		"عاش في القرن الرابع ق.م. وكان فيلسوفاً.",
		"البند الأول من القائمة",
		"البند الثاني من القائمة",
		"وُلد عام 1770 م.",
		"ثم انتقل إلى فيينا.",
	}
	if got := Sentences(string(b)); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSentencesSample splits the shared sample article (a scraped page).
func TestSentencesSample(t *testing.T) {
	b := readShared(t, "samples", "000_9d367565de3867f9.txt")
	got := Sentences(string(b))
	checks := map[int]string{
		0:  "اخبار سياسية",
		1:  "لافروف يصل إلى كوريا الشمالية لتعزيز التعاون الثنائي",
		3:  "بدأ وزير الخارجية الروسي سيرجي لافروف زيارة إلى كوريا الشمالية، والتي تستمر حتى 13 يوليو الجاري، حيث يجري خلال هذه الفترة محادثات مع مسؤولين في بيونج يانج.",
		6:  "تستمر الزيارة حتى 13 يوليو، وتشمل محادثات مع مسؤولين في بيونج يانج.",
		16: "وبحسب تقرير حصلت عليه شبكة CNN، فإن البلاد تخطط لزيادة عدد قواتها المجهزة إلى ثلاثة أضعاف، وأن القوات قد تصل إلى روسيا خلال الأشهر القادمة للمشاركة في العمليات العسكرية، بعد أن أشارت تقديرات غربية إلى مقتل أو إصابة حوالي 4000 جندي كوري شمالي خلال العمليات السابقة.",
		17: "الخلاصة",
		20: "زر الذهاب إلى الأعلى",
	}
	if len(got) != 21 {
		t.Fatalf("got %d sentences, want 21:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, w := range checks {
		if got[i] != w {
			t.Errorf("sentence %d = %q, want %q", i, got[i], w)
		}
	}
	for _, s := range got {
		if strings.HasPrefix(s, "•") || strings.TrimSpace(s) != s {
			t.Errorf("bullet or space left in %q", s)
		}
	}
}

// readShared reads a file under ../shared (testkit.SharedDir), or skips
// the test when it is absent.
func readShared(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{testkit.SharedDir(t)}, elem...)...))
	if err != nil {
		t.Skipf("shared data absent (%v): run from a checkout beside ../shared", err)
	}
	return b
}

func FuzzSentences(f *testing.F) {
	for _, s := range []string{"أ. ب. ج.", "«قال. نعم»", "5.25%. ثم", "\"", "...", "• - *", "ق.م.", "x.y.z", "", "\ufeff.", "هـ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Sentences(s)
		// Every sentence is trimmed, non-empty text taken from the input.
		for _, x := range got {
			if x == "" || strings.TrimSpace(x) != x {
				t.Fatalf("Sentences(%q): bad sentence %q", s, x)
			}
			if strings.ContainsAny(x, "\n\r") {
				t.Fatalf("Sentences(%q): line break inside %q", s, x)
			}
		}
		// No letter or digit is lost or invented.
		if a, b := wordRunes(s), wordRunes(strings.Join(got, " ")); a != b {
			t.Fatalf("Sentences(%q) lost text: %q vs %q", s, a, b)
		}
	})
}

func wordRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if isWordRune(r) && r != '\ufeff' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
