// Command sendseed prepares a site folder for bench/send.sh: a config
// sending through SMTP to the given address, the Arabic fixture articles of
// internal/delivery/testdata and N confirmed subscribers, added straight
// into the store (the CSV import belongs to the subscribers issue).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

func main() {
	dir := flag.String("dir", "", "site folder to create")
	n := flag.Int("n", 20000, "subscribers")
	smtpPort := flag.Int("port", 2525, "SMTP port on 127.0.0.1")
	pool := flag.Int("pool", 4, "SMTP connections")
	articles := flag.String("articles", "internal/delivery/testdata/articles.json", "fixture articles")
	flag.Parse()
	if *dir == "" {
		log.Fatal("sendseed: -dir is required")
	}
	ctx := context.Background()
	db := filepath.Join(*dir, "data", "nashra.db")
	cfg := fmt.Sprintf(`site:
  title: "نشرة الصباح"
  base_url: "https://digest.example.com"
  timezone: "Asia/Riyadh"
  content_dir: ""
store:
  driver: sqlite
  dsn: %q
mail:
  transport: smtp
  from: digest@digest.example.com
  from_name: "نشرة الصباح"
  smtp:
    host: 127.0.0.1
    port: %d
    tls: none
    pool: %d
digest:
  schedule: "0 7 * * *"
log:
  level: warn
`, db, *smtpPort, *pool)
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		log.Fatal(err)
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if err := teststore.ImportArticles(ctx, st, *articles); err != nil {
		log.Fatal(err)
	}
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	// One transaction for speed: the same rows AddSubscriber writes (the
	// subscription to the default newsletter below).
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, updated_at)
VALUES (?, '', 'confirmed', 'admin', 1, 1, 1)`)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < *n; i++ {
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("reader%06d@example.org", i)); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (subscriber_id, newsletter, status, categories, created_at, updated_at)
SELECT s.id, n.slug, 'subscribed', '[]', 1, 1 FROM subscribers AS s JOIN newsletters AS n ON n.is_default = true`); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	c, err := st.CountSubscribers(ctx, store.StatusConfirmed)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d confirmed subscribers\n", *dir, c)
}
