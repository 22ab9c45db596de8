package publish_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// An edition built from ten unrelated stories and three related pairs
// (testdata/edition: the pair-* files) links each story of a pair to the
// other one, and nothing else to anything: a story with no strong match
// gets no related links rather than weak ones.
func TestEditionLinksRelatedPairsOnly(t *testing.T) {
	ctx := context.Background()
	st := teststore.SQLite(t)
	o := options(50)
	o.RelatedMinScore = arabic.DefaultMinScore
	p := publish.New(st, o)
	r, err := p.Import(ctx, []string{filepath.Join("testdata", "edition")}, nil)
	if err != nil || r.Failed > 0 || r.Imported != 16 {
		t.Fatalf("import: %v %v, report %+v", err, r.Err(), r)
	}
	loc, _ := time.LoadLocation("Asia/Riyadh")
	ed, err := digest.Build(ctx, st, "2026-11-22", digest.Options{Location: loc, Window: 72 * time.Hour,
		Related: 3, BaseURL: "https://nashra.example"})
	if err != nil {
		t.Fatal(err)
	}
	partner := map[string]string{}
	for _, pair := range [][2]string{
		{"البنك المركزي يرفع سعر الفائدة ربع نقطة لكبح التضخم", "التضخم يتباطأ للمرة الأولى منذ قرار البنك المركزي رفع الفائدة"},
		{"ثغرة خطيرة في متصفح كروم تسمح باختراق الأجهزة عن بعد", "غوغل تطلق تحديثاً أمنياً عاجلاً لسد ثغرة متصفح كروم"},
		{"انطلاق معرض الرياض الدولي للكتاب بمشاركة ألف دار نشر", "معرض الرياض للكتاب يختتم دورته بمبيعات قياسية"},
	} {
		partner[pair[0]], partner[pair[1]] = pair[1], pair[0]
	}
	if ed.Count != 16 {
		t.Fatalf("edition holds %d stories, want 16", ed.Count)
	}
	for _, sec := range ed.Sections {
		for _, s := range sec.Stories {
			var got []string
			for _, l := range s.Related {
				got = append(got, l.Title)
			}
			var want []string
			if p, ok := partner[s.Title]; ok {
				want = []string{p}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: related %q, want %q", s.Title, strings.Join(got, " | "), strings.Join(want, " | "))
			}
		}
	}
}
