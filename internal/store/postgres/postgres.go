// Package postgres is nashra's PostgreSQL store, for deployments with
// several nodes: pgx/v5 through database/sql (driver name "pgx"), so that
// River's riverdatabasesql driver can share the pool, and the same
// interfaces, behaviour and test suite as the SQLite store.
//
// Schema changes are applied by Migrate only ("nashra migrate"); two
// migrators at once are serialised by a transaction-scoped advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/internal/sqldb"
)

//go:embed migrations/*.up.sql
var migrationFiles embed.FS

//go:embed queries.sql
var queries []byte

// DriverName is the database/sql driver this package uses.
const DriverName = "pgx"

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	*sqldb.Core
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn, a libpq URL or key=value
// string ("postgres://user@host:5432/db?sslmode=disable"; runtime
// parameters such as search_path may be given as URL parameters). Open
// checks the server answers but does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open(DriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	core, err := sqldb.New(db, sqldb.Dialect{
		Name:         "postgres",
		IsUnique:     func(err error) bool { return code(err) == "23505" },
		IsForeignKey: func(err error) bool { return code(err) == "23503" },
	}, queries, sub)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{Core: core}, nil
}

// DB returns the underlying pool (for River's riverdatabasesql driver).
func (s *Store) DB() *sql.DB { return s.SQL() }

// code is the SQLSTATE of a server error, or "".
func code(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
