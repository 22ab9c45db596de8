package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.up\.sql$`)

// LoadMigrations reads NNNN_name.up.sql files from the root of fsys. The
// numbers must run 1, 2, 3… without gaps or repeats.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrations: %s: name must look like 0001_name.up.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: expected version %04d, found %04d_%s", i+1, m.Version, m.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrations: none embedded")
	}
	return out, nil
}

// Migrations returns the embedded migrations, oldest first.
func (s *Core) Migrations() []Migration { return append([]Migration(nil), s.migrations...) }

// Migrate applies the pending migrations in one transaction. The backend's
// "migrate-lock" query serialises concurrent callers (PostgreSQL: a
// transaction-scoped advisory lock; SQLite: the transaction itself begins
// IMMEDIATE, so it holds the write lock from the start).
func (s *Core) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, math.MaxInt)
}

// MigrateBefore applies the pending migrations that come before the one
// named name (NNNN_name.up.sql), for tests of a migration against data
// written under the schema before it.
func (s *Core) MigrateBefore(ctx context.Context, name string) error {
	for _, m := range s.migrations {
		if m.Name == name {
			return s.migrateTo(ctx, m.Version-1)
		}
	}
	return fmt.Errorf("%s: no migration named %q", s.d.Name, name)
}

// migrateTo applies the pending migrations up to version.
func (s *Core) migrateTo(ctx context.Context, version int) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q["migrate-lock"]); err != nil {
			return s.errf(err, "migrate: lock")
		}
		if _, err := tx.ExecContext(ctx, s.q["create-migrations-table"]); err != nil {
			return s.errf(err, "migrate: create schema_migrations")
		}
		applied, err := s.applied(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range s.migrations {
			if applied[m.Version] || m.Version > version {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return s.errf(err, "migrate: %04d_%s", m.Version, m.Name)
			}
			if _, err := tx.ExecContext(ctx, s.q["record-migration"], m.Version, m.Name, nsNow(s.now())); err != nil {
				return s.errf(err, "migrate: record %04d", m.Version)
			}
		}
		return nil
	})
}

// MigrationsPending counts embedded migrations not applied yet.
func (s *Core) MigrationsPending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q["migrations-table-exists"]).Scan(&n); err != nil {
		return 0, s.errf(err, "migrations pending")
	}
	if n == 0 {
		return len(s.migrations), nil
	}
	applied, err := s.applied(ctx, s.db)
	if err != nil {
		return 0, err
	}
	pending := 0
	for _, m := range s.migrations {
		if !applied[m.Version] {
			pending++
		}
	}
	return pending, nil
}

func (s *Core) applied(ctx context.Context, q querier) (map[int]bool, error) {
	out := map[int]bool{}
	err := s.eachRow(ctx, q, "migrate: read schema_migrations", func(r scanner) error {
		var v int
		if err := r.Scan(&v); err != nil {
			return err
		}
		out[v] = true
		return nil
	}, s.q["applied-migrations"])
	if err != nil {
		return nil, err
	}
	return out, nil
}
