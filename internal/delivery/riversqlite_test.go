package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/nashra/nashra/internal/testkit"
)

// completionJobs are river_job rows as a send leaves them: running, with
// River's JSON columns stored as JSONB, unique keys, an error from an
// earlier attempt, metadata; and one not running any more.
const completionJobs = `
INSERT INTO river_job (id, args, attempt, attempted_at, attempted_by, created_at, errors, kind, max_attempts,
    metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states) VALUES
(1, jsonb('{"edition":"2026-03-10","subscriber":1}'), 1, '2026-03-10 04:00:00.125', jsonb('["nashra.1.a.host"]'),
    '2026-03-10 03:59:59.000', NULL, 'nashra_send', 5, jsonb('{}'), 1, 'mail', '2026-03-10 03:59:59.000',
    'running', jsonb('[]'), x'0a0b', 15),
(2, jsonb('{"edition":"2026-03-10","subscriber":2}'), 2, '2026-03-10 04:00:01.500', jsonb('["nashra.1.a.host","nashra.2.b.host"]'),
    '2026-03-10 03:59:59.000', jsonb('[{"at":"2026-03-10T04:00:00Z","attempt":1,"error":"451 try later","trace":""}]'),
    'nashra_send', 5, jsonb('{"river:log":[]}'), 1, 'mail', '2026-03-10 04:00:00.750', 'running', jsonb('["عربي"]'), NULL, NULL),
(3, '{not json', 1, '2026-03-10 04:00:02.000', NULL, '2026-03-10 03:59:59.000', NULL, 'nashra_send', 5,
    '{}', 1, 'mail', '2026-03-10 03:59:59.000', 'running', '[]', NULL, NULL),
(4, jsonb('{"edition":"2026-03-10","subscriber":4}'), 1, '2026-03-10 04:00:03.000', jsonb('["nashra.1.a.host"]'),
    '2026-03-10 03:59:59.000', NULL, 'nashra_send', 5, jsonb('{}'), 1, 'mail', '2026-03-10 03:59:59.000',
    'available', jsonb('[]'), NULL, NULL),
(5, jsonb('{"edition":"2026-03-10","subscriber":5}'), 1, '2026-03-10 04:00:04.000', jsonb('["nashra.1.a.host"]'),
    '2026-03-10 03:59:59.000', NULL, 'nashra_send', 5, jsonb('{}'), 1, 'mail', '2026-03-10 03:59:59.000',
    'running', jsonb('[]'), NULL, NULL),
(6, jsonb('{"edition":"2026-03-10","subscriber":6}'), 1, '2026-03-10 04:00:04.000', jsonb('["nashra.1.a.host"]'),
    '2026-03-10 03:59:59.000', NULL, 'nashra_send', 5, jsonb('{}'), 1, 'mail', '2026-03-10 03:59:59.000',
    'running', jsonb('[]'), NULL, NULL)`

func completionSite(t *testing.T) *sql.DB {
	t.Helper()
	db := openStore(t).DB()
	if _, err := db.Exec(completionJobs); err != nil {
		t.Fatal(err)
	}
	return db
}

// jobTable is river_job as text, row by row.
func jobTable(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT id, quote(args), attempt, attempted_at, quote(attempted_by), created_at, quote(errors),
		finalized_at, kind, max_attempts, quote(metadata), priority, queue, state, scheduled_at, quote(tags),
		quote(unique_key), unique_states FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, 18)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func completions(ids []int64, at time.Time) *riverdriver.JobSetStateIfRunningManyParams {
	p := &riverdriver.JobSetStateIfRunningManyParams{}
	for i, id := range ids {
		fin := at.Add(time.Duration(i)*time.Millisecond + 400*time.Microsecond) // rounded to the ms
		s := riverdriver.JobSetStateCompleted(id, fin, nil)
		p.ID = append(p.ID, s.ID)
		p.Attempt = append(p.Attempt, s.Attempt)
		p.ErrData = append(p.ErrData, s.ErrData)
		p.FinalizedAt = append(p.FinalizedAt, s.FinalizedAt)
		p.MetadataDoMerge = append(p.MetadataDoMerge, s.MetadataDoMerge)
		p.MetadataUpdates = append(p.MetadataUpdates, s.MetadataUpdates)
		p.ScheduledAt = append(p.ScheduledAt, s.ScheduledAt)
		p.State = append(p.State, s.State)
	}
	return p
}

// TestBulkCompletionIsRiversqlites: the bulk completion returns the rows
// riversqlite's per-job query returns (a job no longer running as it is,
// JSON that does not parse left out) and leaves river_job as it leaves it;
// batches other than plain completions take riversqlite's query.
func TestBulkCompletionIsRiversqlites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	theirs, ours := completionSite(t), completionSite(t)
	exTheirs := riversqlite.New(theirs).GetExecutor()
	exOurs := newSQLiteDriver(ours).GetExecutor()
	if _, ok := exOurs.(*sqliteExecutor); !ok {
		t.Fatalf("executor %T is not the bulk one", exOurs)
	}
	at := time.Date(2026, 3, 10, 4, 0, 5, 0, time.UTC)
	retry := at.Add(time.Minute)
	batches := []*riverdriver.JobSetStateIfRunningManyParams{
		completions([]int64{1, 2, 3, 4}, at), // 4 is not running
		{ // not plain: a failed attempt to retry, then a plain completion
			ID: []int64{5, 6}, Attempt: []*int{nil, nil}, ErrData: [][]byte{[]byte(`{"at":"2026-03-10T04:00:05Z","attempt":1,"error":"451","trace":""}`), nil},
			FinalizedAt: []*time.Time{nil, &at}, MetadataDoMerge: []bool{false, false}, MetadataUpdates: [][]byte{nil, nil},
			ScheduledAt: []*time.Time{&retry, nil}, State: []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateCompleted},
		},
		completions([]int64{1, 6}, at.Add(time.Second)), // 1 is completed already
	}
	for i, p := range batches {
		want, err := exTheirs.JobSetStateIfRunningMany(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := exOurs.JobSetStateIfRunningMany(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		byID := func(a, b *rivertype.JobRow) int { return int(a.ID - b.ID) }
		slices.SortFunc(want, byID)
		slices.SortFunc(got, byID)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("batch %d: rows differ:\n got %s\nwant %s", i, dump(got), dump(want))
		}
		if g, w := jobTable(t, ours), jobTable(t, theirs); !slices.Equal(g, w) {
			t.Errorf("batch %d: river_job differs:\n got %s\nwant %s", i, strings.Join(g, "\n    "), strings.Join(w, "\n    "))
		}
	}
	if n := len(jobTable(t, ours)); n != 6 {
		t.Fatalf("%d jobs", n)
	}
	// Each job is looked up by its id, not found by walking the running ones.
	var plan []string
	rows, err := ours.Query("EXPLAIN QUERY PLAN "+completeManySQL, "[[1,\"2026-03-10 04:00:00.000\"]]")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) != 2 || !strings.HasPrefix(plan[0], "SCAN c") || !strings.Contains(plan[1], "INTEGER PRIMARY KEY") {
		t.Errorf("query plan %q: want the pairs scanned, each job found by its id", plan)
	}
}

func dump(rows []*rivertype.JobRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n    %+v", *r)
	}
	return b.String()
}

// TestPlainCompletions: only batches that complete jobs and change nothing
// else take the bulk query.
func TestPlainCompletions(t *testing.T) {
	t.Parallel()
	at := time.Now()
	p := completions([]int64{1, 2}, at)
	if !plainCompletions(p) {
		t.Error("plain completions not recognised")
	}
	for name, change := range map[string]func(*riverdriver.JobSetStateIfRunningManyParams){
		"schema":    func(p *riverdriver.JobSetStateIfRunningManyParams) { p.Schema = "other" },
		"metadata":  func(p *riverdriver.JobSetStateIfRunningManyParams) { p.MetadataDoMerge[1] = true },
		"errors":    func(p *riverdriver.JobSetStateIfRunningManyParams) { p.ErrData[0] = []byte("{}") },
		"attempt":   func(p *riverdriver.JobSetStateIfRunningManyParams) { n := 2; p.Attempt[0] = &n },
		"schedule":  func(p *riverdriver.JobSetStateIfRunningManyParams) { p.ScheduledAt[1] = &at },
		"state":     func(p *riverdriver.JobSetStateIfRunningManyParams) { p.State[0] = rivertype.JobStateCancelled },
		"finalized": func(p *riverdriver.JobSetStateIfRunningManyParams) { p.FinalizedAt[0] = nil },
	} {
		p := completions([]int64{1, 2}, at)
		change(p)
		if plainCompletions(p) {
			t.Errorf("%s changed: still taken as plain completions", name)
		}
	}
	if plainCompletions(&riverdriver.JobSetStateIfRunningManyParams{}) {
		t.Error("an empty batch taken as plain completions")
	}
}

// TestRiverVersionPinned fails on any River upgrade: sqliteDriver wraps
// riversqlite's executor and copies its completion query's columns and
// decoding, which River may change in any release.
func TestRiverVersionPinned(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(testkit.RepoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "github.com/riverqueue/river") {
			continue
		}
		seen++
		if f[1] != riverVersion {
			t.Errorf("go.mod requires %s %s, but internal/delivery/riversqlite.go was written against River %s: "+
				"compare completeManySQL and scanJobRow with riversqlite's JobSetStateIfRunningMany in the new release, "+
				"run TestBulkCompletionIsRiversqlites, then update riverVersion (or drop sqliteDriver)", f[0], f[1], riverVersion)
		}
	}
	if seen == 0 {
		t.Fatal("go.mod names no github.com/riverqueue/river module")
	}
}
