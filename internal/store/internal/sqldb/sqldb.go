// Package sqldb is the database/sql code shared by nashra's SQLite and
// PostgreSQL stores. The named queries both backends run are written once,
// in queries/*.sql; each backend brings the rest of its SQL — the queries
// whose text differs and numbered migrations, all embedded — and its own
// reading of driver errors. The Go logic here is the same for both, so the
// two backends cannot drift apart in behaviour.
//
// Every time is stored as BIGINT Unix nanoseconds in UTC (NULL = unset):
// exact round trips, correct ordering, and the same code on both backends.
package sqldb

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
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
	// DollarParams: the database numbers parameters $N (PostgreSQL), so
	// the shared queries' ?N are rewritten when they are loaded.
	DollarParams bool
}

// sharedQueries are the named queries every backend runs as written
// (queries/queries.sql says how they are written).
//
//go:embed queries/*.sql
var sharedQueries embed.FS

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
	"count-followers", "newsletter-editions", "put-return-choice", "take-return-choice",
}

// New wraps db. files is the backend's SQL: named queries in the .sql
// files at its root (see ParseQueries), which with the shared queries
// must define every name exactly once, and numbered NNNN_name.up.sql
// files under migrations/. A missing or twice-defined query or a badly
// named migration is an error here, at start-up, not at first use.
func New(db *sql.DB, d Dialect, files fs.FS) (*Core, error) {
	q, err := loadQueries(files, d.DollarParams)
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

// loadQueries reads the shared named queries, with $N parameters when
// dollar is set, and those of every .sql file at the root of files; a name
// may be defined once in all of them. The shared queries' parameters are
// checked on every backend, so that a test run on SQLite alone finds one
// that PostgreSQL could not be given.
func loadQueries(files fs.FS, dollar bool) (map[string]string, error) {
	out := map[string]string{}
	from := map[string]string{} // query name: the file that defines it
	add := func(fsys fs.FS, dir string, shared bool) error {
		names, err := fs.Glob(fsys, dir+"*.sql")
		if err != nil {
			return err
		}
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			if shared {
				text, err := dollarParams(string(b))
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if dollar {
					b = []byte(text)
				}
			}
			q, err := ParseQueries(b)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range q {
				if first, dup := from[k]; dup {
					return fmt.Errorf("%s: query %q defined twice (also in %s)", name, k, first)
				}
				out[k], from[k] = v, name
			}
		}
		return nil
	}
	if err := add(sharedQueries, "queries/", true); err != nil {
		return nil, err
	}
	if err := add(files, "", false); err != nil {
		return nil, err
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

// dollarParams rewrites the ?N parameters of a shared query file to
// PostgreSQL's $N, leaving string literals, quoted names and comments as
// they are. A ? without a number (SQLite's next parameter) or a $ outside
// them is an error naming its line: shared queries number their
// parameters ?N, which both databases read the same way.
func dollarParams(text string) (string, error) {
	var b strings.Builder
	line := 1
	for i := 0; i < len(text); i++ {
		c := text[i]
		end := i + 1 // the end of the token starting at i
		switch {
		case c == '\'' || c == '"':
			// A doubled quote inside reads as two tokens, the same text.
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				return "", fmt.Errorf("line %d: %c without its closing quote", line, c)
			}
			end = i + 1 + j + 1
		case strings.HasPrefix(text[i:], "--"):
			end = len(text)
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				end = i + j
			}
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return "", fmt.Errorf("line %d: /* without its */", line)
			}
			end = i + 2 + j + 2
		case c == '?':
			for end < len(text) && text[end] >= '0' && text[end] <= '9' {
				end++
			}
			if end == i+1 {
				return "", fmt.Errorf("line %d: ? without a number (shared queries write ?1, ?2, …)", line)
			}
			b.WriteByte('$')
			b.WriteString(text[i+1 : end])
			i = end - 1
			continue
		case c == '$':
			return "", fmt.Errorf("line %d: $ outside a string (shared queries write ?1, ?2, …)", line)
		}
		line += strings.Count(text[i:end], "\n")
		b.WriteString(text[i:end])
		i = end - 1
	}
	return b.String(), nil
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
