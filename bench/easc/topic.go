package main

import (
	"math"

	"github.com/nashra/nashra/internal/arabic"
)

// topicFeatureNames names the topic-level (multi-document) sentence
// features of TopicFeatures, in order.
var topicFeatureNames = []string{"topic_stems", "topic_bigrams", "topic_cos", "topic_stems_rel"}

// topicFeatures returns, for every sentence of an article, features of how
// much of its content appears in related articles (texts, e.g. the
// article's best matches in the archive's related-article index): the
// mean share of the related articles holding each of its stems and each of
// its stem bigrams, the cosine of its stem vector with the related
// articles' centroid, and the first minus its mean over the article's
// sentences. A sentence the related articles also tell is more likely the
// story's core (multi-document centrality). With no related texts every
// feature is 0. Measured by `go run ./bench/easc -train -topic K`; not part of
// the summariser (no gain in the odd-half cross-validation).
func topicFeatures(sents []string, related []string) [][]float64 {
	out := make([][]float64, len(sents))
	for i := range out {
		out[i] = make([]float64, len(topicFeatureNames))
	}
	k := float64(len(related))
	if k == 0 {
		return out
	}
	stemDocs := map[string]float64{}
	bigramDocs := map[string]float64{}
	centroid := map[string]float64{}
	for _, r := range related {
		tf, bg := stemCounts(r)
		var n float64
		for st, f := range tf {
			stemDocs[st]++
			w := 1 + math.Log(f)
			tf[st] = w
			n += w * w
		}
		n = math.Sqrt(n)
		for st, w := range tf {
			centroid[st] += w / n
		}
		for g := range bg {
			bigramDocs[g]++
		}
	}
	var cn float64
	for _, w := range centroid {
		cn += w * w
	}
	cn = math.Sqrt(cn)
	var mean float64
	for i, s := range sents {
		tf, bg := stemCounts(s)
		f := out[i]
		var n, dot float64
		for st, c := range tf {
			f[0] += stemDocs[st] / k
			w := 1 + math.Log(c)
			n += w * w
			dot += w * centroid[st]
		}
		if len(tf) > 0 {
			f[0] /= float64(len(tf))
		}
		for g := range bg {
			f[1] += bigramDocs[g] / k
		}
		if len(bg) > 0 {
			f[1] /= float64(len(bg))
		}
		if n > 0 && cn > 0 {
			f[2] = dot / math.Sqrt(n) / cn
		}
		mean += f[0]
	}
	mean /= float64(max(1, len(sents)))
	for _, f := range out {
		f[3] = f[0] - mean
	}
	return out
}

// stemCounts counts the light stems of text and lists its stem bigrams.
func stemCounts(text string) (tf map[string]float64, bigrams map[string]bool) {
	tf, bigrams = map[string]float64{}, map[string]bool{}
	prev := ""
	for _, t := range arabic.Tokens(text) {
		st := arabic.Stem(t)
		if st == "" {
			continue
		}
		tf[st]++
		if prev != "" {
			bigrams[prev+" "+st] = true
		}
		prev = st
	}
	return tf, bigrams
}
