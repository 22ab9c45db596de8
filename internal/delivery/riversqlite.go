package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivershared/uniquestates"
	"github.com/riverqueue/river/rivertype"
)

// riverVersion is the River release whose riversqlite driver sqliteDriver
// was written against and checked with (TestRiverVersionPinned): the
// driver interface is not for application code and may change in any
// release.
const riverVersion = "v0.51.2"

// sqliteDriver is River's riversqlite driver with one query done in bulk:
// the batch completer's JobSetStateIfRunningMany, which riversqlite runs as
// one UPDATE … RETURNING per job. Here a batch of plain completions (state
// "completed", nothing else changed: every send that returned nil) is one
// UPDATE … FROM json_each … RETURNING with the same columns; every other
// batch, and the jobs of a batch that were no longer running, go to
// riversqlite's own query. The rows come back decoded as riversqlite
// decodes them; TestBulkCompletionIsRiversqlites holds the two to the same
// rows and the same table. What it buys is in bench/RESULTS.md.
type sqliteDriver struct {
	*riversqlite.Driver
	db *sql.DB
}

func newSQLiteDriver(db *sql.DB) *sqliteDriver {
	return &sqliteDriver{Driver: riversqlite.New(db), db: db}
}

// GetExecutor returns riversqlite's executor with the bulk completion.
func (d *sqliteDriver) GetExecutor() riverdriver.Executor {
	return &sqliteExecutor{Executor: d.Driver.GetExecutor(), db: d.db}
}

type sqliteExecutor struct {
	riverdriver.Executor
	db *sql.DB
}

// completeManySQL completes the running jobs of ?1, a JSON array of [id,
// finalized_at] pairs, returning the columns (and their JSON conversions)
// of riversqlite's JobSetStateIfRunning. The + keeps SQLite from walking
// the state index (every running job, each against the whole array, which
// made completion four times slower than riversqlite's): each pair looks
// its job up by id.
const completeManySQL = `UPDATE river_job
SET state = 'completed', finalized_at = json_extract(c.value, '$[1]')
FROM json_each(?1) AS c
WHERE river_job.id = json_extract(c.value, '$[0]') AND +river_job.state = 'running'
RETURNING
    river_job.id,
    cast(CASE WHEN typeof(river_job.args) = 'text' AND NOT json_valid(river_job.args) THEN river_job.args ELSE json(river_job.args) END AS blob),
    river_job.attempt,
    river_job.attempted_at,
    cast(CASE WHEN typeof(river_job.attempted_by) = 'text' AND NOT json_valid(river_job.attempted_by) THEN river_job.attempted_by ELSE json(river_job.attempted_by) END AS blob),
    river_job.created_at,
    cast(CASE WHEN typeof(river_job.errors) = 'text' AND NOT json_valid(river_job.errors) THEN river_job.errors ELSE json(river_job.errors) END AS blob),
    river_job.finalized_at,
    river_job.kind,
    river_job.max_attempts,
    cast(CASE WHEN typeof(river_job.metadata) = 'text' AND NOT json_valid(river_job.metadata) THEN river_job.metadata ELSE json(river_job.metadata) END AS blob),
    river_job.priority,
    river_job.queue,
    river_job.state,
    river_job.scheduled_at,
    cast(CASE WHEN typeof(river_job.tags) = 'text' AND NOT json_valid(river_job.tags) THEN river_job.tags ELSE json(river_job.tags) END AS blob),
    river_job.unique_key,
    river_job.unique_states`

// plainCompletions reports whether every job of p is to be completed with
// nothing else changed (no attempt, error, metadata or schedule update).
func plainCompletions(p *riverdriver.JobSetStateIfRunningManyParams) bool {
	if p.Schema != "" || len(p.ID) == 0 {
		return false
	}
	for i := range p.ID {
		if p.State[i] != rivertype.JobStateCompleted || p.FinalizedAt[i] == nil || p.Attempt[i] != nil ||
			p.ErrData[i] != nil || p.MetadataDoMerge[i] || p.ScheduledAt[i] != nil {
			return false
		}
	}
	return true
}

// JobSetStateIfRunningMany implements riverdriver.Executor.
func (e *sqliteExecutor) JobSetStateIfRunningMany(ctx context.Context, p *riverdriver.JobSetStateIfRunningManyParams) ([]*rivertype.JobRow, error) {
	if !plainCompletions(p) {
		return e.Executor.JobSetStateIfRunningMany(ctx, p)
	}
	pairs := make([]any, len(p.ID))
	for i, id := range p.ID {
		// riversqlite's time format: other queries compare these texts.
		pairs[i] = [2]any{id, p.FinalizedAt[i].UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")}
	}
	arg, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	rows, err := e.db.QueryContext(ctx, completeManySQL, arg)
	if err != nil {
		return nil, fmt.Errorf("delivery: complete jobs: %w", err)
	}
	out := make([]*rivertype.JobRow, 0, len(p.ID))
	done := make(map[int64]bool, len(p.ID))
	for rows.Next() {
		j, err := scanJobRow(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("delivery: complete jobs: %w", err)
		}
		out = append(out, j)
		done[j.ID] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("delivery: complete jobs: %w", err)
	}
	if len(done) == len(p.ID) {
		return out, nil
	}
	// Jobs no longer running: riversqlite returns them as they are.
	rest := &riverdriver.JobSetStateIfRunningManyParams{Schema: p.Schema}
	for i, id := range p.ID {
		if done[id] {
			continue
		}
		rest.ID = append(rest.ID, id)
		rest.Attempt = append(rest.Attempt, p.Attempt[i])
		rest.ErrData = append(rest.ErrData, p.ErrData[i])
		rest.FinalizedAt = append(rest.FinalizedAt, p.FinalizedAt[i])
		rest.MetadataDoMerge = append(rest.MetadataDoMerge, p.MetadataDoMerge[i])
		rest.MetadataUpdates = append(rest.MetadataUpdates, p.MetadataUpdates[i])
		rest.ScheduledAt = append(rest.ScheduledAt, p.ScheduledAt[i])
		rest.State = append(rest.State, p.State[i])
	}
	more, err := e.Executor.JobSetStateIfRunningMany(ctx, rest)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// scanJobRow reads one row of completeManySQL as riversqlite decodes a
// job row (jobRowFromInternalPartial): a field that does not decode is
// left empty rather than failing the batch.
func scanJobRow(rows *sql.Rows) (*rivertype.JobRow, error) {
	var (
		j                                            rivertype.JobRow
		args, attemptedBy, errs, metadata, tags, key []byte
		attempt, maxAttempts, priority               int64
		attemptedAt, finalizedAt                     sql.NullTime
		createdAt, scheduledAt                       time.Time
		state                                        string
		uniqueStates                                 sql.NullInt64
	)
	if err := rows.Scan(&j.ID, &args, &attempt, &attemptedAt, &attemptedBy, &createdAt, &errs, &finalizedAt,
		&j.Kind, &maxAttempts, &metadata, &priority, &j.Queue, &state, &scheduledAt, &tags, &key, &uniqueStates); err != nil {
		return nil, err
	}
	if json.Valid(args) {
		j.EncodedArgs = args
	}
	j.Attempt = max(int(attempt), 0)
	if attemptedAt.Valid {
		t := attemptedAt.Time.UTC()
		j.AttemptedAt = &t
	}
	if attemptedBy != nil {
		if json.Unmarshal(attemptedBy, &j.AttemptedBy) != nil {
			j.AttemptedBy = nil
		}
	}
	j.Errors = make([]rivertype.AttemptError, 0)
	if errs != nil {
		if riverdriver.UnmarshalAttemptErrors(errs, &j.Errors) != nil {
			j.Errors = nil
		}
	}
	j.CreatedAt = createdAt.UTC()
	if finalizedAt.Valid {
		t := finalizedAt.Time.UTC()
		j.FinalizedAt = &t
	}
	j.MaxAttempts = max(int(maxAttempts), 0)
	if json.Valid(metadata) {
		j.Metadata = metadata
	}
	j.Priority = max(int(priority), 0)
	j.ScheduledAt = scheduledAt.UTC()
	j.State = rivertype.JobState(state)
	if json.Unmarshal(tags, &j.Tags) != nil {
		j.Tags = nil
	}
	j.UniqueKey = key
	var us byte
	if uniqueStates.Valid && uniqueStates.Int64 >= 0 && uniqueStates.Int64 <= 255 {
		us = byte(uniqueStates.Int64)
	}
	j.UniqueStates = uniquestates.UniqueBitmaskToStates(us)
	return &j, nil
}
