package arabic

import (
	"flag"
	"os"
	"path/filepath"
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
			total := len(strings.Fields(text))
			if words < total && n > 2*words+25 {
				t.Errorf("%s: asked %d words, got %d", name, words, n)
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
