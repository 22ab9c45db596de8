package sqldb

import (
	"regexp"
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
	files["more.sql"] = &fstest.MapFile{Data: []byte("-- name: article-hash\nSELECT 2;")}
	_, err = New(nil, Dialect{Name: "x"}, files)
	if err == nil || !strings.Contains(err.Error(), `more.sql: query "article-hash" defined twice (also in queries/queries.sql)`) {
		t.Errorf("New with a backend query that is shared: %v", err)
	}
}

func TestDollarParams(t *testing.T) {
	got, err := dollarParams("-- name: q\n-- ?1 now\nSELECT ?1, ?12 FROM t /* ?2 */\nWHERE a = '?3''s' AND \"b?\" = ?2;\n")
	want := "-- name: q\n-- ?1 now\nSELECT $1, $12 FROM t /* ?2 */\nWHERE a = '?3''s' AND \"b?\" = $2;\n"
	if err != nil || got != want {
		t.Errorf("dollarParams = %q, %v; want %q", got, err, want)
	}
	for text, line := range map[string]string{
		"SELECT 1;\nSELECT ?;":         "line 2: ? without a number",
		"SELECT ?1,\n?2 + ?":           "line 2: ? without a number",
		"SELECT 1\nWHERE a = $1":       "line 2: $ outside a string",
		"SELECT 'a\n\nb', ?x":          "line 3: ? without a number",
		"SELECT 1 /* ?1\n":             "line 1: /* without its */",
		"SELECT 1;\nSELECT 'it''s ?1;": "line 2: ' without its closing quote",
	} {
		if _, err := dollarParams(text); err == nil || !strings.HasPrefix(err.Error(), line) {
			t.Errorf("dollarParams(%q) = %v, want %q", text, err, line)
		}
	}
}

// TestSharedQueries loads the shared queries as PostgreSQL is given them:
// no ?N is left outside comments.
func TestSharedQueries(t *testing.T) {
	q, err := loadQueries(fstest.MapFS{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) == 0 {
		t.Fatal("no shared queries")
	}
	param := regexp.MustCompile(`\?[0-9]`)
	for name, text := range q {
		for _, line := range strings.Split(text, "\n") {
			if code, _, _ := strings.Cut(line, "--"); param.MatchString(code) {
				t.Errorf("%s: PostgreSQL's query keeps a ?N: %s", name, line)
			}
		}
	}
}
