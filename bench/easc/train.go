package main

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"math"
	"os"
	"strings"

	"github.com/nashra/nashra/internal/arabic"
)

// sample is one article of the training half with its sentence features
// and labels (the share of the five references that keep each sentence).
type sample struct {
	a      *article
	sents  []string
	lens   []int
	feats  [][]float64
	labels []float64
}

// topicK > 0 (-topic K) adds the topic-level features of
// topicFeatures, computed against the article's topicK best related
// articles in the whole corpus (topicRelated, the index's Related).
var (
	topicK       int
	topicRelated func(a *article) []string
)

func featureNames() []string {
	if topicK > 0 {
		return append(append([]string(nil), arabic.SummaryFeatureNames...), topicFeatureNames...)
	}
	return arabic.SummaryFeatureNames
}

func featureCount() int { return len(featureNames()) + extra }

// extra counts features appended by an exploration (-explore-lex).
var extra int

// labelMode picks the training label: "" = bigram share (the default),
// "binary" = kept (share ≥ 0.5), "sq" = share squared; set with -label.
var labelMode string

// fitFn is the learner: fitLogistic (pointwise, the default) or
// fitListwise (-fit listwise).
var fitFn = fitLogistic

func samples(arts []*article) []sample {
	out := make([]sample, len(arts))
	for k, a := range arts {
		sents, paras := units(a.text)
		s := sample{a: a, sents: sents, feats: arabic.SentenceFeatures("", sents, paras)}
		if topicK > 0 {
			for i, tf := range topicFeatures(sents, topicRelated(a)) {
				s.feats[i] = append(s.feats[i], tf...)
			}
		}
		refs := make([]map[string]int, len(a.refs))
		for i, r := range a.refs {
			refs[i] = ngrams(r, 2)
		}
		for _, st := range sents {
			toks := arabic.Tokens(st)
			s.lens = append(s.lens, len(toks))
			// Soft label: the share of the sentence's bigrams found in each
			// reference, averaged (the references often clip a word or two,
			// so exact sentence matching misses half of them).
			bg := ngrams(toks, 2)
			var y float64
			for _, r := range refs {
				hit, all := 0, 0
				for g, c := range bg {
					all += c
					hit += min(c, r[g])
				}
				if all > 0 {
					share := float64(hit) / float64(all)
					switch labelMode {
					case "binary":
						share = b2f(share >= 0.5)
					case "sq":
						share *= share
					}
					y += share
				}
			}
			s.labels = append(s.labels, y/float64(len(refs)))
		}
		out[k] = s
	}
	return out
}

// fitLogistic fits a logistic regression with soft labels and an L2
// penalty lambda by full-batch gradient descent on standardised features,
// and returns the weights on the raw features.
func fitLogistic(ss []sample, lambda float64) []float64 {
	d := featureCount()
	var xs [][]float64
	var ys []float64
	for _, s := range ss {
		xs = append(xs, s.feats...)
		ys = append(ys, s.labels...)
	}
	mean, sd := make([]float64, d), make([]float64, d)
	for _, x := range xs {
		for j := range d {
			mean[j] += x[j]
		}
	}
	for j := range d {
		mean[j] /= float64(len(xs))
	}
	for _, x := range xs {
		for j := range d {
			sd[j] += (x[j] - mean[j]) * (x[j] - mean[j])
		}
	}
	for j := range d {
		sd[j] = math.Sqrt(sd[j] / float64(len(xs)))
		if sd[j] < 1e-9 || j == 0 {
			mean[j], sd[j] = 0, 1 // the bias and constant features
		}
	}
	z := make([][]float64, len(xs))
	for i, x := range xs {
		z[i] = make([]float64, d)
		for j := range d {
			z[i][j] = (x[j] - mean[j]) / sd[j]
		}
	}
	w := make([]float64, d)
	g := make([]float64, d)
	for it := 0; it < 1500; it++ {
		logisticStep(w, g, z, ys, lambda, 0.5)
	}
	raw := make([]float64, d)
	for j := 1; j < d; j++ {
		raw[j] = w[j] / sd[j]
		raw[0] -= w[j] * mean[j] / sd[j]
	}
	raw[0] += w[0]
	return raw
}

func evalModel(ss []sample, m arabic.SummaryModel) (r1, r2, ratio float64) {
	return evalScores(ss, m, func(s sample) []float64 { return m.Probabilities(s.feats) })
}

// evalScores is the mean ROUGE-1/2 F and length ratio of the summaries m
// chooses from each sample's sentence scores.
func evalScores(ss []sample, m arabic.SummaryModel, scores func(sample) []float64) (r1, r2, ratio float64) {
	for _, s := range ss {
		idx := m.Choose(s.lens, scores(s), nil, s.a.words)
		var toks []string
		for _, i := range idx {
			toks = append(toks, arabic.Tokens(s.sents[i])...)
		}
		ratio += float64(len(toks)) / float64(s.a.words)
		var f1, f2 float64
		for _, ref := range s.a.refs {
			f1 += rougeF(toks, ref, 1)
			f2 += rougeF(toks, ref, 2)
		}
		r1 += f1 / float64(len(s.a.refs))
		r2 += f2 / float64(len(s.a.refs))
	}
	n := float64(len(ss))
	return r1 / n, r2 / n, ratio / n
}

// train learns the summary model on the odd topics only: label statistics,
// 5-fold cross-validation inside the odd half to choose the L2 penalty, the
// background rate and the overshoot bound, then a fit on the whole odd half
// written to outFile (if not empty).
func train(odd, even []*article, out io.Writer, outFile string) error {
	ss := samples(odd)
	var byPos [6]float64
	var nPos [6]float64
	for _, s := range ss {
		for i, y := range s.labels {
			k := min(i, 5)
			byPos[k] += y
			nPos[k]++
		}
	}
	fmt.Fprintf(out, "odd half: %d articles; mean label (share of a sentence's bigrams in a reference) of sentence 1..5, 6+:", len(ss))
	for k := range byPos {
		fmt.Fprintf(out, " %.2f", byPos[k]/nPos[k])
	}
	fmt.Fprintln(out)

	// Summaries must stay about the asked length: ROUGE F averaged over
	// references of very different lengths rewards longer summaries (Lead
	// cut at 1.3x the length beats Lead at 1x by 0.012 R1 on the odd half),
	// so only settings whose summaries are on average at most maxRatio
	// times the asked length are eligible.
	const maxRatio = 1.05
	type cfg struct{ lambda, bg, over float64 }
	var best cfg
	bestScore := -1.0
	lambdas := []float64{0.01, 0.1, 0.3, 1, 2} // above 2 the fixed step of fitLogistic diverges
	folds := make([][]sample, 5)
	for i, s := range ss {
		folds[i%5] = append(folds[i%5], s)
	}
	fits := map[[2]int][]float64{}
	for li, lambda := range lambdas {
		for fold := range 5 {
			var tr []sample
			for f, part := range folds {
				if f != fold {
					tr = append(tr, part...)
				}
			}
			fits[[2]int{li, fold}] = fitFn(tr, lambda)
		}
	}
	for li, lambda := range lambdas {
		for _, bg := range []float64{-1, 0.0, 0.3, 0.6} { // -1: greedy
			for _, over := range []float64{0.5, 0.75, 1.0, 1.1} {
				var r1, r2, ratio float64
				for fold := range 5 {
					m := arabic.SummaryModel{Weights: fits[[2]int{li, fold}], Background: bg, MaxOvershoot: over, Greedy: bg < 0}
					a1, a2, lr := evalModel(folds[fold], m)
					n := float64(len(folds[fold])) / float64(len(ss))
					r1 += a1 * n
					r2 += a2 * n
					ratio += lr * n
				}
				fmt.Fprintf(out, "cv lambda=%-5g background=%.1f overshoot=%.1f  R1 %.4f  R2 %.4f  length x%.2f\n", lambda, bg, over, r1, r2, ratio)
				if ratio <= maxRatio && r1+r2 > bestScore {
					best, bestScore = cfg{lambda, bg, over}, r1+r2
				}
			}
		}
	}
	for _, alpha := range []float64{1, 2, 4} {
		for _, over := range []float64{0.5, 1} {
			var r1, r2, ratio float64
			for fold := range 5 {
				m := arabic.SummaryModel{Weights: fits[[2]int{len(lambdas) - 1, fold}]}
				for _, s := range folds[fold] {
					idx := conceptChoose(s.sents, s.lens, m.Probabilities(s.feats), s.a.words, alpha, over)
					a1, a2, lr := scoreIdx(s, idx)
					r1 += a1 / float64(len(ss))
					r2 += a2 / float64(len(ss))
					ratio += lr / float64(len(ss))
				}
			}
			fmt.Fprintf(out, "cv concepts lambda=%g alpha=%g overshoot=%.1f  R1 %.4f  R2 %.4f  length x%.2f\n", lambdas[len(lambdas)-1], alpha, over, r1, r2, ratio)
		}
	}
	w := fitFn(ss, best.lambda)
	fmt.Fprintf(out, "chosen: lambda=%g background=%.1f overshoot=%.1f\n", best.lambda, best.bg, best.over)
	if a1, a2, lr := evalModel(ss, arabic.SummaryModel{Weights: w, Background: max(0, best.bg), MaxOvershoot: best.over, Greedy: best.bg < 0}); true {
		fmt.Fprintf(out, "in-sample (odd): R1 %.4f  R2 %.4f  length x%.2f\n", a1, a2, lr)
	}
	if a1, a2, lr := evalModel(samples(even), arabic.SummaryModel{Weights: w, Background: max(0, best.bg), MaxOvershoot: best.over, Greedy: best.bg < 0}); true {
		fmt.Fprintf(out, "held out (even; printed, not used to choose): R1 %.4f  R2 %.4f  length x%.2f\n", a1, a2, lr)
	}
	for j, name := range featureNames() {
		fmt.Fprintf(out, "  %-18s %+.4f\n", name, w[j])
	}
	if outFile == "" {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by `go run ./bench/easc -train`; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package arabic\n\n")
	fmt.Fprintf(&b, "// summaryWeights are the logistic-regression weights of SummaryFeatureNames,\n")
	fmt.Fprintf(&b, "// fitted on the odd-numbered EASC topics (L2 penalty %g, chosen by 5-fold\n// cross-validation inside the odd half).\n", best.lambda)
	fmt.Fprintf(&b, "var summaryWeights = [...]float64{\n")
	for j, name := range arabic.SummaryFeatureNames {
		fmt.Fprintf(&b, "\t%.6f, // %s\n", w[j], name)
	}
	fmt.Fprintf(&b, "}\n\nconst (\n\tsummaryBackground = %.2f\n\tsummaryOvershoot  = %.2f\n\tsummaryGreedy     = %v\n)\n", max(0, best.bg), best.over, best.bg < 0)
	src, err := format.Source(b.Bytes())
	if err != nil {
		return fmt.Errorf("easc: %w", err)
	}
	if err := os.WriteFile(outFile, src, 0o644); err != nil {
		return fmt.Errorf("easc: %w", err)
	}
	fmt.Fprintf(out, "wrote %s\n", outFile)
	return nil
}

// scoreIdx is the ROUGE-1 / ROUGE-2 F and length ratio of one article's
// summary made of the sentences idx.
func scoreIdx(s sample, idx []int) (r1, r2, ratio float64) {
	var toks []string
	for _, i := range idx {
		toks = append(toks, arabic.Tokens(s.sents[i])...)
	}
	for _, ref := range s.a.refs {
		r1 += rougeF(toks, ref, 1)
		r2 += rougeF(toks, ref, 2)
	}
	n := float64(len(s.a.refs))
	return r1 / n, r2 / n, float64(len(toks)) / float64(s.a.words)
}

// clauseUnits is -clauses: every sentence is further split after each
// Arabic or Latin comma, so that the extractable units are clauses (whole
// words, in order, but sentence fragments). For measurement only: the
// issue asks for whole sentences, and Summarize does not do this.
var clauseUnits bool

func units(text string) ([]string, []int) {
	sents, paras := arabic.SentenceParagraphs(text)
	if !clauseUnits {
		return sents, paras
	}
	var us []string
	var ps []int
	for i, s := range sents {
		start := 0
		rs := []rune(s)
		for j, r := range rs {
			if (r == '،' || r == ',') && j+1 < len(rs) && rs[j+1] == ' ' {
				if u := strings.TrimSpace(string(rs[start : j+1])); u != "" {
					us, ps = append(us, u), append(ps, paras[i])
				}
				start = j + 1
			}
		}
		if u := strings.TrimSpace(string(rs[start:])); u != "" {
			us, ps = append(us, u), append(ps, paras[i])
		}
	}
	return us, ps
}

// fitListwise fits the weights to the order of the sentences within each
// article (ListNet: the softmax of the scores over an article's sentences
// against its labels normalised to sum 1), with an L2 penalty lambda, on
// standardised features; only the order matters to the greedy chooser. The
// bias is set so that an average sentence has logit 0.
func fitListwise(ss []sample, lambda float64) []float64 {
	d := featureCount()
	mean, sd := make([]float64, d), make([]float64, d)
	cnt := 0
	for _, s := range ss {
		for _, x := range s.feats {
			for j := range d {
				mean[j] += x[j]
			}
			cnt++
		}
	}
	for j := range d {
		mean[j] /= float64(cnt)
	}
	for _, s := range ss {
		for _, x := range s.feats {
			for j := range d {
				sd[j] += (x[j] - mean[j]) * (x[j] - mean[j])
			}
		}
	}
	for j := range d {
		sd[j] = math.Sqrt(sd[j] / float64(cnt))
		if sd[j] < 1e-9 || j == 0 {
			mean[j], sd[j] = 0, 1
		}
	}
	type art struct {
		z [][]float64
		q []float64
	}
	var arts []art
	for _, s := range ss {
		var a art
		var sum float64
		for i, x := range s.feats {
			z := make([]float64, d)
			for j := 1; j < d; j++ {
				z[j] = (x[j] - mean[j]) / sd[j]
			}
			a.z = append(a.z, z)
			a.q = append(a.q, s.labels[i])
			sum += s.labels[i]
		}
		if sum <= 0 || len(a.z) < 2 {
			continue
		}
		for i := range a.q {
			a.q[i] /= sum
		}
		arts = append(arts, a)
	}
	w := make([]float64, d)
	g := make([]float64, d)
	for it := 0; it < 4000; it++ {
		clear(g)
		for _, a := range arts {
			sc := make([]float64, len(a.z))
			mx := math.Inf(-1)
			for i, z := range a.z {
				for j := range d {
					sc[i] += w[j] * z[j]
				}
				mx = max(mx, sc[i])
			}
			var den float64
			for i := range sc {
				sc[i] = math.Exp(sc[i] - mx)
				den += sc[i]
			}
			for i, z := range a.z {
				e := sc[i]/den - a.q[i]
				for j := range d {
					g[j] += e * z[j]
				}
			}
		}
		for j := 1; j < d; j++ {
			w[j] -= 0.1 * (g[j]/float64(len(arts)) + lambda*w[j]) // a smaller step than fitLogistic's: 0.5 oscillates here
		}
	}
	raw := make([]float64, d)
	for j := 1; j < d; j++ {
		raw[j] = w[j] / sd[j]
		raw[0] -= w[j] * mean[j] / sd[j]
	}
	return raw
}

// logisticStep makes one full-batch gradient step of L2-regularised
// logistic regression (the bias w[0] not penalised) on soft labels ys.
func logisticStep(w, g []float64, xs [][]float64, ys []float64, lambda, rate float64) {
	clear(g)
	for i, x := range xs {
		var s float64
		for j := range w {
			s += w[j] * x[j]
		}
		e := 1/(1+math.Exp(-s)) - ys[i]
		for j := range w {
			g[j] += e * x[j]
		}
	}
	for j := range w {
		g[j] /= float64(len(xs))
		if j > 0 {
			g[j] += lambda * w[j]
		}
		w[j] -= rate * g[j]
	}
}
