// Command easc evaluates nashra's Arabic summaries and related-article index
// on the Essex Arabic Summaries Corpus (EASC): ROUGE-1 and ROUGE-2 F against
// the five MTurk references of each article, and P@1 / P@3 of related
// articles (same topic = same file-name prefix), beside the Lead and Random
// baselines. Odd-numbered topic folders are the tuning half, even-numbered
// ones the held-out half; both are printed.
//
//	go run ./bench/easc [-easc DIR] [-seeds N]
//	go run ./bench/easc -train [-out internal/arabic/summary_weights.go] [-label binary|sq] [-fit listwise] [-clauses] [-topic K]
//	go run ./bench/easc -explore-lex            (summaries: a learned word-level prior, odd CV)
//	go run ./bench/easc -oracle [-clauses]      (summaries chosen with the true labels)
//	go run ./bench/easc -explore | -explore-more [-only NAME] | -explore-ltr | -bytopic   (related variants)
//	go run ./bench/easc -explore-lsa | -explore-snn | -explore-hub | -explore-fields | -explore-leadw   (re-ranks and weights of the index)
//
// Choices are made on the odd half only; the even half is printed as the
// held-out figure, not to choose by.
//
// The "×len" column is the mean ratio of the summary's length to the asked
// one: ROUGE F averaged over references of very different lengths rewards
// longer summaries, so figures are only comparable at the same ratio.
package main

import (
	"bufio"
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
	seeds := fs.Int("seeds", 20, "random baseline: number of seeds averaged")
	doTrain := fs.Bool("train", false, "learn the summary model on the odd topics (cross-validated inside them)")
	doExplore := fs.Bool("explore", false, "related: compare similarity variants by a full scan (choose on the odd column only)")
	doOracle := fs.Bool("oracle", false, "summaries: upper bound with the true labels")
	onlyRe = fs.String("only", "", "with -explore-more: only variants whose name contains this")
	fs.StringVar(&labelMode, "label", "", "with -train: training label (\"\" bigram share, binary, sq)")
	fs.BoolVar(&clauseUnits, "clauses", false, "with -train or -oracle: split sentences at commas into clause units (measurement only; not what Summarize does)")
	doTopics := fs.Bool("bytopic", false, "related: P@3 of the index by topic, odd queries")
	doLTR := fs.Bool("explore-ltr", false, "related: logistic combination of field similarities learned on the odd queries")
	doLSA := fs.Bool("explore-lsa", false, "related: LSA / random-indexing / concept-indexing re-rank of the index's candidates (choose on the odd column only)")
	doSNN := fs.Bool("explore-snn", false, "related: shared / mutual nearest-neighbour re-rank of the index's candidates (choose on the odd column only)")
	doFields := fs.Bool("explore-fields", false, "related: field and feedback weights through the index (choose on the odd column only)")
	doLex := fs.Bool("explore-lex", false, "summaries: cross-validate a learned word-level prior (odd half only)")
	doHub := fs.Bool("explore-hub", false, "related: hubness-reduction re-rank of the index's candidates (choose on the odd column only)")
	doLead := fs.Bool("explore-leadw", false, "related: the article's lead weighted like a title (choose on the odd column only)")
	doMore := fs.Bool("explore-more", false, "related: further variants against the defaults (full scan; choose on the odd column only)")
	outFile := fs.String("out", "", "with -train: write the weights to this Go file")
	fs.IntVar(&indexOpts.QueryTerms, "qterms", indexOpts.QueryTerms, "related: query stems looked up (0 = all)")
	fs.IntVar(&indexOpts.Feedback, "fb", indexOpts.Feedback, "related: feedback documents")
	fs.Float64Var(&indexOpts.FeedbackWeight, "fbw", indexOpts.FeedbackWeight, "related: feedback weight")
	fs.Float64Var(&indexOpts.TitleWeight, "tw", indexOpts.TitleWeight, "related: title weight")
	fs.Float64Var(&indexOpts.Duplicate, "dup", indexOpts.Duplicate, "related: near-duplicate containment threshold (0 = off)")
	fs.IntVar(&topicK, "topic", 0, "with -train or -oracle: add topic-level sentence features from the article's K best related articles (corpus archive)")
	fit := fs.String("fit", "logistic", "with -train: learner (logistic, listwise)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fit == "listwise" {
		fitFn = fitListwise
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
	if topicK > 0 {
		ix := arabic.NewIndexWith(indexOpts)
		text := map[string]string{}
		for _, a := range arts {
			ix.Add(arabic.Doc{ID: a.id, Text: a.text})
			text[a.id] = a.text
		}
		topicRelated = func(a *article) []string {
			var out []string
			for _, m := range ix.Related(a.id, topicK) {
				out = append(out, text[m.ID])
			}
			return out
		}
	}
	if *doLex {
		exploreLexicon(out, odd, even)
		return nil
	}
	if *doOracle {
		oracle(out, odd, even)
		return nil
	}
	if *doTopics {
		byTopic(out, arts, odd, "odd")
		return nil
	}
	if *doLTR {
		exploreLTR(out, arts, odd, even)
		return nil
	}
	if *doLSA {
		exploreLSARerank(out, arts, odd, even)
		return nil
	}
	if *doFields {
		exploreFields(out, arts, odd, even)
		return nil
	}
	if *doLead {
		exploreLead(out, arts, odd, even)
		return nil
	}
	if *doHub {
		exploreHubness(out, arts, odd, even)
		return nil
	}
	if *doSNN {
		exploreSNN(out, arts, odd, even)
		return nil
	}
	if *doMore {
		exploreMore(out, arts, odd, even)
		return nil
	}
	if *doExplore {
		explore(out, arts, odd, even)
		return nil
	}
	if *doTrain {
		return train(odd, even, out, *outFile)
	}
	fmt.Fprintf(out, "EASC: %d articles (%d odd = tuning, %d even = held out), %s\n\n", len(arts), len(odd), len(even), *dir)
	fmt.Fprintf(out, "Summaries: ROUGE F vs 5 MTurk references, length = mean reference length\n")
	fmt.Fprintf(out, "%-22s %-24s %-24s %-24s\n", "method", "odd R1 / R2 ×len", "even R1 / R2 ×len *", "all R1 / R2 ×len")
	methods := []struct {
		name string
		f    func(a *article, seed int) []string
		runs int
	}{
		{"nashra", func(a *article, _ int) []string {
			sents, paras := arabic.SentenceParagraphs(a.text)
			return pick(a, arabic.DefaultSummaryModel.Select("", sents, paras, a.words))
		}, 1},
		{"Lead (sentences)", func(a *article, _ int) []string { return leadSentences(a) }, 1},
		{"Lead (words)", func(a *article, _ int) []string { return leadWords(a) }, 1},
		{"Lead (words ×1.3)", func(a *article, _ int) []string {
			b := *a
			b.words = a.words * 13 / 10
			return leadWords(&b)
		}, 1},
		{"Random (sentences)", func(a *article, seed int) []string { return randomSentences(a, seed) }, *seeds},
	}
	for _, m := range methods {
		var cells []string
		for _, half := range [][]*article{odd, even, arts} {
			var r1, r2, ratio float64
			for s := 0; s < m.runs; s++ {
				a1, a2, lr := rougeSet(half, func(a *article) []string { return m.f(a, s) })
				r1 += a1
				r2 += a2
				ratio += lr
			}
			k := float64(m.runs)
			cells = append(cells, fmt.Sprintf("%.3f / %.3f ×%.2f", r1/k, r2/k, ratio/k))
		}
		fmt.Fprintf(out, "%-22s %-24s %-24s %-24s\n", m.name, cells[0], cells[1], cells[2])
	}
	fmt.Fprintln(out)
	related(out, arts, odd, even, *seeds)
	fmt.Fprintln(out)
	floorCurve(out, arts, odd, even)
	return nil
}

// pick returns the normalised tokens of the chosen sentences.
func pick(a *article, idx []int) []string {
	sents := arabic.Sentences(a.text)
	var toks []string
	for _, i := range idx {
		toks = append(toks, arabic.Tokens(sents[i])...)
	}
	return toks
}

func leadSentences(a *article) []string {
	var toks []string
	for _, s := range arabic.Sentences(a.text) {
		t := arabic.Tokens(s)
		if len(toks) > 0 && len(toks)+len(t)-a.words > a.words-len(toks) {
			break
		}
		toks = append(toks, t...)
		if len(toks) >= a.words {
			break
		}
	}
	return toks
}

func leadWords(a *article) []string {
	t := arabic.Tokens(a.text)
	if len(t) > a.words {
		t = t[:a.words]
	}
	return t
}

func randomSentences(a *article, seed int) []string {
	sents := arabic.Sentences(a.text)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(a.num)))
	order := r.Perm(len(sents))
	var idx []int
	total := 0
	for _, i := range order {
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
	return pick(a, idx)
}

// rougeSet averages ROUGE-1 and ROUGE-2 F over articles (each the mean over
// its references), and the ratio of the summary's length to the asked one.
func rougeSet(arts []*article, summarize func(*article) []string) (r1, r2, ratio float64) {
	for _, a := range arts {
		sum := summarize(a)
		ratio += float64(len(sum)) / float64(a.words)
		var f1, f2 float64
		for _, ref := range a.refs {
			f1 += rougeF(sum, ref, 1)
			f2 += rougeF(sum, ref, 2)
		}
		r1 += f1 / float64(len(a.refs))
		r2 += f2 / float64(len(a.refs))
	}
	n := float64(len(arts))
	return r1 / n, r2 / n, ratio / n
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

var _ = bufio.NewReader
