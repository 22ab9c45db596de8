package arabic

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

// TestExploreGates (exploration, not kept) asks whether a gate smarter
// than one floor on the cosine lets 90% of EASC's articles get a link at
// 90% same-topic links: each article's plain top 3 (floor 0, the topic
// model on) is filtered by a floor on the first link and another on the
// others, on the cosine, on the topic similarity, or the first on the
// topic similarity and the others on either. Settings are chosen on the
// odd half (the most articles linked with at least 90% of the links
// same-topic); the held-out half is printed. Run:
//
//	go test ./internal/arabic -run TestExploreGates -v
func TestExploreGates(t *testing.T) {
	base := filepath.Join(testkit.SharedDir(t), "data", "easc", "EASC-UTF-8", "Articles")
	dirs, err := os.ReadDir(base)
	if err != nil {
		t.Skipf("EASC absent: %v", err)
	}
	prefix := regexp.MustCompile(`^(.*?)\s*\(\d+\)`)
	o := DefaultIndexOptions
	o.MinScore = 0
	ix := NewIndexWith(o)
	topic, odd := map[string]string{}, map[string]bool{}
	var ids []string
	for _, d := range dirs {
		num, err := strconv.Atoi(strings.TrimPrefix(d.Name(), "Topic"))
		if err != nil {
			continue
		}
		fs, err := os.ReadDir(filepath.Join(base, d.Name()))
		if err != nil || len(fs) != 1 {
			t.Fatalf("%s: want one file (%v)", d.Name(), err)
		}
		b, err := os.ReadFile(filepath.Join(base, d.Name(), fs[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		id := d.Name()
		topic[id] = strings.ToLower(prefix.FindStringSubmatch(fs[0].Name())[1])
		odd[id] = num%2 == 1
		ids = append(ids, id)
		ix.Add(Doc{ID: id, Text: strings.TrimPrefix(string(b), "\uFEFF")})
	}
	type link struct {
		cos, ts float64
		ok      bool
	}
	lists := map[string][]link{}
	for _, id := range ids {
		self := ix.topicOf(ix.byID[id])
		for _, m := range ix.Related(id, 3) {
			lists[id] = append(lists[id], link{m.Score, ix.topics.simVec(self, ix.topicOf(ix.byID[m.ID])), topic[m.ID] == topic[id]})
		}
	}
	// shown is the share of the links kept that are same-topic and the
	// share of the half's articles keeping at least one.
	shown := func(half bool, keep func(rank int, l link) bool) (prec, cover float64) {
		var hit, n, covered, q int
		for _, id := range ids {
			if odd[id] != half {
				continue
			}
			q++
			got := 0
			for r, l := range lists[id] {
				if keep(r, l) {
					got++
					if l.ok {
						hit++
					}
				}
			}
			n += got
			if got > 0 {
				covered++
			}
		}
		return float64(hit) / float64(max(n, 1)), float64(covered) / float64(q)
	}
	type row struct {
		name           string
		po, co, pe, ce float64
	}
	var rows []row
	try := func(name string, keep func(int, link) bool) {
		po, co := shown(true, keep)
		pe, ce := shown(false, keep)
		rows = append(rows, row{name, po, co, pe, ce})
	}
	var topicFloors []float64
	for f := 0.0; f <= 1.0; f += 0.01 {
		topicFloors = append(topicFloors, f)
	}
	cosFloors := []float64{0, 0.02, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.14, 0.16, 0.2, 0.3}
	for _, f1 := range cosFloors {
		for _, f2 := range cosFloors {
			try(fmt.Sprintf("cosine: first %.2f, others %.2f", f1, f2), func(r int, l link) bool {
				return l.cos >= map[bool]float64{true: f1, false: f2}[r == 0]
			})
		}
	}
	for _, g1 := range topicFloors {
		for _, g2 := range topicFloors {
			try(fmt.Sprintf("topic: first %.2f, others %.2f", g1, g2), func(r int, l link) bool {
				return l.ts >= map[bool]float64{true: g1, false: g2}[r == 0]
			})
		}
	}
	for _, g1 := range topicFloors {
		for _, f2 := range cosFloors {
			for _, g2 := range []float64{0.7, 0.8, 0.85, 0.9, 0.95, 2} {
				try(fmt.Sprintf("first topic %.2f, others cosine %.2f or topic %.2f", g1, f2, g2), func(r int, l link) bool {
					if r == 0 {
						return l.ts >= g1
					}
					return l.cos >= f2 || l.ts >= g2
				})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		return rows[i].co > rows[j].co || rows[i].co == rows[j].co && rows[i].po > rows[j].po
	})
	n := 0
	for _, r := range rows {
		if r.po >= 0.9 {
			t.Logf("%-52s odd %.3f / %.3f  held out %.3f / %.3f", r.name, r.po, r.co, r.pe, r.ce)
			if n++; n == 10 {
				break
			}
		}
	}
}
