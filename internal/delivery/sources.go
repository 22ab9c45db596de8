package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// QueueSources is the queue of source fetches.
const QueueSources = "sources"

// Sources is what the source jobs need: the sources due now and the fetch
// of one (internal/source's Service, through a small adapter).
type Sources interface {
	DueSources(ctx context.Context) ([]int64, error)
	FetchSource(ctx context.Context, id int64) error
}

// SourceFetchArgs is the job that fetches one source once.
type SourceFetchArgs struct {
	Source int64 `json:"source"`
}

// Kind implements river.JobArgs.
func (SourceFetchArgs) Kind() string { return "nashra_source_fetch" }

// fetchUnique keeps one fetch job per source among the jobs waiting or
// running, so that a source is fetched by one worker at a time whatever
// the number of processes; a finished job does not block the next fetch.
var fetchUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// InsertOpts: the sources queue, one attempt (the source's own backoff
// schedules the next fetch), unique while waiting or running.
func (SourceFetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSources, MaxAttempts: 1, UniqueOpts: fetchUnique}
}

// SourcesDueArgs is the periodic job that enqueues the fetches due.
type SourcesDueArgs struct{}

// Kind implements river.JobArgs.
func (SourcesDueArgs) Kind() string { return "nashra_sources_due" }

// InsertOpts: one at a time.
func (SourcesDueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSources, MaxAttempts: 1, UniqueOpts: fetchUnique}
}

// SourcesEvery is how often the leader looks for sources due.
const SourcesEvery = 30 * time.Second

type sourceFetchWorker struct {
	river.WorkerDefaults[SourceFetchArgs]
	src Sources
}

func (w *sourceFetchWorker) Work(ctx context.Context, job *river.Job[SourceFetchArgs]) error {
	return w.src.FetchSource(ctx, job.Args.Source)
}

// Timeout leaves room for a sitemap whose pages are fetched one by one.
func (w *sourceFetchWorker) Timeout(*river.Job[SourceFetchArgs]) time.Duration {
	return 30 * time.Minute
}

type sourcesDueWorker struct {
	river.WorkerDefaults[SourcesDueArgs]
	q *Queue
}

func (w *sourcesDueWorker) Work(ctx context.Context, _ *river.Job[SourcesDueArgs]) error {
	_, err := w.q.EnqueueDueSources(ctx)
	return err
}

// EnqueueDueSources inserts a fetch job for every source due now (a source
// whose job is still waiting or running gets no second one) and returns
// how many it inserted.
func (q *Queue) EnqueueDueSources(ctx context.Context) (int, error) {
	if q.opts.Sources == nil {
		return 0, nil
	}
	ids, err := q.opts.Sources.DueSources(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: SourceFetchArgs{Source: id}}
	}
	res, err := q.Client.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("delivery: insert source fetches: %w", err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// addSourceJobs registers the source workers, their queue and the
// periodic job that enqueues due fetches (run by River's leader).
func (q *Queue) addSourceJobs(workers *river.Workers, cfg *river.Config) error {
	if q.opts.Sources == nil {
		return nil
	}
	if err := river.AddWorkerSafely(workers, &sourceFetchWorker{src: q.opts.Sources}); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &sourcesDueWorker{q: q}); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	cfg.Queues[QueueSources] = river.QueueConfig{MaxWorkers: max(1, q.opts.SourceWorkers)}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(SourcesEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SourcesDueArgs{}, nil },
		&river.PeriodicJobOpts{ID: "nashra_sources_due", RunOnStart: true}))
	return nil
}
