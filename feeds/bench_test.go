package feeds_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gfeeds "github.com/gorilla/feeds"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/article"
)

var benchCategories = []string{"سياسة", "اقتصاد", "رياضة", "كرة القدم", "ثقافة", "تقنية", "صحة", "علوم", "فن", "منوعات"}

// gen returns n deterministic Arabic articles of realistic size (~2 KB of
// body HTML each) spread over ten categories.
func gen(n int) feeds.Input {
	para := strings.Repeat("قال المتحدث الرسمي إن الاجتماع ناقش التطورات الأخيرة في المنطقة وسبل تعزيز التعاون. ", 6)
	in := feeds.Input{Related: map[string][]feeds.RelatedLink{}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%016x", i+1)
		cat := benchCategories[i%len(benchCategories)]
		in.Articles = append(in.Articles, article.Article{
			ID: id, Slug: "khabar-" + id, Title: fmt.Sprintf("خبر رقم %d عن %s", i, cat),
			Category: cat, Tags: []string{"وسم " + cat, "عاجل"}, Author: "مراسل نشرة",
			Published: start.Add(time.Duration(i) * time.Minute), Updated: start.Add(time.Duration(i)*time.Minute + time.Hour),
			Summary:  "ملخص الخبر: " + para[:200],
			BodyHTML: "<p>" + para + "</p><h2>تفاصيل</h2><p>" + para + "</p><ul><li>نقطة أولى</li><li>نقطة ثانية</li></ul>",
			Image:    "https://cdn.nashra.example/img/" + id + ".jpg", Language: "ar",
		})
		if i > 0 {
			in.Related[id] = []feeds.RelatedLink{{Title: in.Articles[i-1].Title, URL: "/articles/khabar-" + in.Articles[i-1].ID}}
		}
	}
	return in
}

func benchOptions(b *testing.B, items int) feeds.Options {
	o := testOptions(b)
	o.Items = items
	return o
}

// BenchmarkBuild10k builds every feed (site-wide and ten categories, three
// formats, every article in them) plus index.html, gzip copies and ETags.
func BenchmarkBuild10k(b *testing.B) { benchBuild(b, 10000) }

// BenchmarkBuild10kNewest50 is the everyday build: 10,000 articles in the
// store, the newest 50 per feed.
func BenchmarkBuild10kNewest50(b *testing.B) { benchBuild(b, 50) }

// benchBuild times Build over gen's 10,000 articles with items per feed.
func benchBuild(b *testing.B, items int) {
	in := gen(10000)
	o := benchOptions(b, items)
	b.ResetTimer()
	for b.Loop() {
		if _, err := feeds.Build(o, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGorillaOnly10k encodes the same feeds — the same groups and
// items — with plain gorilla/feeds ToRss/ToAtom/ToJSON: the baseline that
// Build must stay within 3x of.
func BenchmarkGorillaOnly10k(b *testing.B) {
	in := gen(10000)
	b.ResetTimer()
	for b.Loop() {
		if err := gorillaOnly(in); err != nil {
			b.Fatal(err)
		}
	}
}

func gorillaOnly(in feeds.Input) error {
	groups := map[string][]*gfeeds.Item{}
	var site []*gfeeds.Item
	// Newest first, as Build orders them.
	for i := len(in.Articles) - 1; i >= 0; i-- {
		a := in.Articles[i]
		it := &gfeeds.Item{
			Title: a.Title, Link: &gfeeds.Link{Href: "https://nashra.example/articles/" + a.Slug},
			Description: a.Summary, Id: "tag:nashra.example,2026:articles/" + a.ID, IsPermaLink: "false",
			Created: a.Published, Updated: a.Updated, Content: a.BodyHTML,
			Author:    &gfeeds.Author{Name: a.Author},
			Enclosure: &gfeeds.Enclosure{Url: a.Image, Type: "image/jpeg"},
		}
		site = append(site, it)
		groups[a.Category] = append(groups[a.Category], it)
	}
	encode := func(title string, items []*gfeeds.Item) error {
		f := &gfeeds.Feed{Title: title, Link: &gfeeds.Link{Href: "https://nashra.example/"},
			Description: "أخبار", Author: &gfeeds.Author{Name: "نشرة", Email: "editor@nashra.example"},
			Updated: items[0].Updated, Items: items}
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
	for _, c := range benchCategories {
		if err := encode("نشرة — "+c, groups[c]); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkBuildVsGorilla10k runs both in the same benchmark and reports
// their ratio (goal: ≤ 3).
func BenchmarkBuildVsGorilla10k(b *testing.B) {
	in := gen(10000)
	o := benchOptions(b, 10000)
	var ours, theirs time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if _, err := feeds.Build(o, in); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := gorillaOnly(in); err != nil {
			b.Fatal(err)
		}
		ours += t1.Sub(t0)
		theirs += time.Since(t1)
	}
	b.ReportMetric(float64(ours)/float64(theirs), "ours/gorilla")
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ours-ms/op")
	b.ReportMetric(float64(theirs.Milliseconds())/float64(b.N), "gorilla-ms/op")
}
