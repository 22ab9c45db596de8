// Package sqldb is the database/sql code shared by nashra's SQLite and
// PostgreSQL stores. Each backend brings its own SQL — named queries in
// .sql files and numbered migrations, all embedded — and its own
// reading of driver errors; the Go logic here is the same for both, so the
// two backends cannot drift apart in behaviour.
//
// Every time is stored as BIGINT Unix nanoseconds in UTC (NULL = unset):
// exact round trips, correct ordering, and the same code on both backends.
package sqldb

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// Dialect is what differs between backends beyond the SQL text.
type Dialect struct {
	// Name prefixes errors ("sqlite", "postgres").
	Name string
	// IsUnique reports a unique-constraint violation.
	IsUnique func(error) bool
	// IsForeignKey reports a foreign-key violation.
	IsForeignKey func(error) bool
	// GroupCommit commits concurrent delivery claims and marks together
	// (see groupCommit): for a database with one writer connection.
	GroupCommit bool
}

// Core implements every store.Store method on a *sql.DB, given a backend's
// queries and migrations.
type Core struct {
	db         *sql.DB
	d          Dialect
	q          map[string]string
	migrations []Migration
	gc         *groupCommit // nil: every write commits alone
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// requiredQueries are the names every backend's query files must define.
var requiredQueries = []string{
	"migrate-lock", "create-migrations-table", "migrations-table-exists",
	"applied-migrations", "record-migration",
	"article-hash", "upsert-article", "get-article", "article-by-slug", "list-articles",
	"articles-between", "categories", "count-articles", "last-change", "article-exists",
	"touch-articles", "set-article-category", "withdraw-article", "restore-article", "withdraw-source-path", "delete-article", "withdrawn-articles", "source-article-ids",
	"delete-related", "insert-related", "related",
	"insert-subscriber", "get-subscriber", "subscriber-by-email",
	"subscriber-by-email-for-update", "update-subscriber", "remove-subscriber",
	"delete-subscriber", "list-subscribers", "count-subscribers", "record-bounce",
	"unreported-merges", "unreported-merges-count", "mark-merges-reported",
	"insert-edition", "get-edition", "enqueue-deliveries", "update-edition-recipients",
	"claim-delivery", "get-delivery", "mark-delivery", "set-delivery-message-id",
	"delivery-counts", "list-deliveries",
	"fill-edition", "list-editions", "set-edition-state", "page-deliveries",
	"cancel-deliveries", "record-resend",
	"get-setting", "put-setting-if-absent",
	"insert-source", "get-source", "source-by-url", "list-sources", "due-sources",
	"update-source", "delete-source", "get-source-item", "put-source-item",
	"purge-pending", "take-rate", "purge-rates",
	"default-newsletter", "newsletter-exists", "name-default-newsletter", "name-default-editions", "insert-newsletter",
	"put-subscription", "set-default-categories", "leave-subscription", "leave-all-subscriptions", "leave-all-by-id",
	"count-following", "unsubscribe-subscriber", "subscriptions-of", "list-recipients", "recipient",
	"count-followers", "newsletter-editions",
}

// New wraps db. files is the backend's SQL: named queries in the .sql
// files at its root (see ParseQueries) and numbered NNNN_name.up.sql
// files under migrations/. A missing query or a badly named migration is
// an error here, at start-up, not at first use.
func New(db *sql.DB, d Dialect, files fs.FS) (*Core, error) {
	q, err := loadQueries(files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	for _, name := range append(requiredQueries[:len(requiredQueries):len(requiredQueries)], accountQueries...) {
		if _, ok := q[name]; !ok {
			return nil, fmt.Errorf("%s: missing query %q", d.Name, name)
		}
	}
	migrations, err := fs.Sub(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	ms, err := LoadMigrations(migrations)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	c := &Core{db: db, d: d, q: q, migrations: ms, Now: time.Now}
	if d.GroupCommit {
		c.gc = &groupCommit{db: db}
	}
	return c, nil
}

// loadQueries reads the named queries of every .sql file at the root of
// files; a name may be defined once in all of them.
func loadQueries(files fs.FS) (map[string]string, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		q, err := ParseQueries(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k, v := range q {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: query %q defined twice", name, k)
			}
			out[k] = v
		}
	}
	return out, nil
}

var queryName = regexp.MustCompile(`^\s*--\s*name:\s*([A-Za-z0-9_-]+)\s*$`)

// ParseQueries splits a file of named queries. Each query starts with a
// line "-- name: NAME" and runs to the next such line; other comment lines
// are kept (SQL ignores them).
func ParseQueries(b []byte) (map[string]string, error) {
	out := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		text := strings.TrimSpace(body.String())
		text = strings.TrimSuffix(text, ";")
		if text == "" {
			return fmt.Errorf("query %q is empty", name)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("query %q defined twice", name)
		}
		out[name] = text
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := queryName.FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			name = m[1]
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// DB returns the underlying pool, which River's driver shares.
func (s *Core) DB() *sql.DB { return s.db }

// Ping checks the database answers.
func (s *Core) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return s.errf(err, "ping")
	}
	return nil
}

// Close closes the pool.
func (s *Core) Close() error {
	if err := s.db.Close(); err != nil {
		return s.errf(err, "close")
	}
	return nil
}

// errf wraps err with the backend prefix and a description.
func (s *Core) errf(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", s.d.Name, fmt.Sprintf(format, args...), err)
}

// now is the store clock in UTC.
func (s *Core) now() time.Time { return s.Now().UTC() }

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Core) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errf(err, "begin")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.errf(err, "commit")
	}
	return nil
}

// one reads the row query returns with scan; no row is store.ErrNotFound.
// Errors name what was read.
func one[T any](ctx context.Context, s *Core, what string, scan func(scanner) (T, error), query string, args ...any) (*T, error) {
	v, err := scan(s.db.QueryRowContext(ctx, query, args...))
	if isNoRows(err) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, s.errf(err, "%s", what)
	}
	return &v, nil
}

// querier is what a read runs on: the pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachRow runs query on q and hands every row to row, in order. An error
// from the query, from row or from reading the rows ends it, wrapped with
// what; the rows are closed when it returns, so the caller's transaction
// can run its next statement.
func (s *Core) eachRow(ctx context.Context, q querier, what string, row func(scanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return s.errf(err, "%s", what)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return s.errf(err, "%s", what)
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "%s", what)
	}
	return nil
}

// collect runs query on q and returns every row as scan reads it.
func collect[T any](ctx context.Context, s *Core, q querier, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := s.eachRow(ctx, q, what, func(r scanner) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectMap runs query on q, whose rows are a key and its value, and
// returns them as a map.
func collectMap[K comparable, V any](ctx context.Context, s *Core, q querier, what, query string, args ...any) (map[K]V, error) {
	out := map[K]V{}
	err := s.eachRow(ctx, q, what, func(r scanner) error {
		var k K
		var v V
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanString reads a row of one text column.
func scanString(r scanner) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}

// write runs fn, a single-statement write, in the next group commit, or on
// its own when the dialect does not group.
func (s *Core) write(ctx context.Context, fn func(ctx context.Context, q execer) error) error {
	if s.gc == nil {
		return fn(ctx, s.db)
	}
	return s.gc.do(ctx, fn)
}

// minTime and maxTime bound what int64 nanoseconds can hold.
var (
	minTime = time.Unix(0, -1<<63+1)
	maxTime = time.Unix(0, 1<<63-1)
)

// ns converts t to a column value: nil for the zero time.
func ns(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("time %s out of the storable range", t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// nsNow is ns for a time known to be in range.
func nsNow(t time.Time) int64 { return t.UnixNano() }

// fromNS reads a nullable nanosecond column.
func fromNS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// decodeList reads a column holding a JSON array of strings; an empty
// array is nil.
func decodeList(col string, list *[]string) error {
	if err := json.Unmarshal([]byte(col), list); err != nil {
		return err
	}
	if len(*list) == 0 {
		*list = nil
	}
	return nil
}

// isNoRows reports sql.ErrNoRows.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
