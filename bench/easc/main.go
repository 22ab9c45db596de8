// Command easc evaluates nashra's Arabic summaries and related-article index
// on the Essex Arabic Summaries Corpus (EASC), beside the Lead and Random
// baselines, in one run:
//
//   - summaries: ROUGE-1 and ROUGE-2 F against the five MTurk references of
//     each article, the length ratio, the summaries over 1.5× the asked
//     length and those opening with a sentence that leans on an earlier one;
//   - related articles (same topic = same file-name prefix): P@1 / P@3 of
//     the plain ranking (with the 95% bootstrap interval of the held-out
//     P@3 over its queries), and with the default floor the share of the links
//     shown that are same-topic and the share of articles with a link, and
//     the curve of those two over the floor that chose it.
//
// Odd-numbered topic folders are the tuning half, even-numbered ones the
// held-out half; both are printed, and choices are made on the odd half.
//
//	go run ./bench/easc [-easc DIR] [-seeds N]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nashra/nashra/internal/arabic"
)

type article struct {
	id    string // folder, e.g. Topic12
	num   int    // 12
	topic string // file-name prefix, lower-cased: "politics"
	text  string
	refs  [][]string // normalised reference tokens
	words int        // mean reference length in words
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "easc:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("easc", flag.ContinueOnError)
	dir := fs.String("easc", "", "EASC folder (default ../shared/data/easc from the module root)")
	seeds := fs.Int("seeds", 20, "random baselines: number of seeds averaged")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		*dir = filepath.Join(root, "..", "shared", "data", "easc")
	}
	arts, err := load(*dir)
	if err != nil {
		return err
	}
	var odd, even []*article
	for _, a := range arts {
		if a.num%2 == 1 {
			odd = append(odd, a)
		} else {
			even = append(even, a)
		}
	}
	fmt.Fprintf(out, "EASC: %d articles (%d odd = tuning, %d even = held out), %s\n\n", len(arts), len(odd), len(even), *dir)
	summaries(out, arts, odd, even, *seeds)
	fmt.Fprintln(out)
	related(out, arts, odd, even, *seeds)
	fmt.Fprintln(out)
	if w := topicCurve(out, arts, odd, even); w != arabic.DefaultIndexOptions.TopicWeight {
		fmt.Fprintf(out, "NOTE: the curve chooses %.2f, arabic.DefaultIndexOptions.TopicWeight is %.2f\n", w, arabic.DefaultIndexOptions.TopicWeight)
	}
	fmt.Fprintln(out)
	if f := floorCurve(out, arts, odd, even); f != arabic.DefaultMinScore {
		fmt.Fprintf(out, "NOTE: the curve chooses %.2f, arabic.DefaultMinScore is %.2f\n", f, arabic.DefaultMinScore)
	}
	return nil
}

// summaries prints ROUGE-1 / ROUGE-2 F, the length ratio, the count of
// summaries over 1.5× the asked length and the count opening with a
// dependent sentence, for nashra and the baselines, on each half.
func summaries(out io.Writer, arts, odd, even []*article, seeds int) {
	fmt.Fprintf(out, "Summaries: ROUGE F vs 5 MTurk references, length = mean reference length;\n")
	fmt.Fprintf(out, "  >1.5 = summaries over 1.5x that length, dep = summaries opening with a dependent sentence\n")
	fmt.Fprintf(out, "%-20s %-32s %-32s %-32s\n", "method", "odd R1 / R2 ×len >1.5 dep", "even * R1 / R2 ×len >1.5 dep", "all R1 / R2 ×len >1.5 dep")
	methods := []struct {
		name string
		f    func(a *article, seed int) string
		runs int
	}{
		{"nashra", func(a *article, _ int) string { return arabic.Summarize("", a.text, a.words) }, 1},
		{"Lead (sentences)", func(a *article, _ int) string { return leadSentences(a) }, 1},
		{"Lead (words)", func(a *article, _ int) string { return leadWords(a) }, 1},
		{"Random (sentences)", randomSentences, seeds},
	}
	for _, m := range methods {
		var cells []string
		for _, half := range [][]*article{odd, even, arts} {
			var r1, r2, ratio, over, dep float64
			for s := 0; s < m.runs; s++ {
				st := rougeSet(half, func(a *article) string { return m.f(a, s) })
				r1 += st.r1
				r2 += st.r2
				ratio += st.ratio
				over += float64(st.over)
				dep += float64(st.dep)
			}
			k := float64(m.runs)
			cells = append(cells, fmt.Sprintf("%.3f / %.3f ×%.2f %3.0f %4.1f", r1/k, r2/k, ratio/k, over/k, dep/k))
		}
		fmt.Fprintf(out, "%-20s %-32s %-32s %-32s\n", m.name, cells[0], cells[1], cells[2])
	}
}

// leadSentences is the Lead baseline: the first sentences, whole, while
// each brings the length closer to the asked one.
func leadSentences(a *article) string {
	var parts []string
	n := 0
	for _, s := range arabic.Sentences(a.text) {
		t := len(arabic.Tokens(s))
		if n > 0 && n+t-a.words > a.words-n {
			break
		}
		parts = append(parts, s)
		n += t
		if n >= a.words {
			break
		}
	}
	return strings.Join(parts, " ")
}

// leadWords is the first words of the text, cut at the asked length.
func leadWords(a *article) string {
	t := arabic.Tokens(a.text)
	if len(t) > a.words {
		t = t[:a.words]
	}
	return strings.Join(t, " ")
}

// randomSentences takes sentences in a random order while they bring the
// length closer to the asked one, and prints them in the text's order.
func randomSentences(a *article, seed int) string {
	sents := arabic.Sentences(a.text)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(a.num)))
	var idx []int
	total := 0
	for _, i := range r.Perm(len(sents)) {
		w := len(arabic.Tokens(sents[i]))
		if total > 0 && total+w-a.words > a.words-total {
			continue
		}
		idx = append(idx, i)
		total += w
		if total >= a.words {
			break
		}
	}
	sort.Ints(idx)
	parts := make([]string, len(idx))
	for j, i := range idx {
		parts[j] = sents[i]
	}
	return strings.Join(parts, " ")
}

type summaryStats struct {
	r1, r2, ratio float64 // means over the articles
	over, dep     int     // summaries over 1.5× the length; opening with a dependent sentence
}

// rougeSet averages ROUGE-1 and ROUGE-2 F over articles (each the mean over
// its references) and the ratio of the summary's length to the asked one,
// and counts the summaries over 1.5× that length and
// those whose first sentence depends on an earlier one.
func rougeSet(arts []*article, summarize func(*article) string) summaryStats {
	var st summaryStats
	for _, a := range arts {
		text := summarize(a)
		sum := arabic.Tokens(text)
		st.ratio += float64(len(sum)) / float64(a.words)
		if len(sum) > a.words*3/2 {
			st.over++
		}
		if arabic.DependsOnPrevious(text) {
			st.dep++
		}
		var f1, f2 float64
		for _, ref := range a.refs {
			f1 += rougeF(sum, ref, 1)
			f2 += rougeF(sum, ref, 2)
		}
		st.r1 += f1 / float64(len(a.refs))
		st.r2 += f2 / float64(len(a.refs))
	}
	n := float64(len(arts))
	st.r1, st.r2, st.ratio = st.r1/n, st.r2/n, st.ratio/n
	return st
}

func ngrams(toks []string, n int) map[string]int {
	m := map[string]int{}
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], " ")]++
	}
	return m
}

// rougeF is the ROUGE-N F1 of a candidate against one reference, with
// clipped n-gram counts.
func rougeF(cand, ref []string, n int) float64 {
	c, r := ngrams(cand, n), ngrams(ref, n)
	var hit, nc, nr int
	for g, k := range c {
		nc += k
		hit += min(k, r[g])
	}
	for _, k := range r {
		nr += k
	}
	if hit == 0 || nc == 0 || nr == 0 {
		return 0
	}
	p, rc := float64(hit)/float64(nc), float64(hit)/float64(nr)
	return 2 * p * rc / (p + rc)
}

var prefixRE = regexp.MustCompile(`^(.*?)\s*\(\d+\)`)

func load(dir string) ([]*article, error) {
	base := filepath.Join(dir, "EASC-UTF-8")
	topics, err := os.ReadDir(filepath.Join(base, "Articles"))
	if err != nil {
		return nil, fmt.Errorf("easc: %w (is the corpus at %s? use -easc DIR)", err, dir)
	}
	var arts []*article
	for _, t := range topics {
		num, err := strconv.Atoi(strings.TrimPrefix(t.Name(), "Topic"))
		if err != nil || !t.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(base, "Articles", t.Name()))
		if err != nil || len(files) != 1 {
			return nil, fmt.Errorf("easc: %s: want one article file: %v", t.Name(), err)
		}
		b, err := os.ReadFile(filepath.Join(base, "Articles", t.Name(), files[0].Name()))
		if err != nil {
			return nil, fmt.Errorf("easc: %w", err)
		}
		m := prefixRE.FindStringSubmatch(files[0].Name())
		if m == nil {
			return nil, fmt.Errorf("easc: %s: unexpected file name %q", t.Name(), files[0].Name())
		}
		a := &article{id: t.Name(), num: num, topic: strings.ToLower(m[1]), text: strings.TrimPrefix(string(b), "\uFEFF")}
		refDir := filepath.Join(base, "MTurk", t.Name())
		refs, err := os.ReadDir(refDir)
		if err != nil {
			return nil, fmt.Errorf("easc: %w", err)
		}
		total := 0
		for _, r := range refs {
			rb, err := os.ReadFile(filepath.Join(refDir, r.Name()))
			if err != nil {
				return nil, fmt.Errorf("easc: %w", err)
			}
			toks := arabic.Tokens(strings.TrimPrefix(string(rb), "\uFEFF"))
			a.refs = append(a.refs, toks)
			total += len(toks)
		}
		if len(a.refs) == 0 {
			return nil, fmt.Errorf("easc: %s: no references", t.Name())
		}
		a.words = (total + len(a.refs)/2) / len(a.refs)
		arts = append(arts, a)
	}
	if len(arts) == 0 {
		return nil, errors.New("easc: no articles found")
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].num < arts[j].num })
	return arts, nil
}

// moduleRoot walks up from the working directory to the folder holding go.mod.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("easc: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", errors.New("easc: go.mod not found above the working directory; use -easc DIR")
		}
		d = p
	}
}
