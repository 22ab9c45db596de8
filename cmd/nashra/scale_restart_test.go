package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// privatePG is a PostgreSQL server of the test's own (the machine's shared
// server is never restarted: other tests use it), run as the postgres
// user with the Debian binaries.
type privatePG struct {
	bin, dir, data, port string
}

func startPrivatePG(t testing.TB) *privatePG {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Strings(bins)
	_, errRunuser := exec.LookPath("runuser")
	if len(bins) == 0 || errRunuser != nil || os.Geteuid() != 0 {
		msg := "a private PostgreSQL needs /usr/lib/postgresql/*/bin, runuser and root"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir, err := os.MkdirTemp("", "nashra-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &privatePG{bin: filepath.Dir(bins[len(bins)-1]), dir: dir, data: filepath.Join(dir, "data")}
	_, p.port, _ = strings.Cut(testkit.FreeAddr(t), ":")
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	p.pg(t, "initdb", "-D", p.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	p.start(t)
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-m", "immediate", "-w", "stop").Run()
	})
	return p
}

func (p *privatePG) pg(t testing.TB, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, prog)}, args...)...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

func (p *privatePG) start(t testing.TB) {
	t.Helper()
	p.pg(t, "pg_ctl", "-D", p.data, "-l", filepath.Join(p.dir, "log"), "-w", "-o",
		fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.port, p.dir), "start")
}

func (p *privatePG) stop(t testing.TB) {
	t.Helper()
	p.pg(t, "pg_ctl", "-D", p.data, "-m", "fast", "-w", "stop")
}

func (p *privatePG) url() string {
	return "postgres://postgres@127.0.0.1:" + p.port + "/postgres?sslmode=disable"
}

// TestScalePostgresRestart: PostgreSQL stops (fast shutdown: every
// connection cut) in the middle of a send by two workers and comes back
// once the send has stalled; the send resumes by itself and the sink ends with
// exactly one message per subscriber.
func TestScalePostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL and restarts it mid-send")
	}
	const n = 2000
	pg := startPrivatePG(t)
	bin := buildNashra(t)
	sk := startSink(t, 2*time.Millisecond)
	site := newPGSite(t, bin, pg.url(), sk.addr, siteOptions{pool: 4})
	site.seed(t, n)
	st := site.open(t)
	site.start(t, "worker1", nil, "worker")
	site.start(t, "worker2", nil, "worker")

	day := scaleDays[0]
	restart := make(chan int, 1)
	var once sync.Once
	sk.mu.Lock()
	sk.onMsg = func(ed string, total int) {
		if ed == day && total >= n/3 {
			once.Do(func() { restart <- total })
		}
	}
	sk.mu.Unlock()
	start := time.Now()
	var down time.Time
	site.enqueue(t, day)
	select {
	case at := <-restart:
		pg.stop(t)
		down = time.Now()
		t.Logf("PostgreSQL stopped after %d messages", at)
	case <-time.After(2 * time.Minute):
		t.Fatal("the restart point was never reached")
	}
	// PostgreSQL stays down until the send has stalled: no message
	// accepted for two seconds.
	testkit.WaitFor(t, time.Minute, "the send stalls without PostgreSQL", func() bool {
		return time.Since(sk.lastAccept(day)) >= 2*time.Second
	})
	during, _, _ := sk.counts(day)
	pg.start(t)
	outage := time.Since(down).Round(100 * time.Millisecond)
	t.Logf("PostgreSQL back after %v; %d messages accepted before it came back", outage, during)
	waitSent(t, site, st, sk, day, n, 2*time.Minute)
	t.Logf("%d messages, exactly once each, in %v including an outage of %v", n, time.Since(start), outage)
}
