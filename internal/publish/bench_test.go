package publish_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gfeeds "github.com/gorilla/feeds"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/publish"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

var benchCats = []string{"سياسة", "اقتصاد", "رياضة", "تقنية", "ثقافة", "صحة", "علوم", "منوعات"}

// benchStore fills a SQLite file with n Arabic articles of about 3 KB.
func benchStore(b *testing.B, n int) *sqlite.Store {
	b.Helper()
	ctx := context.Background()
	st := teststore.SQLiteAt(b, filepath.Join(b.TempDir(), "bench.db"))
	para := strings.Repeat("أعلنت الحكومة اليوم عن خطة جديدة لتطوير البنية التحتية في المدن الكبرى وتحسين خدمات النقل العام. ", 8)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("https://nashra.example/a/%d", i)
		a := &article.Article{
			Key: key, ID: article.IDFor(key), Slug: fmt.Sprintf("a-%d", i),
			Title:    fmt.Sprintf("خبر رقم %d: تطورات جديدة في ملف %s", i, benchCats[i%len(benchCats)]),
			Category: benchCats[i%len(benchCats)], Tags: []string{"وسم", "أخبار"}, Author: "هيئة التحرير",
			Published: t0.Add(time.Duration(i) * 10 * time.Minute), Updated: t0.Add(time.Duration(i)*10*time.Minute + time.Hour),
			Summary: para[:200], BodyText: para + para, BodyHTML: "<p>" + para + "</p><p>" + para + "</p>",
			Image: "https://nashra.example/img/1.jpg", Language: "ar", SourceURL: key,
		}
		if _, _, err := st.UpsertArticle(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// gorillaSame encodes, with gorilla/feeds alone, the same feeds Build
// writes for in: site-wide and per category, newest items each, RSS, Atom
// and JSON.
func gorillaSame(in feeds.Input, items int) error {
	groups := map[string][]*gfeeds.Item{}
	var site []*gfeeds.Item
	for _, a := range in.Articles { // newest first within the site and each category
		it := &gfeeds.Item{
			Title: a.Title, Link: &gfeeds.Link{Href: a.SourceURL}, Description: a.Summary,
			Id: "tag:nashra.example,2026:articles/" + a.ID, IsPermaLink: "false",
			Created: a.Published, Updated: a.Updated, Content: a.BodyHTML,
			Author: &gfeeds.Author{Name: a.Author},
		}
		if len(site) < items {
			site = append(site, it)
		}
		if len(groups[a.Category]) < items {
			groups[a.Category] = append(groups[a.Category], it)
		}
	}
	encode := func(title string, its []*gfeeds.Item) error {
		f := &gfeeds.Feed{Title: title, Link: &gfeeds.Link{Href: "https://nashra.example/"}, Description: "أخبار",
			Author: &gfeeds.Author{Name: "نشرة"}, Updated: its[0].Updated, Items: its}
		if _, err := f.ToRss(); err != nil {
			return err
		}
		if _, err := f.ToAtom(); err != nil {
			return err
		}
		_, err := f.ToJSON()
		return err
	}
	if err := encode("نشرة", site); err != nil {
		return err
	}
	for c, its := range groups {
		if err := encode("نشرة — "+c, its); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkBuildStore10k is `nashra build` on a 10,000-article SQLite
// store — reading the store, related links, encoding three formats with
// gzip and ETags — side by side with gorilla/feeds alone encoding the same
// feeds from articles already in memory. It reports ours/gorilla (goal ≤ 3).
func BenchmarkBuildStore10k(b *testing.B) {
	for _, items := range []int{50, 1000} {
		b.Run(fmt.Sprintf("items=%d", items), func(b *testing.B) {
			st := benchStore(b, 10000)
			p := publish.New(st, options(items))
			ctx := context.Background()
			in, err := p.Input(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var ours, theirs time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if _, err := p.Build(ctx); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := gorillaSame(in, items); err != nil {
					b.Fatal(err)
				}
				ours += t1.Sub(t0)
				theirs += time.Since(t1)
			}
			b.ReportMetric(float64(ours)/float64(theirs), "ours/gorilla")
			b.ReportMetric(float64(ours.Microseconds())/1000/float64(b.N), "ours-ms/op")
			b.ReportMetric(float64(theirs.Microseconds())/1000/float64(b.N), "gorilla-ms/op")
		})
	}
}
