// Package teststore opens real SQLite stores for tests and fills them
// with fixtures (bench/sendseed too loads its articles here). It stands apart
// from testkit so that the packages the store is built on (article,
// arabic) can still use testkit in their own tests.
package teststore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
)

// SQLite returns a migrated SQLite store in a fresh file (nashra.db in a
// temporary folder of the test's), closed when the test ends.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	return SQLiteAt(t, filepath.Join(t.TempDir(), "nashra.db"))
}

// SQLiteAt opens the SQLite store at path, creating it if need be, and
// migrates it; it is closed when the test ends.
func SQLiteAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st := Open(t, path)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", path, err)
	}
	return st
}

// Open opens the SQLite store at path as it is, e.g. one that a nashra
// command made, without migrating it; it is closed when the test ends.
func Open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// ImportArticles records in st the articles of the JSON file at path (an
// array of article.Article, as internal/delivery/testdata/articles.json).
// The send benchmark's seeding command loads the same fixture with it.
func ImportArticles(ctx context.Context, st *sqlite.Store, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var arts []article.Article
	if err := json.Unmarshal(b, &arts); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for i := range arts {
		if _, _, err := st.UpsertArticle(ctx, &arts[i]); err != nil {
			return fmt.Errorf("%s: article %d (%s): %w", path, i, arts[i].Key, err)
		}
	}
	return nil
}

// SyncNewsletters records slugs as st's newsletters, failing the test if
// it cannot.
func SyncNewsletters(t testing.TB, st *sqlite.Store, slugs ...string) {
	t.Helper()
	if err := st.SyncNewsletters(context.Background(), slugs); err != nil {
		t.Fatalf("sync newsletters %q: %v", slugs, err)
	}
}

// Following returns the newsletters subscriber id follows (subscribed,
// not left), each with its categories.
func Following(t testing.TB, st interface {
	Subscriptions(context.Context, int64) ([]store.Subscription, error)
}, id int64) map[string][]string {
	t.Helper()
	subs, err := st.Subscriptions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range subs {
		if f.Status == store.Subscribed {
			out[f.Newsletter] = f.Categories
		}
	}
	return out
}
