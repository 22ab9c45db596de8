package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" database/sql driver
)

// EnvPostgresURL names the variable holding the test PostgreSQL server's
// URL (scripts/test sets it when a server answers on 127.0.0.1:5432).
const EnvPostgresURL = "NASHRA_TEST_POSTGRES_URL"

// PostgresURL returns the test server's URL. Where it is not set the test
// is skipped, except in CI where that is a failure; what names the tests
// that need the server, for the message.
func PostgresURL(t testing.TB, what string) string {
	t.Helper()
	u := os.Getenv(EnvPostgresURL)
	if u == "" {
		msg := EnvPostgresURL + " is not set: " + what + " need PostgreSQL, e.g. " +
			EnvPostgresURL + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// PostgresSchema creates an empty schema PREFIX_RANDOM on the test server
// (see PostgresURL), dropped when the test ends, and returns a DSN whose
// search_path is that schema. Its commits do not wait for the disk
// (synchronous_commit off: this machine's fsync is slow); what another
// session sees, which the ledger's exactly-once protocol relies on, is
// unchanged.
func PostgresSchema(t testing.TB, what, prefix string) string {
	t.Helper()
	base := PostgresURL(t, what)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL up at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path and synchronous_commit to a URL or a
// keyword/value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema + " synchronous_commit=off"
}

// MaxInWindow is the largest number of sorted times within any window of
// length w (half-open): what a rate limit must keep at or under its rate.
func MaxInWindow(ts []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
