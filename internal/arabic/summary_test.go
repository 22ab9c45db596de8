package arabic

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// body drops the category and title lines of a scraped-page fixture and
// stops at the explicit summary.
func body(t testing.TB, name string) (title, text string) {
	lines := strings.Split(fixture(t, name), "\n")
	var keep []string
	for _, l := range lines[3:] {
		if strings.TrimSpace(l) == "الخلاصة" {
			break
		}
		keep = append(keep, l)
	}
	return strings.TrimSpace(lines[2]), strings.Join(keep, "\n")
}

func TestSummarizeGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		words int
	}{
		{"economy.txt", 40}, {"economy.txt", 80}, {"health.txt", 40}, {"health.txt", 0},
	} {
		title, text := body(t, tt.name)
		got := Summarize(title, text, tt.words) + "\n"
		golden := filepath.Join("testdata", strings.TrimSuffix(tt.name, ".txt")+"-"+itoa(tt.words)+".golden")
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s, %d words:\n got %q\nwant %q", tt.name, tt.words, got, want)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "default"
	}
	return strconv.Itoa(n)
}

// TestSummarizeProperties: whole original sentences, in order, about the
// asked length, never the title.
func TestSummarizeProperties(t *testing.T) {
	for _, name := range []string{"economy.txt", "health.txt"} {
		title, text := body(t, name)
		sents := Sentences(text)
		for _, words := range []int{10, 25, 40, 60, 100, 1000} {
			sum := Summarize(title, text, words)
			if sum == "" {
				t.Fatalf("%s %d: empty summary", name, words)
			}
			if cut, ok := strings.CutSuffix(sum, " …"); ok {
				// A first sentence over 1.5×words, cut.
				if !slices.ContainsFunc(sents, func(s string) bool { return strings.HasPrefix(s, cut) }) || len(strings.Fields(cut)) > words {
					t.Errorf("%s %d: %q is not the first sentence cut at %d words", name, words, sum, words)
				}
				continue
			}
			// Re-find each chosen sentence, in order.
			rest, pos, n := sum, -1, 0
			for rest != "" {
				found := false
				for i := pos + 1; i < len(sents); i++ {
					if strings.HasPrefix(rest, sents[i]) {
						rest = strings.TrimPrefix(strings.TrimPrefix(rest, sents[i]), " ")
						pos, found = i, true
						n += len(strings.Fields(sents[i]))
						break
					}
				}
				if !found {
					t.Fatalf("%s %d: %q is not whole sentences of the text in order", name, words, rest)
				}
			}
			if n > words*3/2 {
				t.Errorf("%s: asked %d words, got %d (over 1.5×)", name, words, n)
			}
			if Normalize(sum) == Normalize(title) {
				t.Errorf("%s: summary is the title", name)
			}
		}
	}
	// A title repeated as the first line of the body is never chosen.
	title := "الحكومة تعلن خطة جديدة للنقل العام"
	text := title + "\nأعلنت الحكومة خطة جديدة لتطوير النقل العام تشمل خطوط حافلات وقطارات. وتبلغ كلفة الخطة مليار دولار على خمس سنوات."
	if sum := Summarize(title, text, 30); strings.Contains(sum, title) {
		t.Errorf("summary repeats the title: %q", sum)
	}
	if got := Summarize("", "", 30); got != "" {
		t.Errorf("empty text: %q", got)
	}
}

// TestSummarizeLead: the lead with its clean-up, case by case.
func TestSummarizeLead(t *testing.T) {
	long := strings.Repeat("كلمة ", 100) + "نهاية."
	tests := []struct {
		name, title, text string
		words             int
		want              string
	}{
		{"whole sentences while they bring the length closer", "", "العنوان الفرعي\n\n" + strings.Repeat("ك ", 29) + "أولى. " + strings.Repeat("ك ", 29) + "ثانية. جملة ثالثة لا تدخل.", 60,
			strings.Repeat("ك ", 29) + "أولى. " + strings.Repeat("ك ", 29) + "ثانية."},
		{"a sentence that would overshoot more than it fills is left out", "", "جملة أولى من خمس كلمات. " + strings.Repeat("ك ", 20) + "طويلة.", 8,
			"جملة أولى من خمس كلمات."},
		{"headings and list items skipped", "", "أهم النقاط\n\n• بند أول.\n• بند ثانٍ.\n\nالفقرة الأولى هنا؟ نعم هنا.", 60, "الفقرة الأولى هنا؟ نعم هنا."},
		{"only list items", "", "• بند أول.\n• بند ثانٍ.", 60, "بند أول. بند ثانٍ."},
		{"a long first sentence cut at a word", "", long, 60, strings.TrimSpace(strings.Repeat("كلمة ", 60)) + " …"},
		{"a long first sentence cut at a comma", "", strings.Repeat("كلمة ", 40) + "فاصلة، " + long, 60, strings.TrimSpace(strings.Repeat("كلمة ", 40)) + " فاصلة …"},
		{"decimal and abbreviation", "", "ارتفع السهم 3.5 في المئة في U.S. اليوم. ثم هبط.", 60, "ارتفع السهم 3.5 في المئة في U.S. اليوم. ثم هبط."},
		{"dateline dropped", "", "الرياض (واس) - أعلنت وزارة المالية ميزانية العام المقبل. وتبلغ النفقات تريليون ريال.", 60,
			"أعلنت وزارة المالية ميزانية العام المقبل. وتبلغ النفقات تريليون ريال."},
		{"dependent opening skipped", "تعديل وزاري", "وأضاف أن التعديل يشمل خمس وزارات.\n\nأعلن رئيس الوزراء تعديلاً وزارياً واسعاً. وأضاف أن التعديل يشمل خمس وزارات.", 60,
			"أعلن رئيس الوزراء تعديلاً وزارياً واسعاً. وأضاف أن التعديل يشمل خمس وزارات."},
		{"the title is not quoted", "قمة الرياض", "قمة الرياض\nانطلقت القمة اليوم بحضور القادة.", 60, "انطلقت القمة اليوم بحضور القادة."},
		{"empty", "", "", 60, ""},
	}
	for _, tt := range tests {
		if got := Summarize(tt.title, tt.text, tt.words); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestDependsOnPrevious(t *testing.T) {
	for _, s := range []string{"وأضاف أن الاتفاق نهائي.", "وتابعت: «لن نتراجع».", "هذا ما أكده الوزير.", "وذلك بعد اجتماع طويل.",
		"هؤلاء هم الفائزون.", "إلى ذلك، أعلنت الشرطة.", "علاوة على ذلك ارتفعت الأسعار.", "من جهته، رحب الاتحاد بالقرار.",
		"غير أن المعارضة رفضت.", "لكنه لم يحدد موعداً."} {
		if !DependsOnPrevious(s) {
			t.Errorf("DependsOnPrevious(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"أعلنت الوزارة خطة جديدة.", "وقال الوزير إن الخطة جاهزة.", "في الرياض، انطلقت القمة.", "وقد أعلنت الشركة أرباحها.", ""} {
		if DependsOnPrevious(s) {
			t.Errorf("DependsOnPrevious(%q) = true, want false", s)
		}
	}
}
