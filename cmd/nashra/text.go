package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/text/encoding/charmap"

	"github.com/nashra/nashra/internal/arabic"
)

func newTextCmd(a *app) *cobra.Command {
	return group("text", "Arabic text engine: extractive summaries and related articles",
		newTextSummarizeCmd(a), newTextRelatedCmd(a))
}

// textDefaults returns the configured summary length, related count,
// related floor and topic weight; 60 and 3 when the config leaves the
// first two at zero.
func textDefaults(a *app) (words, k int, minScore, topicWeight float64, err error) {
	cfg, err := a.config()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	words, k = cfg.Text.SummaryWords, cfg.Text.RelatedK
	if words <= 0 {
		words = arabic.DefaultSummaryWords
	}
	if k <= 0 {
		k = 3
	}
	return words, k, cfg.Text.RelatedMinScore, cfg.Text.RelatedTopicWeight, nil
}

func newTextSummarizeCmd(a *app) *cobra.Command {
	var plain bool
	var words int
	c := &cobra.Command{
		Use:   "summarize [--plain] [--words N] FILE...",
		Short: `Print one JSON object per file: {"file","summary"}`,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if !cmd.Flags().Changed("words") {
				w, _, _, _, err := textDefaults(a)
				if err != nil {
					return err
				}
				words = w
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetEscapeHTML(false)
			failed := 0
			for _, f := range files {
				t, err := readTextFile(f, plain)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "nashra:", err)
					failed++
					continue
				}
				sum := t.summary
				if sum == "" {
					sum = arabic.Summarize(t.title, t.body, words)
				}
				if err := enc.Encode(struct {
					File    string `json:"file"`
					Summary string `json:"summary"`
				}{f, sum}); err != nil {
					return fmt.Errorf("text summarize: %w", err)
				}
			}
			if failed > 0 {
				return fmt.Errorf("text summarize: %d of %d files: %w", failed, len(files), errPartial)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&plain, "plain", false, "files are body text only (no category and title lines)")
	c.Flags().IntVar(&words, "words", 0, "summary length in words (default text.summary_words, else 60)")
	return c
}

type relatedFile struct {
	File  string  `json:"file"`
	Score float64 `json:"score"`
}

func newTextRelatedCmd(a *app) *cobra.Command {
	var plain bool
	var k int
	var minScore, topicWeight float64
	c := &cobra.Command{
		Use:   "related [--plain] [--k N] [--min-score S] [--topic-weight W] FILE...",
		Short: `Print one JSON object per file: {"file","related":[{"file","score"}]} among the given files`,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if !cmd.Flags().Changed("k") || !cmd.Flags().Changed("min-score") || !cmd.Flags().Changed("topic-weight") {
				_, kk, ms, tw, err := textDefaults(a)
				if err != nil {
					return err
				}
				if !cmd.Flags().Changed("k") {
					k = kk
				}
				if !cmd.Flags().Changed("min-score") {
					minScore = ms
				}
				if !cmd.Flags().Changed("topic-weight") {
					topicWeight = tw
				}
			}
			if minScore < 0 || minScore >= 1 || math.IsNaN(minScore) {
				return fmt.Errorf("text related: --min-score must be at least 0 and under 1, got %v", minScore)
			}
			if topicWeight < 0 || topicWeight > 1 || math.IsNaN(topicWeight) {
				return fmt.Errorf("text related: --topic-weight must be from 0 to 1, got %v", topicWeight)
			}
			o := arabic.DefaultIndexOptions
			o.MinScore, o.TopicWeight = minScore, topicWeight
			ix := arabic.NewIndexWith(o)
			var ok []string
			for _, f := range files {
				t, err := readTextFile(f, plain)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "nashra:", err)
					continue
				}
				ix.Add(arabic.Doc{ID: f, Title: t.title, Category: t.category, Text: t.body})
				ok = append(ok, f)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetEscapeHTML(false)
			for _, f := range ok {
				rel := []relatedFile{}
				for _, m := range ix.Related(f, k) {
					rel = append(rel, relatedFile{m.ID, math.Round(m.Score*1e4) / 1e4})
				}
				if err := enc.Encode(struct {
					File    string        `json:"file"`
					Related []relatedFile `json:"related"`
				}{f, rel}); err != nil {
					return fmt.Errorf("text related: %w", err)
				}
			}
			if len(ok) < len(files) {
				return fmt.Errorf("text related: %d of %d files: %w", len(files)-len(ok), len(files), errPartial)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&plain, "plain", false, "files are body text only (no category and title lines)")
	c.Flags().IntVar(&k, "k", 0, "related articles per file (default text.related_k, else 3)")
	c.Flags().Float64Var(&minScore, "min-score", 0, "floor on a link's score, 0 for a plain ranking (default text.related_min_score)")
	c.Flags().Float64Var(&topicWeight, "topic-weight", 0, "weight of the topic model in the order, from 100 files on; 0 orders by score (default text.related_topic_weight)")
	return c
}

// textFile is the small local parse of a scraped-page .txt the text
// commands need (internal/article has the full parser).
type textFile struct {
	category, title, body, summary string
}

// Markers of the scraped-page layout.
const (
	markSummary = "الخلاصة"
	markRelated = "مقالات ذات صلة"
)

// pageChrome are lines that end the article body.
var pageChrome = []string{"زر الذهاب إلى الأعلى", "اقرأ أيضا", "اقرأ أيضاً", "شارك هذا المقال"}

func readTextFile(name string, plain bool) (textFile, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return textFile{}, fmt.Errorf("text: %w", err)
	}
	s, err := decodeText(b)
	if err != nil {
		return textFile{}, fmt.Errorf("text: %s: %w", name, err)
	}
	if plain {
		return textFile{body: s}, nil
	}
	return parseScraped(s), nil
}

// decodeText returns UTF-8 text without BOM and with \n line ends; text that
// is not UTF-8 is read as Windows-1256.
func decodeText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(b) {
		d, err := io.ReadAll(charmap.Windows1256.NewDecoder().Reader(bytes.NewReader(b)))
		if err != nil {
			return "", fmt.Errorf("neither UTF-8 nor Windows-1256: %w", err)
		}
		b = d
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if strings.TrimSpace(s) == "" {
		return "", errors.New("empty file")
	}
	return s, nil
}

// parseScraped reads the first non-empty line as the category, the second
// as the title and the rest as the body, which ends at "مقالات ذات صلة" or
// page chrome; a "الخلاصة" heading starts the explicit summary.
func parseScraped(s string) textFile {
	var t textFile
	var body, summary []string
	inSummary := false
lines:
	for _, line := range strings.Split(s, "\n") {
		l := strings.TrimSpace(line)
		if l == "" {
			continue
		}
		switch {
		case t.category == "":
			t.category = l
			continue
		case t.title == "":
			t.title = l
			continue
		}
		bare := strings.TrimRight(l, " :：.")
		if bare == markRelated || isChrome(bare) {
			break lines
		}
		if bare == markSummary {
			inSummary = true
			continue
		}
		if inSummary {
			summary = append(summary, l)
		} else {
			body = append(body, l)
		}
	}
	// Lines of a scraped page are paragraphs, headings or bullets: keep them
	// apart with blank lines so none is taken for a hard-wrapped sentence.
	t.body = strings.Join(body, "\n\n")
	t.summary = strings.Join(summary, " ")
	if t.body == "" {
		t.body = t.summary
	}
	return t
}

func isChrome(l string) bool {
	for _, c := range pageChrome {
		if l == c {
			return true
		}
	}
	return false
}
