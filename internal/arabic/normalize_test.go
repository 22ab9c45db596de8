package arabic

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		rule, in, want string
	}{
		{"fatha kasra damma", "كَتَبَ", "كتب"},
		{"tanween", "شكراً كتابٌ", "شكرا كتاب"},
		{"shadda and sukun", "محمّد قُلْ", "محمد قل"},
		{"superscript alef", "هٰذا", "هذا"},
		{"quranic marks", "الرَّحِيمِ \u06dd ۖ", "الرحيم \u06dd "},
		{"tatweel", "تسـعة جـــميل", "تسعه جميل"},
		{"alef hamza above", "أحمد", "احمد"},
		{"alef hamza below", "إسلام", "اسلام"},
		{"alef madda", "آخر", "اخر"},
		{"alef wasla", "ٱلحمد", "الحمد"},
		{"alef maqsura", "مستشفى على", "مستشفي علي"},
		{"taa marbuta", "مدرسة الجامعة", "مدرسه الجامعه"},
		{"persian kaf and yeh", "کتاب ی", "كتاب ي"},
		{"arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"extended arabic-indic digits", "۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"arabic decimal and percent", "٢٫٥٪", "2.5%"},
		{"arabic thousands separator", "١٬٠٠٠", "1,000"},
		{"latin lower-cased", "CNN Reuters", "cnn reuters"},
		{"non-ascii latin lower-cased", "ÉCOLE", "école"},
		{"full-width latin", "ＡＢＣ", "abc"},
		{"presentation forms", "ﻻ ﷲ", "لا الله"},
		{"combining hamza composes", "ا\u0654", "ا"},
		{"zero-width and direction marks", "a\u200bb\u200fc\u200ed\ufeff", "abcd"},
		{"punctuation and spaces kept", "قال: «نعم»، ثم مضى؟", "قال: «نعم»، ثم مضي؟"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"وزير الخارجية، سيرجي لافروف.", []string{"وزير", "الخارجيه", "سيرجي", "لافروف"}},
		{"نسبة 5.25% و١٬٠٠٠ دولار", []string{"نسبه", "5.25", "و1,000", "دولار"}},
		{"شبكة CNN وموقع BBC-Arabic", []string{"شبكه", "cnn", "وموقع", "bbc", "arabic"}},
		{"covid19 وG20", []string{"covid19", "وg20"}},
		{"انتهى. 2024.", []string{"انتهي", "2024"}},
		{"...؟!", nil},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStems(t *testing.T) {
	tests := []struct {
		rule, in string
		want     []string
	}{
		{"root waw kept", "وزير", []string{"وزير"}},
		{"root waw kept in derived forms", "وزارة الوزراء", []string{"وزار", "وزراء"}},
		{"conjunction before root waw", "ووزير", []string{"وزير"}},
		{"conjunction waw stripped", "وكتاب", []string{"كتاب"}},
		{"stop word behind conjunction", "والتي فإن لهذا وهو", nil},
		{"stop words", "في من على إلى التي هذا", nil},
		{"article", "الكتاب", []string{"كتاب"}},
		{"article with prepositions", "بالمدرسة كالبحر للتعاون", []string{"مدرس", "بحر", "تعا"}},
		{"conjunction and article", "والسيارات فالمدينة", []string{"سيار", "مدين"}},
		{"plural suffixes", "المعلمون المعلمين المعلمات", []string{"معلم", "معلم", "معلم"}},
		{"dual and pronoun suffixes", "كتابان كتابها", []string{"كتاب", "كتاب"}},
		{"nisba and taa marbuta", "الروسية الروسي", []string{"روس", "روس"}},
		{"hamza and diacritics folded first", "أُسْرَةٌ", []string{"اسر"}},
		{"two letters are kept", "الدم", []string{"دم"}},
		{"numbers kept", "٢٠٢٤ 5.25", []string{"2024", "5.25"}},
		{"latin kept, english stop words dropped", "The CNN report", []string{"cnn", "report"}},
		{"single letters dropped", "و ب x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got := Stems(tt.in)
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Stems(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsStopWord(t *testing.T) {
	for _, w := range []string{"التي", "والتي", "فان", "لهذا", "بذلك", "وقد"} {
		if !IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = false", w)
		}
	}
	for _, w := range []string{"وزير", "كتاب", "بيونج", "لافروف"} {
		if IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = true", w)
		}
	}
}

func FuzzStems(f *testing.F) {
	for _, s := range []string{"وزير الخارجية", "والتي", "٢٫٥٪", "ﻻ", "a\u0654", "", "و", "ال", "\xff\xfe", "CNN-5.25.", "ـــ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		for _, st := range Stems(s) {
			if st == "" || strings.ContainsAny(st, " \t\n") {
				t.Fatalf("Stems(%q) has bad stem %q", s, st)
			}
		}
	})
}
