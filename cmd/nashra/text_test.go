package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/arabic"
)

const textFixtures = "../../internal/arabic/testdata"

func fx(name string) string { return filepath.Join(textFixtures, name) }

// runText runs `nashra args...` in-process and returns stdout, stderr and
// the command's error.
func runText(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("NASHRA_CONFIG", "")
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

// jsonLines decodes one JSON object per line into a slice of T.
func jsonLines[T any](t *testing.T, s string) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		out = append(out, v)
	}
	return out
}

type summaryLine struct {
	File    string `json:"file"`
	Summary string `json:"summary"`
}

type relatedLine struct {
	File    string         `json:"file"`
	Related []relatedEntry `json:"related"`
}

type relatedEntry struct {
	File  string  `json:"file"`
	Score float64 `json:"score"`
}

func TestTextSummarize(t *testing.T) {
	words := func(s string) int { return len(strings.Fields(s)) }
	tests := []struct {
		name       string
		args       []string
		files      int
		minW, maxW int      // summary length bounds (words)
		want, not  []string // substrings each summary must / must not contain
	}{
		{
			name: "scraped page, explicit summary wins", args: []string{"--words", "20", fx("economy.txt")},
			files: 1, minW: 5, maxW: 80,
		},
		{
			name: "scraped page, extractive", args: []string{"--words", "30", fx("health.txt")},
			files: 1, minW: 15, maxW: 60,
			want: []string{"أطلقت وزارة الصحة حملة وطنية"},
			// Neither the title nor the subtitle heading.
			not: []string{"وزارة الصحة تطلق حملة", "تستهدف الحملة مليوني طفل في جميع المحافظات"},
		},
		{
			name: "plain body", args: []string{"--plain", "--words", "15", fx("plain.txt")},
			files: 1, minW: 10, maxW: 40,
			want: []string{"أعلنت بلدية المدينة"},
		},
		{
			name: "several files, default length", args: []string{fx("health.txt"), fx("sport.txt"), fx("economy2.txt")},
			files: 3, minW: 20, maxW: 120,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runText(t, append([]string{"text", "summarize"}, tt.args...)...)
			if err != nil {
				t.Fatalf("error %v, stderr %q", err, errOut)
			}
			lines := jsonLines[summaryLine](t, out)
			if len(lines) != tt.files {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tt.files, out)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l.File, textFixtures) {
					t.Errorf("file %q", l.File)
				}
				if n := words(l.Summary); n < tt.minW || n > tt.maxW {
					t.Errorf("%s: %d words, want %d-%d: %q", l.File, n, tt.minW, tt.maxW, l.Summary)
				}
				for _, w := range tt.want {
					if !strings.Contains(l.Summary, w) {
						t.Errorf("%s: summary lacks %q: %q", l.File, w, l.Summary)
					}
				}
				for _, w := range tt.not {
					if strings.Contains(l.Summary+"\n", w) {
						t.Errorf("%s: summary has %q: %q", l.File, w, l.Summary)
					}
				}
			}
		})
	}
	// The explicit summary (after الخلاصة) is printed as written.
	out, _, err := runText(t, "text", "summarize", "--words", "20", fx("economy.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fx("economy.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "الخلاصة")
	if !ok {
		t.Fatal("economy.txt has no الخلاصة section")
	}
	first := strings.Fields(after)[0]
	if s := jsonLines[summaryLine](t, out)[0].Summary; !strings.HasPrefix(s, first) {
		t.Errorf("explicit summary not used: %q", s)
	}
	// --words changes the length of an extractive summary.
	short, _, _ := runText(t, "text", "summarize", "--plain", "--words", "10", fx("health.txt"))
	long, _, _ := runText(t, "text", "summarize", "--plain", "--words", "80", fx("health.txt"))
	if a, b := words(jsonLines[summaryLine](t, short)[0].Summary), words(jsonLines[summaryLine](t, long)[0].Summary); a >= b {
		t.Errorf("--words 10 gave %d words, --words 80 gave %d", a, b)
	}
}

func TestTextSummarizeMissingFile(t *testing.T) {
	out, errOut, err := runText(t, "text", "summarize", "--words", "20", fx("health.txt"), fx("no-such-file.txt"))
	if !errors.Is(err, errPartial) || exitCode(err) != 2 {
		t.Fatalf("error %v (exit %d), want partial failure (exit 2)", err, exitCode(err))
	}
	if !strings.Contains(errOut, "no-such-file.txt") {
		t.Errorf("stderr does not name the missing file: %q", errOut)
	}
	if lines := jsonLines[summaryLine](t, out); len(lines) != 1 || lines[0].File != fx("health.txt") {
		t.Errorf("want the readable file's line only, got %+v", lines)
	}
	if _, _, err := runText(t, "text", "summarize"); err == nil {
		t.Error("no file: want an error")
	}
}

func TestTextRelated(t *testing.T) {
	files := []string{fx("economy.txt"), fx("economy2.txt"), fx("health.txt"), fx("sport.txt")}
	for _, k := range []int{1, 2, 3} {
		out, errOut, err := runText(t, append([]string{"text", "related", "--k", strconv.Itoa(k)}, files...)...)
		if err != nil {
			t.Fatalf("k=%d: %v, stderr %q", k, err, errOut)
		}
		lines := jsonLines[relatedLine](t, out)
		if len(lines) != len(files) {
			t.Fatalf("k=%d: %d lines, want %d", k, len(lines), len(files))
		}
		for i, l := range lines {
			if l.File != files[i] {
				t.Errorf("line %d is %q, want %q", i, l.File, files[i])
			}
			if l.Related == nil || len(l.Related) > k {
				t.Errorf("k=%d: %s: %d related", k, l.File, len(l.Related))
			}
			for j, r := range l.Related {
				if r.File == l.File {
					t.Errorf("%s is related to itself", l.File)
				}
				if r.Score < arabic.DefaultMinScore || r.Score > 1.0001 {
					t.Errorf("%s: score %d out of [floor, 1]: %+v", l.File, j, l.Related)
				}
			}
		}
		// The two economy articles are each other's best match.
		if lines[0].Related[0].File != files[1] || lines[1].Related[0].File != files[0] {
			t.Errorf("k=%d: economy articles not paired: %+v / %+v", k, lines[0].Related, lines[1].Related)
		}
	}
}

// The sports story has no other sports story to link to: no links under
// the default floor, a plain ranking with --min-score 0, and the floor of
// text.related_min_score when the flag is absent.
func TestTextRelatedMinScore(t *testing.T) {
	files := []string{fx("economy.txt"), fx("economy2.txt"), fx("health.txt"), fx("sport.txt")}
	related := func(args ...string) map[string][]relatedEntry {
		t.Helper()
		out, errOut, err := runText(t, append(append([]string{}, args...), files...)...)
		if err != nil {
			t.Fatalf("%v: %v, stderr %q", args, err, errOut)
		}
		m := map[string][]relatedEntry{}
		for _, l := range jsonLines[relatedLine](t, out) {
			m[l.File] = l.Related
		}
		return m
	}
	def := related("text", "related", "--k", "3")
	if got := def[fx("sport.txt")]; len(got) != 0 {
		t.Errorf("default floor: sport.txt linked to %+v, want nothing", got)
	}
	if got := def[fx("economy.txt")]; len(got) == 0 || got[0].File != fx("economy2.txt") {
		t.Errorf("default floor: economy.txt linked to %+v, want economy2.txt", got)
	}
	if got := related("text", "related", "--k", "3", "--min-score", "0")[fx("sport.txt")]; len(got) != 3 {
		t.Errorf("--min-score 0: sport.txt linked to %+v, want the 3 others", got)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("text:\n  related_min_score: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := related("--config", cfg, "text", "related", "--k", "3")[fx("sport.txt")]; len(got) != 3 {
		t.Errorf("text.related_min_score 0: sport.txt linked to %+v, want the 3 others", got)
	}
	if _, _, err := runText(t, "text", "related", "--min-score", "2", fx("sport.txt")); err == nil || !strings.Contains(err.Error(), "--min-score") {
		t.Errorf("--min-score 2: error %v, want one naming the flag", err)
	}
}

func TestTextRelatedPlainAndMissing(t *testing.T) {
	files := []string{fx("plain.txt"), fx("health.txt"), fx("missing.txt")}
	out, errOut, err := runText(t, append([]string{"text", "related", "--plain", "--k", "1"}, files...)...)
	if exitCode(err) != 2 || !errors.Is(err, errPartial) {
		t.Fatalf("error %v, want partial failure", err)
	}
	if !strings.Contains(errOut, "missing.txt") {
		t.Errorf("stderr %q", errOut)
	}
	lines := jsonLines[relatedLine](t, out)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (the readable files)", len(lines))
	}
	for _, l := range lines {
		if l.Related == nil {
			t.Errorf("%s: related must be a list, even empty", l.File)
		}
	}
}

// The default summary length comes from the configuration when --words is
// not given.
func TestTextSummarizeConfigDefault(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("text:\n  summary_words: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runText(t, "--config", cfg, "text", "summarize", "--plain", fx("health.txt"))
	if err != nil {
		t.Fatalf("config with text.summary_words only: %v, stderr %q", err, errOut)
	}
	got := jsonLines[summaryLine](t, out)[0].Summary
	want := arabic.Summarize("", mustRead(t, fx("health.txt")), 10)
	if got != want {
		t.Errorf("summary with text.summary_words=10:\n got %q\nwant %q", got, want)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCPUProfileFlag: --cpuprofile writes a gzipped pprof profile of the
// command.
func TestCPUProfileFlag(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpu.prof")
	if _, errOut, err := run(t, "--cpuprofile", p, "text", "summarize", "--words", "30", fx("health.txt")); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile %s: %d bytes, err %v; want a gzipped pprof file", p, len(b), err)
	}
}

// TestTextRelatedTopicWeight checks that --topic-weight and
// text.related_topic_weight reach the index: on an archive large enough
// for the topic model (120 files on four subjects), the order with weight
// 0 (by score) differs from the default (by topic) for some files and is
// the same with the flag and the key; a weight outside 0-1 is refused.
func TestTextRelatedTopicWeight(t *testing.T) {
	// Four subjects of 60 made-up words each, and 300 common words, from
	// a seeded generator: no word is in more than a fifth of the files.
	r := rand.New(rand.NewPCG(16, 3))
	alpha := []rune("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
	word := func() string {
		w := make([]rune, 4+r.IntN(4))
		for k := range w {
			w[k] = alpha[r.IntN(len(alpha))]
		}
		return string(w)
	}
	subjects := make([][]string, 4)
	for s := range subjects {
		for range 60 {
			subjects[s] = append(subjects[s], word())
		}
	}
	common := make([]string, 300)
	for w := range common {
		common[w] = word()
	}
	dir := t.TempDir()
	var files []string
	for i := range 120 {
		words := subjects[i%4]
		var b strings.Builder
		for j := range 90 {
			// Half subject words, the rest common words and, now and
			// then, a word of another subject.
			switch x := r.IntN(10); {
			case x < 5:
				b.WriteString(words[r.IntN(len(words))])
			case x < 9:
				b.WriteString(common[r.IntN(len(common))])
			default:
				o := subjects[r.IntN(4)]
				b.WriteString(o[r.IntN(len(o))])
			}
			b.WriteString(" ")
			if j%12 == 11 {
				b.WriteString(".\n")
			}
		}
		f := filepath.Join(dir, "a"+strconv.Itoa(i)+".txt")
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	order := func(args ...string) string {
		t.Helper()
		out, errOut, err := runText(t, append(append([]string{}, args...), files...)...)
		if err != nil {
			t.Fatalf("%v: %v, stderr %q", args, err, errOut)
		}
		return out
	}
	byTopic := order("text", "related", "--plain", "--k", "3", "--min-score", "0")
	byScore := order("text", "related", "--plain", "--k", "3", "--min-score", "0", "--topic-weight", "0")
	if byTopic == byScore {
		t.Error("the same lists with --topic-weight 0 as with the default: the weight does not reach the index")
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("text:\n  related_topic_weight: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := order("--config", cfg, "text", "related", "--plain", "--k", "3", "--min-score", "0"); got != byScore {
		t.Error("text.related_topic_weight 0 gives other lists than --topic-weight 0")
	}
	if _, _, err := runText(t, "text", "related", "--topic-weight", "1.5", files[0]); err == nil || !strings.Contains(err.Error(), "--topic-weight") {
		t.Errorf("--topic-weight 1.5: error %v, want one naming the flag", err)
	}
}
