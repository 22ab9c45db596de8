package main

import (
	"context"
	"database/sql"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/testkit"
)

// TestScaleMigrateTwiceAtOnce: two `nashra migrate` on a fresh schema at
// the same moment both exit 0, and every migration (store, River, rate
// limit) is applied once.
func TestScaleMigrateTwiceAtOnce(t *testing.T) {
	site := newPGSite(t, freshSchemaDSN(t), "127.0.0.1:25", siteOptions{})
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := exec.Command(site.bin, "--config", site.Config, "migrate").CombinedOutput()
			outs[i], errs[i] = string(b), err
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Errorf("migrate %d: %v\n%s", i+1, errs[i], outs[i])
		}
	}
	db, err := sql.Open(postgres.DriverName, site.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := site.open(t)
	ctx := context.Background()
	if n, err := st.MigrationsPending(ctx); err != nil || n != 0 {
		t.Errorf("store migrations pending after two migrates: %d (%v)", n, err)
	}
	var rows, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(st.Migrations()) || distinct != rows {
		t.Errorf("schema_migrations: %d rows, %d versions, want %d once each", rows, distinct, len(st.Migrations()))
	}
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM river_migration`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || rows != distinct {
		t.Errorf("river_migration: %d rows, %d versions, want each version once", rows, distinct)
	}
	if _, err := db.Exec(`SELECT name, next_at FROM nashra_rate_limit`); err != nil {
		t.Errorf("rate limit table: %v", err)
	}
	// A third run finds nothing to do.
	if out := site.run(t, "migrate"); !strings.Contains(out, "0 applied") {
		t.Errorf("third migrate: %s", out)
	}
}

// TestScaleTenThousand: three `nashra worker` and one `nashra serve` on
// one PostgreSQL database send an edition to 10,000 subscribers: the sink
// holds exactly one message per subscriber, and the sends are spread over
// the nodes. Then the next day's edition again, with one worker killed by
// SIGKILL in the middle: still exactly one each. The nodes stop cleanly
// on SIGTERM; /metrics and `digest status` report the ledger.
func TestScaleTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("four processes send 20,000 messages")
	}
	const n = 10000
	sk := startSink(t, 0)
	site := newPGSite(t, freshSchemaDSN(t), sk.addr, siteOptions{pool: 4})
	start := time.Now()
	site.seed(t, n)
	t.Logf("seeded %d subscribers in %v", n, time.Since(start))
	st := site.open(t)

	httpAddr := testkit.FreeAddr(t)
	serve := site.start(t, "serve", []string{"NASHRA_SERVER_LISTEN=" + httpAddr}, "serve")
	workers := []*testkit.Process{
		site.start(t, "worker1", nil, "worker"),
		site.start(t, "worker2", nil, "worker"),
		site.start(t, "worker3", nil, "worker"),
	}

	// 1. Every node up, one edition, 10,000 messages.
	day := scaleDays[0]
	start = time.Now()
	site.enqueue(t, day)
	waitSent(t, site, st, sk, day, n, 5*time.Minute)
	t.Logf("%s: %d messages in %v by 4 nodes", day, n, time.Since(start))
	spread := sendsPerNode(t, site.dsn, day)
	t.Logf("%s: send jobs completed per node: %v", day, spread)
	if len(spread) < 3 {
		t.Errorf("sends did not spread: %v", spread)
	}
	if eds := editionCount(t, site.dsn); eds != 1 {
		t.Errorf("%d editions recorded, want 1", eds)
	}

	// Metrics and status read the shared ledger.
	var metrics string
	testkit.WaitFor(t, 10*time.Second, "serve answers /metrics", func() bool {
		var code int
		code, metrics = testkit.Fetch("http://" + httpAddr + "/metrics")
		return code != 0
	})
	for _, want := range []string{"nashra_sends_total{result=\"sent\"}", "nashra_send_duration_seconds_bucket", "nashra_database_up 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	status := site.run(t, "digest", "status", "--date", day)
	if !strings.Contains(status, "10000") {
		t.Errorf("digest status does not report 10000 sent:\n%s", status)
	}

	// 2. Next day, one worker SIGKILLed after 3,000 messages.
	day = scaleDays[1]
	var once sync.Once
	killed := make(chan struct{})
	sk.mu.Lock()
	sk.onMsg = func(ed string, total int) {
		if ed == day && total >= 3000 {
			once.Do(func() {
				workers[0].Cmd.Process.Signal(syscall.SIGKILL)
				close(killed)
			})
		}
	}
	sk.mu.Unlock()
	start = time.Now()
	site.enqueue(t, day)
	select {
	case <-killed:
	case <-time.After(5 * time.Minute):
		t.Fatal("the kill point was never reached")
	}
	waitSent(t, site, st, sk, day, n, 5*time.Minute)
	t.Logf("%s: %d messages in %v with worker1 killed at 3,000", day, n, time.Since(start))
	if eds := editionCount(t, site.dsn); eds != 2 {
		t.Errorf("%d editions recorded, want 2", eds)
	}

	// Graceful stop of the survivors.
	for _, w := range append(workers[1:], serve) {
		w.Stop(t)
	}
}

// sendsPerNode counts the completed send jobs of day by the River client
// that ran them.
func sendsPerNode(t testing.TB, dsn, day string) map[string]int {
	t.Helper()
	db, err := sql.Open(postgres.DriverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job
		WHERE kind = 'nashra_send' AND args->>'edition' = $1 AND state = 'completed' GROUP BY 1`, day)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var c int
		if err := rows.Scan(&id, &c); err != nil {
			t.Fatal(err)
		}
		out[id] = c
	}
	return out
}

func editionCount(t testing.TB, dsn string) int {
	t.Helper()
	db, err := sql.Open(postgres.DriverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var c int
	if err := db.QueryRow(`SELECT count(*) FROM editions`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}
