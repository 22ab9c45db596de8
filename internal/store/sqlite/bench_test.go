package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

var benchCategories = []string{"سياسة", "اقتصاد", "رياضة", "ثقافة", "تقنية"}

// benchArticle is a realistic article: about 3 KB of Arabic body.
func benchArticle(i int, when time.Time) *article.Article {
	para := strings.Repeat("أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المدن الكبرى. ", 12)
	key := fmt.Sprintf("https://example.com/ar/news/%d", i)
	return &article.Article{
		Key:       key,
		Slug:      fmt.Sprintf("خبر-%d", i),
		Title:     fmt.Sprintf("خبر رقم %d عن خطة التطوير", i),
		Category:  benchCategories[i%len(benchCategories)],
		Tags:      []string{"تطوير", "مدن"},
		Published: when.Add(time.Duration(i) * time.Minute),
		Summary:   "أعلنت الوزارة خطة جديدة.",
		BodyHTML:  "<p>" + para + "</p><p>" + para + "</p>",
		BodyText:  para + "\n\n" + para,
		Language:  "ar",
		SourceURL: key,
	}
}

func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, _, err := s.UpsertArticle(ctx, benchArticle(i, time.Unix(1700000000, 0))); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkUpsertArticle measures inserts into a store that already holds
// 10,000 articles, and re-imports of unchanged ones (which write nothing).
func BenchmarkUpsertArticle(b *testing.B) {
	const seeded = 10000
	ctx := context.Background()
	s := benchStore(b, seeded)
	b.Run("insert", func(b *testing.B) {
		next := seeded
		for b.Loop() {
			if _, _, err := s.UpsertArticle(ctx, benchArticle(next, time.Unix(1700000000, 0))); err != nil {
				b.Fatal(err)
			}
			next++
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, changed, err := s.UpsertArticle(ctx, benchArticle(i%seeded, time.Unix(1700000000, 0))); err != nil || changed {
				b.Fatal(changed, err)
			}
			i++
		}
	})
	b.Run("changed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			a := benchArticle(i%seeded, time.Unix(1700000000, 0))
			a.Summary = fmt.Sprint("ملخص معدل ", i)
			if _, changed, err := s.UpsertArticle(ctx, a); err != nil || !changed {
				b.Fatal(changed, err)
			}
			i++
		}
	})
}

// BenchmarkListArticles reads from a 10,000-article store the way feeds
// and the digest do.
func BenchmarkListArticles(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, 10000)
	start := time.Unix(1700000000, 0)
	for _, bb := range []struct {
		name string
		q    store.ArticleQuery
		want int
	}{
		{"newest50", store.ArticleQuery{Limit: 50}, 50},
		{"category50", store.ArticleQuery{Category: "رياضة", Limit: 50}, 50},
		{"day", store.ArticleQuery{From: start.Add(5000 * time.Minute), To: start.Add(5000*time.Minute + 24*time.Hour)}, 1440},
		{"all10k", store.ArticleQuery{}, 10000},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				got, err := s.ListArticles(ctx, bb.q)
				if err != nil || len(got) != bb.want {
					b.Fatalf("got %d, %v; want %d", len(got), err, bb.want)
				}
			}
		})
	}
	b.Run("between_day", func(b *testing.B) {
		for b.Loop() {
			got, err := s.ArticlesBetween(ctx, start.Add(5000*time.Minute), start.Add(5000*time.Minute+24*time.Hour))
			if err != nil || len(got) != 1440 {
				b.Fatalf("got %d, %v", len(got), err)
			}
		}
	})
}
