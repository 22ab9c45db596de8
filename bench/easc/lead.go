package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nashra/nashra/internal/arabic"
)

// exploreLead weighs the article's lead (its first sentences or words)
// like a title: the lead is passed as the Doc's Title (weight -tw) and
// removed from the text, the whole corpus as archive. Choose on the odd
// column only.
//
//	go run ./bench/easc -explore-leadw
func exploreLead(out io.Writer, all, odd, even []*article) {
	byID := byIDs(all)
	fmt.Fprintf(out, "%-48s %-14s %-14s\n", "lead weighted like a title (index, corpus)", "odd", "even *")
	split := func(a *article, sents, words int) (string, string) {
		ss := arabic.Sentences(a.text)
		if sents > 0 {
			n := min(sents, len(ss))
			return strings.Join(ss[:n], " "), strings.Join(ss[n:], " ")
		}
		f := strings.Fields(strings.Join(ss, " "))
		n := min(words, len(f))
		return strings.Join(f[:n], " "), strings.Join(f[n:], " ")
	}
	for _, cut := range []struct{ sents, words int }{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 20}, {0, 40}, {0, 80}} {
		for _, tw := range []float64{1.5, 2, 3} {
			if cut.sents == 0 && cut.words == 0 && tw != 1.5 {
				continue
			}
			o := indexOpts
			o.TitleWeight = tw
			ix := arabic.NewIndexWith(o)
			for _, a := range all {
				d := arabic.Doc{ID: a.id, Text: a.text}
				if cut.sents > 0 || cut.words > 0 {
					d.Title, d.Text = split(a, cut.sents, cut.words)
				}
				ix.Add(d)
			}
			f := func(a *article, k int) []string {
				var ids []string
				for _, m := range ix.Related(a.id, k) {
					ids = append(ids, m.ID)
				}
				return ids
			}
			o1, o3 := precision(odd, byID, f)
			e1, e3 := precision(even, byID, f)
			name := "no lead weight (default)"
			if cut.sents > 0 {
				name = fmt.Sprintf("first %d sentences × %.1f", cut.sents, tw)
			} else if cut.words > 0 {
				name = fmt.Sprintf("first %d words × %.1f", cut.words, tw)
			}
			fmt.Fprintf(out, "%-48s %.3f / %.3f  %.3f / %.3f\n", name, o1, o3, e1, e3)
		}
	}
}
