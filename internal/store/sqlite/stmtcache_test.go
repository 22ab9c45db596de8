package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openCached opens a one-connection pool through the caching connector, so
// that every statement below meets the same connection and its cache.
func openCached(t *testing.T) *sql.DB {
	t.Helper()
	dsn, err := DSN(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := newConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"أحمد", "بشرى", "جمال"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, name) VALUES (?, ?)`, i+1, name); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func names(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	const q = `SELECT name FROM t WHERE id >= ? ORDER BY id`
	tests := []struct {
		name string
		run  func(t *testing.T, db *sql.DB)
	}{
		{"reused with new arguments", func(t *testing.T, db *sql.DB) {
			for from, want := range []int{3, 3, 2, 1} {
				rows, err := db.QueryContext(ctx, q, from)
				if err != nil {
					t.Fatal(err)
				}
				if got := len(names(t, rows)); got != want {
					t.Errorf("from %d: %d rows, want %d", from, got, want)
				}
			}
		}},
		{"same text while its rows are open", func(t *testing.T, db *sql.DB) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			outer, err := tx.QueryContext(ctx, q, 1)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for outer.Next() {
				var s string
				if err := outer.Scan(&s); err != nil {
					t.Fatal(err)
				}
				inner, err := tx.QueryContext(ctx, q, 3)
				if err != nil {
					t.Fatal(err)
				}
				if in := names(t, inner); len(in) != 1 || in[0] != "جمال" {
					t.Fatalf("inner query: %q", in)
				}
				got = append(got, s)
			}
			outer.Close()
			if fmt.Sprint(got) != "[أحمد بشرى جمال]" {
				t.Errorf("outer query: %q", got)
			}
		}},
		{"schema change", func(t *testing.T, db *sql.DB) {
			if _, err := db.ExecContext(ctx, `SELECT name FROM t WHERE id = ?`, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN extra TEXT`); err != nil {
				t.Fatal(err)
			}
			var n string
			if err := db.QueryRowContext(ctx, `SELECT name FROM t WHERE id = ?`, 1).Scan(&n); err != nil || n != "أحمد" {
				t.Fatalf("after ALTER: %q, %v", n, err)
			}
			if _, err := db.ExecContext(ctx, `DROP TABLE t`); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, `SELECT name FROM t WHERE id = ?`, 1).Scan(&n); err == nil {
				t.Fatal("query on a dropped table succeeded")
			}
			if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO t (id, name) VALUES (?, ?)`, 1, "دال"); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, `SELECT name FROM t WHERE id = ?`, 1).Scan(&n); err != nil || n != "دال" {
				t.Fatalf("after re-create: %q, %v", n, err)
			}
		}},
		{"more texts than the cache holds", func(t *testing.T, db *sql.DB) {
			for round := range 2 {
				for i := range stmtCacheSize + 40 {
					var got int
					if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != 3+i {
						t.Fatalf("round %d, query %d: %d, want %d", round, i, got, 3+i)
					}
				}
			}
		}},
		{"errors leave the connection usable", func(t *testing.T, db *sql.DB) {
			for range 3 {
				if _, err := db.ExecContext(ctx, `INSERT INTO t (id, name) VALUES (?, ?)`, 1, "مكرر"); err == nil {
					t.Fatal("duplicate key accepted")
				} else if !isUnique(err) {
					t.Fatalf("duplicate key: %v, want a unique violation", err)
				}
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO t (id, name) VALUES (?, ?)`, 4, "هاء"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, openCached(t)) })
	}
}
