package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
)

// scaleDays are edition days with articles in their windows (schedule
// 07:00 Asia/Riyadh): each test run sends a day of its own.
var scaleDays = []string{"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"}

// scaleArticles are digestArticles repeated into the window of every day
// of scaleDays.
func scaleArticles() []map[string]string {
	var out []map[string]string
	for i, day := range scaleDays {
		d, _ := time.Parse("2006-01-02", day)
		for j, a := range digestArticles {
			b := map[string]string{}
			for k, v := range a {
				b[k] = v
			}
			b["url"] = fmt.Sprintf("%s-%d", a["url"], i)
			b["title"] = fmt.Sprintf("%s (%d)", a["title"], i+1)
			b["published"] = d.Add(time.Duration(j)*time.Hour-4*time.Hour).Format("2006-01-02T15:04:05") + "+03:00"
			out = append(out, b)
		}
	}
	return out
}

// freshSchemaDSN creates a schema on the test server (skipping, or failing
// in CI, when it is not configured), dropped when the test ends, and
// returns a DSN whose search_path is that schema.
func freshSchemaDSN(t testing.TB) string {
	return testkit.PostgresSchema(t, "the scale-out tests", "nashra_scale")
}

// pgSite is a PostgreSQL deployment: one config shared by every node.
type pgSite struct {
	*testkit.Site
	bin, dsn string
}

type siteOptions struct {
	pool int
	rate float64
}

// newPGSite writes the config of a deployment on the PostgreSQL database
// at dsn, sending through the SMTP server at smtpAddr, run by a freshly
// built nashra binary.
func newPGSite(t testing.TB, dsn, smtpAddr string, o siteOptions) *pgSite {
	t.Helper()
	if o.pool == 0 {
		o.pool = 4
	}
	site := testkit.NewSite(t, morningDigest, testkit.SMTPLayer(smtpAddr), fmt.Sprintf(`
store:
  driver: postgres
  dsn: %q
server:
  listen: "127.0.0.1:0"
  shutdown_timeout: 20s
mail:
  rate: %v
  retry_backoff: 1s
  smtp:
    pool: %d
    timeout: 10s
security:
  secret: "scale-test-secret-0123456789abcdef"
log:
  level: warn
`, dsn, o.rate, o.pool))
	return &pgSite{Site: site, bin: buildNashra(t), dsn: dsn}
}

// run runs one nashra command to its end.
func (s *pgSite) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(s.bin, append([]string{"--config", s.Config}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("nashra %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// seed migrates, imports the articles of every scale day and adds n
// confirmed subscribers.
func (s *pgSite) seed(t testing.TB, n int) {
	t.Helper()
	s.run(t, "migrate")
	arts := writeJSON(t, filepath.Join(s.Dir, "articles.json"), scaleArticles())
	s.run(t, "import", arts)
	st := s.open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n; i += 8 {
				sub := &store.Subscriber{Email: fmt.Sprintf("reader%05d@example.org", i), Status: store.StatusConfirmed, Source: store.SourceAdmin}
				if _, err := st.AddSubscriber(ctx, sub); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func (s *pgSite) open(t testing.TB) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// enqueue inserts the edition job of day, as the periodic job or `digest
// send` would, with an insert-only River client.
func (s *pgSite) enqueue(t testing.TB, day string) {
	t.Helper()
	db, err := sql.Open(postgres.DriverName, s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := river.NewClient(riverdatabasesql.New(db), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second insert is a unique duplicate
		if _, err := c.Insert(context.Background(), delivery.EditionArgs{Date: day}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// start starts `nashra args...` in the background; it is killed when the
// test ends.
func (s *pgSite) start(t testing.TB, name string, env []string, args ...string) *testkit.Process {
	t.Helper()
	return testkit.StartProcess(t, name, env, s.bin, append([]string{"--config", s.Config}, args...)...)
}

// startWorker starts `nashra worker` and waits until its queue has
// started (it logs "delivery workers started"), so that it takes part in
// the next edition from its first job.
func (s *pgSite) startWorker(t testing.TB, name string, env ...string) *testkit.Process {
	t.Helper()
	w := s.start(t, name, append(env, "NASHRA_LOG_LEVEL=info"), "worker")
	testkit.WaitFor(t, 30*time.Second, name+" started its queue", func() bool {
		return strings.Contains(w.Out.String(), "delivery workers started")
	})
	return w
}

// sink is a real SMTP server (testkit.SMTPSink) recording, per edition,
// the recipients and the time each message was accepted; delay makes it
// wait before accepting (a remote relay).
type sink struct {
	addr  string
	mu    sync.Mutex
	per   map[string]map[string]int // edition -> rcpt -> count
	at    map[string][]time.Time    // edition -> accept times
	onMsg func(edition string, total int)
}

func startSink(t testing.TB, delay time.Duration) *sink {
	t.Helper()
	s := &sink{per: map[string]map[string]int{}, at: map[string][]time.Time{}}
	k := testkit.StartSMTPSink(t, nil, delay)
	k.Discard = true
	k.OnMessage = s.record
	s.addr = k.Addr
	return s
}

// record counts m under the edition named by its X-Nashra-Edition header.
func (s *sink) record(m testkit.Message, _ int) {
	edition := "?"
	if i := bytes.Index(m.Data, []byte("X-Nashra-Edition: ")); i >= 0 {
		rest := m.Data[i+len("X-Nashra-Edition: "):]
		if j := bytes.IndexByte(rest, '\r'); j > 0 {
			edition = string(rest[:j])
		}
	}
	s.mu.Lock()
	if s.per[edition] == nil {
		s.per[edition] = map[string]int{}
	}
	for _, to := range m.To {
		s.per[edition][to]++
	}
	s.at[edition] = append(s.at[edition], m.At)
	total := len(s.at[edition])
	f := s.onMsg
	s.mu.Unlock()
	if f != nil {
		f(edition, total)
	}
}

// counts returns, for edition, the messages, the distinct recipients and
// the recipients that got more than one.
func (s *sink) counts(edition string) (total, distinct int, dups []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r, n := range s.per[edition] {
		total += n
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d", r, n))
		}
	}
	return total, len(s.per[edition]), dups
}

func (s *sink) times(edition string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := append([]time.Time(nil), s.at[edition]...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	return ts
}

// waitSent waits until the ledger records n deliveries of day as sent and
// the sink holds n messages, then until no send job of day is left to run
// (none could still repeat a message), and checks that each recipient got
// exactly one. When the ledger is complete but the sink stays short for
// 15 s, it fails at once, naming the missing recipients and what the
// ledger says of them.
func waitSent(t testing.TB, site *pgSite, st store.Store, sk *sink, day string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var short time.Time // when the ledger was first complete with the sink short
	for {
		counts, err := st.DeliveryCounts(context.Background(), day)
		total, _, _ := sk.counts(day)
		if err == nil && counts[store.DeliverySent] == n && total >= n {
			break
		}
		if err == nil && counts[store.DeliverySent] == n && total < n {
			if short.IsZero() {
				short = time.Now()
			} else if time.Since(short) > 15*time.Second {
				t.Fatalf("%s: the ledger records %d sent but the sink holds %d; missing: %s", day, n, total, sk.missing(t, st, day, 10))
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after %v the ledger says %v (err %v) and the sink holds %d, want %d sent; missing: %s",
				day, timeout, counts, err, total, n, sk.missing(t, st, day, 10))
		}
		time.Sleep(200 * time.Millisecond)
	}
	testkit.WaitFor(t, time.Minute, day+": every send job finished", func() bool { return site.openSendJobs(t, day) == 0 })
	total, distinct, dups := sk.counts(day)
	if total != n || distinct != n {
		t.Fatalf("%s: the sink holds %d messages for %d recipients, want %d each; repeated: %v", day, total, distinct, n, firstN(dups, 10))
	}
}

// openSendJobs counts the send jobs of day that River may still run
// (neither completed, cancelled nor discarded).
func (s *pgSite) openSendJobs(t testing.TB, day string) int {
	t.Helper()
	db, err := sql.Open(postgres.DriverName, s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var c int
	if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'nashra_send' AND args->>'edition' = $1
		AND state NOT IN ('completed', 'cancelled', 'discarded')`, day).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// lastAccept is when the sink last accepted a message of edition.
func (s *sink) lastAccept(edition string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last time.Time
	for _, at := range s.at[edition] {
		if at.After(last) {
			last = at
		}
	}
	return last
}

// missing describes up to max deliveries of day that the ledger records as
// sent and the sink never received.
func (s *sink) missing(t testing.TB, st store.Store, day string, max int) string {
	ds, err := st.ListDeliveries(context.Background(), day, store.DeliverySent, 0)
	if err != nil {
		return err.Error()
	}
	s.mu.Lock()
	got := s.per[day]
	var out []string
	for _, d := range ds {
		if got["<"+d.Email+">"] == 0 && got[d.Email] == 0 && len(out) < max {
			out = append(out, fmt.Sprintf("%s (attempts %d, %q)", d.Email, d.Attempts, d.LastError))
		}
	}
	s.mu.Unlock()
	return strings.Join(out, "; ")
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
