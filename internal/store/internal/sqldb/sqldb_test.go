package sqldb

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseQueries(t *testing.T) {
	q, err := ParseQueries([]byte(`-- file comment, ignored
-- name: one
-- a comment inside the query
SELECT 1;

--   name:   two  
SELECT ?1
FROM t;
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q["one"] != "-- a comment inside the query\nSELECT 1" || q["two"] != "SELECT ?1\nFROM t" {
		t.Errorf("ParseQueries = %q", q)
	}
	for name, bad := range map[string]string{
		"duplicate": "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;",
		"empty":     "-- name: a\n\n-- name: b\nSELECT 1;",
	} {
		if _, err := ParseQueries([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	good := fstest.MapFS{
		"0002_more.up.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
		"0001_init.up.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
	}
	ms, err := LoadMigrations(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "init" || ms[1].Version != 2 || !strings.Contains(ms[1].SQL, "TABLE b") {
		t.Errorf("LoadMigrations = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":      {"0001_a.up.sql": {}, "0003_c.up.sql": {}},
		"repeat":   {"0001_a.up.sql": {}, "0001_b.up.sql": {}},
		"bad name": {"0001_a.up.sql": {}, "2_b.sql": {}},
		"none":     {},
		"no one":   {"0002_b.up.sql": {}},
	} {
		if _, err := LoadMigrations(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNew(t *testing.T) {
	files := fstest.MapFS{
		"queries.sql":                 {Data: []byte("-- name: migrate-lock\nSELECT 1;")},
		"migrations/0001_init.up.sql": {Data: []byte("SELECT 1;")},
	}
	_, err := New(nil, Dialect{Name: "x"}, files)
	if err == nil || !strings.Contains(err.Error(), "missing query") {
		t.Errorf("New with missing queries: %v", err)
	}
	files["more.sql"] = &fstest.MapFile{Data: []byte("-- name: migrate-lock\nSELECT 2;")}
	_, err = New(nil, Dialect{Name: "x"}, files)
	if err == nil || !strings.Contains(err.Error(), `query "migrate-lock" defined twice`) {
		t.Errorf("New with a query in two files: %v", err)
	}
}
