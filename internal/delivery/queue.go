package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/robfig/cron/v3"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
)

// Queue names.
const (
	QueueEditions = "editions"
	QueueMail     = "mail"
)

// EditionArgs is the job that prepares one edition.
type EditionArgs struct {
	// Date is the edition's ID (store.EditionID): its day, YYYY-MM-DD in
	// the site time zone, prefixed "slug." unless its newsletter is the
	// default one.
	Date string `json:"date"`
}

// Kind implements river.JobArgs.
func (EditionArgs) Kind() string { return "nashra_edition" }

// InsertOpts makes the job unique per day, whatever its state: a day's
// edition is prepared once.
func (EditionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEditions, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PrepareArgs is the job that builds an edition ahead of its send time,
// for an editor to approve (approval: required).
type PrepareArgs struct {
	// Date is the edition's ID, as in EditionArgs.
	Date string `json:"date"`
}

// Kind implements river.JobArgs.
func (PrepareArgs) Kind() string { return "nashra_edition_prepare" }

// InsertOpts makes the job unique per day.
func (PrepareArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEditions, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type prepareWorker struct {
	river.WorkerDefaults[PrepareArgs]
	q *Queue
}

// Work builds and records the edition, held for approval.
func (w *prepareWorker) Work(ctx context.Context, job *river.Job[PrepareArgs]) error {
	se, _, err := w.q.svc.Edition(ctx, job.Args.Date)
	if errors.Is(err, ErrNoEdition) || errors.Is(err, ErrCovered) {
		w.q.svc.o.Log.Info("no edition to prepare", "date", job.Args.Date, "why", err)
		return nil
	}
	if err != nil {
		return err
	}
	se, err = w.q.svc.start(ctx, se)
	if err != nil && !errors.Is(err, ErrHeld) && !errors.Is(err, ErrCancelled) {
		return err
	}
	w.q.svc.o.Log.Info("edition prepared for approval", "date", job.Args.Date, "state", se.State)
	return nil
}

// earlier is a schedule running d before another one.
type earlier struct {
	s cron.Schedule
	d time.Duration
}

func (e earlier) Next(t time.Time) time.Time { return e.s.Next(t.Add(e.d)).Add(-e.d) }

// SendArgs is the job that sends one edition to one subscriber.
type SendArgs struct {
	Edition    string `json:"edition"`
	Subscriber int64  `json:"subscriber"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "nashra_send" }

// InsertOpts makes the job unique per (edition, subscriber).
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type editionWorker struct {
	river.WorkerDefaults[EditionArgs]
	q *Queue
}

func (w *editionWorker) Work(ctx context.Context, job *river.Job[EditionArgs]) error {
	p, err := w.q.svc.Prepare(ctx, w.q, job.Args.Date)
	if errors.Is(err, ErrNoEdition) {
		w.q.svc.o.Log.Info("no edition today", "date", job.Args.Date)
		return nil
	}
	if errors.Is(err, ErrHeld) {
		w.q.svc.Missed(ctx, job.Args.Date)
		return nil
	}
	if errors.Is(err, ErrCancelled) || errors.Is(err, ErrCovered) {
		w.q.svc.o.Log.Warn("edition not sent", "date", job.Args.Date, "why", err)
		return nil
	}
	if err != nil {
		return err
	}
	w.q.svc.o.Log.Info("edition prepared", "date", job.Args.Date, "recipients", p.Recipients, "enqueued", p.Enqueued)
	return nil
}

// Timeout lets a large list be enqueued.
func (w *editionWorker) Timeout(*river.Job[EditionArgs]) time.Duration { return time.Hour }

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	q *Queue
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	out, err := w.q.svc.Deliver(ctx, job.Args.Edition, job.Args.Subscriber)
	if out == Paused {
		// Not an attempt: back in the queue (see pauseWait).
		return river.JobSnooze(0)
	}
	w.q.sendEnded(out)
	if w.q.opts.OnDelivered != nil {
		w.q.opts.OnDelivered(job.Args, out)
	}
	return err
}

// QueueOptions configure the River client.
type QueueOptions struct {
	// Driver is "sqlite" or "postgres" (store.driver).
	Driver string
	// Workers is the number of concurrent sends (default 16).
	Workers int
	// Schedule is digest.schedule (cron, five fields) in Location; ""
	// disables the periodic edition jobs. Each newsletter of the service
	// runs on its own schedule (Newsletter.Schedule); the default one
	// without a schedule of its own runs on this one.
	Schedule string
	// PrepareBefore, when positive (digest.prepare_before), also builds
	// each edition of a newsletter that requires approval that long
	// before its send time, held for approval.
	PrepareBefore time.Duration
	Location      *time.Location
	// Now is the clock of the periodic job (default time.Now).
	Now func() time.Time
	// OnDelivered, when set, is told the outcome of every send attempt
	// (metrics).
	OnDelivered func(SendArgs, Outcome)
	// OnEditionEnd and OnSendRun, when set, are told from River's events
	// of every edition job that ends (completed or not) and of how long
	// each send job ran (metrics).
	OnEditionEnd func(completed bool)
	OnSendRun    func(time.Duration)
	// RescueEvery, when set, is how often a started queue looks for the
	// jobs of dead nashra processes on its host (RescueOrphans), so that a
	// worker killed mid-send has its jobs taken over within seconds by the
	// nodes left on its machine; jobs of a dead machine wait for River's
	// own rescuer (RescueStuckJobsAfter). Start rescues once in any case.
	RescueEvery time.Duration
	// Sources, when set, adds the source fetch jobs (sources queue) with
	// SourceWorkers concurrent fetches (default 1).
	Sources       Sources
	SourceWorkers int
	Log           *slog.Logger
}

// Queue is nashra's River client with its workers.
type Queue struct {
	Client *river.Client[*sql.Tx]
	driver riverdriver.Driver[*sql.Tx]
	db     *sql.DB
	svc    *Service
	opts   QueueOptions
	id     string
	ckpt   *checkpointer // SQLite only, while started

	// ended counts the attempts of this process that ended a delivery;
	// settled wakes SendEdition's wait after each (see sendEnded).
	ended   atomic.Int64
	settled chan struct{}
}

// Driver returns the River driver for the store's pool: riversqlite on
// SQLite (with its completions done in bulk, see sqliteDriver),
// riverdatabasesql on PostgreSQL (the store's pool is database/sql).
func Driver(name string, db *sql.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch name {
	case "sqlite":
		return newSQLiteDriver(db), nil
	case "postgres":
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("delivery: unknown store driver %q", name)
}

// Migrate applies River's migrations on db.
func Migrate(ctx context.Context, driverName string, db *sql.DB) error {
	d, err := Driver(driverName, db)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(d, nil)
	if err != nil {
		return fmt.Errorf("delivery: migrate queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("delivery: migrate queue: %w", err)
	}
	return nil
}

// Schedule parses a five-field cron schedule in loc (robfig/cron with
// CRON_TZ, since River hands periodic schedules UTC times).
func Schedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + strings.TrimSpace(spec))
	if err != nil {
		return nil, fmt.Errorf("delivery: digest.schedule %q: %w", spec, err)
	}
	return s, nil
}

// SendTime is the wall-clock time of day of a schedule whose minute and hour
// fields are plain numbers ("30 6 * * *" -> 6h30m), for digest.Options.
func SendTime(spec string) time.Duration {
	f := strings.Fields(spec)
	if len(f) != 5 {
		return 0
	}
	var m, h int
	if _, err := fmt.Sscanf(f[0]+" "+f[1], "%d %d", &m, &h); err != nil || m < 0 || m > 59 || h < 0 || h > 23 {
		return 0
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
}

// retryPolicy doubles the wait from base up to max, with 10% jitter.
type retryPolicy struct{ base, max time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := p.base
	for i := 1; i < job.Attempt && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	return time.Now().Add(d)
}

// NewQueue builds the River client on db with the edition and send
// workers (and the periodic edition job when opts.Schedule is set). River
// elects one leader among the processes sharing the database: only the
// leader enqueues periodic jobs.
func NewQueue(db *sql.DB, svc *Service, opts QueueOptions) (*Queue, error) {
	d, err := Driver(opts.Driver, db)
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Log == nil {
		opts.Log = svc.o.Log
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &Queue{driver: d, db: db, svc: svc, opts: opts, id: clientID(), settled: make(chan struct{}, 1)}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &editionWorker{q: q}); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &sendWorker{q: q}); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &prepareWorker{q: q}); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	cfg := &river.Config{
		ID: q.id,
		Queues: map[string]river.QueueConfig{
			QueueEditions: {MaxWorkers: 1},
			QueueMail:     {MaxWorkers: opts.Workers},
		},
		Workers: workers,
		// A fetch locks every job a free worker can take: waiting 20ms
		// between fetches lets completions pile up into one fetch (the
		// SQLite fetch query costs the same for 1 job or 50, and SQLite
		// re-plans it whenever its LIMIT changes).
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    100 * time.Millisecond,
		JobTimeout:           5 * time.Minute,
		RescueStuckJobsAfter: 10 * time.Minute,
		MaxAttempts:          svc.o.MaxAttempts + 2,
		RetryPolicy:          retryPolicy{base: svc.o.RetryBackoff, max: svc.o.MaxBackoff},
		// River's own INFO lines (client started, stopped…) are noise
		// for short commands; its warnings and errors still show.
		Logger: slog.New(minLevel{opts.Log.Handler(), slog.LevelWarn}),
	}
	if opts.Schedule != "" {
		for i := range svc.nls {
			jobs, err := periodicJobs(&svc.nls[i], opts)
			if err != nil {
				return nil, err
			}
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, jobs...)
		}
	}
	if err := q.addSourceJobs(workers, cfg); err != nil {
		return nil, err
	}
	c, err := river.NewClient(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("delivery: river client: %w", err)
	}
	q.Client = c
	return q, nil
}

// periodicJobs are newsletter n's edition job, at its send time, and
// with approval required its prepare job, PrepareBefore earlier. The
// default newsletter's keep the IDs of the single digest's.
func periodicJobs(n *Newsletter, opts QueueOptions) ([]*river.PeriodicJob, error) {
	spec := n.Schedule
	if spec == "" && n.Default {
		spec = opts.Schedule
	}
	if spec == "" {
		return nil, nil
	}
	sched, err := Schedule(spec, opts.Location)
	if err != nil {
		return nil, err
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	now := opts.Now
	editionJob, prepareJob := "nashra_daily_edition", "nashra_prepare_edition"
	if !n.Default {
		editionJob, prepareJob = "nashra_edition_"+n.Slug, "nashra_prepare_"+n.Slug
	}
	jobs := []*river.PeriodicJob{river.NewPeriodicJob(sched,
		func() (river.JobArgs, *river.InsertOpts) {
			return EditionArgs{Date: editionAt(n, now(), loc)}, nil
		}, &river.PeriodicJobOpts{ID: editionJob})}
	if before := opts.PrepareBefore; before > 0 && n.RequireApproval {
		jobs = append(jobs, river.NewPeriodicJob(earlier{s: sched, d: before},
			func() (river.JobArgs, *river.InsertOpts) {
				// Named by the send it precedes.
				return PrepareArgs{Date: editionAt(n, now().Add(before), loc)}, nil
			}, &river.PeriodicJobOpts{ID: prepareJob}))
	}
	return jobs, nil
}

// editionAt is the edition n's periodic job names when it fires at t: the
// job fires at the send time, which opens the next window, so the edition
// is the one of the day it cuts, t's day.
func editionAt(n *Newsletter, t time.Time, loc *time.Location) string {
	return n.EditionID(t.In(loc).Format(digest.DayLayout))
}

// Service returns the delivery service the workers use.
func (q *Queue) Service() *Service { return q.svc }

// ID is this process's River client ID.
func (q *Queue) ID() string { return q.id }

// InsertSends implements JobInserter with River's InsertMany; jobs that
// exist already (any state but cancelled or discarded) are skipped. On
// SQLite it uses InsertManyFast, which skips them too there (the driver's
// insert ends in ON CONFLICT DO NOTHING on the unique key) without reading
// every inserted row back and decoding it for nobody.
func (q *Queue) InsertSends(ctx context.Context, edition string, subs []store.Subscriber, maxAttempts int) error {
	params := make([]river.InsertManyParams, len(subs))
	for i, s := range subs {
		params[i] = river.InsertManyParams{
			Args: SendArgs{Edition: edition, Subscriber: s.ID},
			InsertOpts: &river.InsertOpts{Queue: QueueMail, MaxAttempts: maxAttempts + 2,
				UniqueOpts: river.UniqueOpts{ByArgs: true}},
		}
	}
	var err error
	if q.opts.Driver == "sqlite" {
		_, err = q.Client.InsertManyFast(ctx, params)
	} else {
		_, err = q.Client.InsertMany(ctx, params)
	}
	if err != nil {
		return fmt.Errorf("delivery: insert send jobs: %w", err)
	}
	return nil
}

// InsertEdition inserts the edition job of day and returns its ID; when
// the job exists already (the day was prepared, or is being prepared) the
// insert is skipped and the existing job's ID returned.
func (q *Queue) InsertEdition(ctx context.Context, day string) (jobID int64, inserted bool, err error) {
	res, err := q.Client.Insert(ctx, EditionArgs{Date: day}, nil)
	if err != nil {
		return 0, false, fmt.Errorf("delivery: insert edition job: %w", err)
	}
	return res.Job.ID, !res.UniqueSkippedAsDuplicate, nil
}

// JobDone reports whether the job has finished (completed, discarded or
// cancelled) and, if it did not complete, its last error.
func (q *Queue) JobDone(ctx context.Context, id int64) (done bool, lastErr string, err error) {
	j, err := q.Client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return true, "", nil // completed and cleaned up since
	}
	if err != nil {
		return false, "", fmt.Errorf("delivery: job %d: %w", id, err)
	}
	switch j.State {
	case rivertype.JobStateCompleted:
		return true, "", nil
	case rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		if n := len(j.Errors); n > 0 {
			return true, j.Errors[n-1].Error, nil
		}
		return true, string(j.State), nil
	}
	return false, "", nil
}

// Start starts the workers after rescuing the jobs of dead local processes.
// On SQLite it also takes over the WAL checkpoints (see checkpointer).
func (q *Queue) Start(ctx context.Context) error {
	if q.opts.Driver == "sqlite" && q.ckpt == nil {
		c, err := startCheckpoints(ctx, q.db, q.opts.Log)
		if err != nil {
			return fmt.Errorf("delivery: start queue: WAL checkpoints: %w", err)
		}
		q.ckpt = c
	}
	if n, err := q.RescueOrphans(ctx); err != nil {
		q.opts.Log.Warn("rescuing jobs of dead processes", "err", err)
	} else if n > 0 {
		q.opts.Log.Info("rescued jobs of dead processes", "jobs", n)
	}
	// Subscribed before the start, so that no early event is missed; the
	// loop starts after it, when the client's Stopped channel is set.
	supervise := q.supervise()
	if err := q.Client.Start(ctx); err != nil {
		supervise(false)
		return fmt.Errorf("delivery: start queue: %w", err)
	}
	supervise(true)
	return nil
}

// supervise subscribes to River's job events and returns the function
// that, called with true once the client has started, passes them to
// OnEditionEnd and OnSendRun and rescues the jobs of dead local processes
// every RescueEvery, until the client stops; called with false, it only
// unsubscribes.
func (q *Queue) supervise() func(started bool) {
	o := q.opts
	if o.OnEditionEnd == nil && o.OnSendRun == nil && o.RescueEvery <= 0 {
		return func(bool) {}
	}
	events, cancel := q.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	return func(started bool) {
		if !started {
			cancel()
			return
		}
		go q.superviseLoop(events, cancel)
	}
}

// superviseLoop is supervise's loop.
func (q *Queue) superviseLoop(events <-chan *river.Event, cancel func()) {
	o := q.opts
	defer cancel()
	var tick <-chan time.Time
	if o.RescueEvery > 0 {
		t := time.NewTicker(o.RescueEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-q.Client.Stopped():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			q.observe(ev)
		case <-tick:
			ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			if n, err := q.RescueOrphans(ctx); err != nil {
				o.Log.Debug("rescuing jobs of dead processes", "err", err)
			} else if n > 0 {
				o.Log.Info("rescued jobs of dead processes", "jobs", n)
			}
			c()
		}
	}
}

func (q *Queue) observe(ev *river.Event) {
	if ev == nil || ev.Job == nil {
		return
	}
	switch ev.Job.Kind {
	case EditionArgs{}.Kind():
		if q.opts.OnEditionEnd != nil {
			q.opts.OnEditionEnd(ev.Kind == river.EventKindJobCompleted)
		}
	case SendArgs{}.Kind():
		if q.opts.OnSendRun != nil && ev.JobStats != nil {
			q.opts.OnSendRun(ev.JobStats.RunDuration)
		}
	}
}

// Stop waits for running jobs to finish, then stops.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.Client.Stop(ctx); err != nil {
		return fmt.Errorf("delivery: stop queue: %w", err)
	}
	if q.ckpt != nil {
		c := q.ckpt
		q.ckpt = nil
		if err := c.Stop(ctx); err != nil {
			return fmt.Errorf("delivery: stop queue: WAL checkpoint: %w", err)
		}
	}
	return nil
}

// Pending reports whether some send job is available or running (retries
// scheduled for later do not count), and the time of the next scheduled
// retry (zero when none).
func (q *Queue) Pending(ctx context.Context) (pending bool, nextRetry time.Time, err error) {
	params := river.NewJobListParams().Kinds(SendArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStatePending).First(1)
	res, err := q.Client.JobList(ctx, params)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("delivery: list jobs: %w", err)
	}
	pending = len(res.Jobs) > 0
	params = river.NewJobListParams().Kinds(SendArgs{}.Kind()).
		States(rivertype.JobStateRetryable, rivertype.JobStateScheduled).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1)
	res, err = q.Client.JobList(ctx, params)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("delivery: list jobs: %w", err)
	}
	if len(res.Jobs) > 0 {
		nextRetry = res.Jobs[0].ScheduledAt
	}
	return pending, nextRetry, nil
}

// SendCounts counts the send jobs that have not finished, by state (see
// Jobs.SendCounts).
func (q *Queue) SendCounts(ctx context.Context) (map[string]int, error) {
	return sendCounts(ctx, q.Client)
}

// clientID names this process for River: "nashra.PID.RANDOM.HOST", so that
// RescueOrphans can tell the jobs of a dead process on this host.
func clientID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, host)
	if host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("nashra.%d.%08x.%s", os.Getpid(), rand.Uint32(), host)
}

// minLevel is h without the records below level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(attrs), m.level}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.level}
}
