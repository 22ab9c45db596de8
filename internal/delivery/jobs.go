package delivery

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Jobs reads nashra's jobs through River's public API, from a process that
// runs no workers (the metrics of `serve` and `worker`).
type Jobs struct {
	client *river.Client[*sql.Tx]
}

// NewJobs returns a reader of the jobs in db ("sqlite" or "postgres").
func NewJobs(driverName string, db *sql.DB) (*Jobs, error) {
	d, err := Driver(driverName, db)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(d, &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("delivery: river client: %w", err)
	}
	return &Jobs{client: c}, nil
}

// openStates are the states of a job that has not finished.
var openStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// SendCounts counts the send jobs that have not finished, by state. It
// lists them (River offers no count), 10,000 a query.
func (j *Jobs) SendCounts(ctx context.Context) (map[string]int, error) {
	return sendCounts(ctx, j.client)
}

func sendCounts(ctx context.Context, c *river.Client[*sql.Tx]) (map[string]int, error) {
	out := map[string]int{}
	params := river.NewJobListParams().Kinds(SendArgs{}.Kind()).States(openStates...).First(10_000)
	for {
		res, err := c.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("delivery: count jobs: %w", err)
		}
		for _, j := range res.Jobs {
			out[string(j.State)]++
		}
		if len(res.Jobs) < 10_000 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
