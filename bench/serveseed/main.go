// Command serveseed fills a SQLite store with N Arabic articles across ten
// categories, for bench/serve-memory.sh: the archive a long-running site
// has when `serve` starts.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store/sqlite"
)

var categories = []string{"سياسة", "اقتصاد", "رياضة", "ثقافة", "علوم", "صحة", "تقنية", "بيئة", "تعليم", "سفر"}

func main() {
	db := flag.String("db", "", "SQLite file to fill")
	n := flag.Int("n", 100000, "articles")
	flag.Parse()
	if *db == "" {
		log.Fatal("serveseed: -db is required")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	start := time.Date(2020, 1, 1, 6, 0, 0, 0, time.UTC)
	for i := range *n {
		cat := categories[i%len(categories)]
		text := fmt.Sprintf("تناول التقرير رقم %d في باب %s تطورات الأسبوع، وعرض آراء الخبراء في ما ينتظر المنطقة خلال الأشهر المقبلة. ", i, cat)
		a := &article.Article{
			Key:       fmt.Sprintf("seed:%d", i),
			Slug:      fmt.Sprintf("seed-%d", i),
			Title:     fmt.Sprintf("تقرير %s رقم %d", cat, i),
			Category:  cat,
			Published: start.Add(time.Duration(i) * 17 * time.Minute),
			Summary:   text,
			BodyHTML:  "<p>" + text + text + "</p><p>" + text + "</p>",
			BodyText:  text + text + "\n\n" + text,
			Language:  "ar",
		}
		a.ID = article.IDFor(a.Key)
		if _, _, err := st.UpsertArticle(ctx, a); err != nil {
			log.Fatalf("serveseed: article %d: %v", i, err)
		}
	}
	fmt.Printf("%d articles in %s\n", *n, *db)
}
