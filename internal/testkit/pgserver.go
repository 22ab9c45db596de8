package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// PGServer is a PostgreSQL server of the test's own, for tests that stop
// and restart it (the machine's shared server is never restarted: other
// tests use it). It runs as the postgres user with Debian's binaries, on
// a free loopback port, without fsync, and is killed when the test ends.
type PGServer struct {
	bin, dir, data, port string
}

// StartPGServer initialises and starts a PGServer. Without
// /usr/lib/postgresql/*/bin, runuser or root the test is skipped, except
// in CI where that is a failure.
func StartPGServer(t testing.TB) *PGServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Strings(bins)
	_, errRunuser := exec.LookPath("runuser")
	if len(bins) == 0 || errRunuser != nil || os.Geteuid() != 0 {
		Missing(t, "a private PostgreSQL", errors.New("it needs /usr/lib/postgresql/*/bin, runuser and root"))
	}
	dir, err := os.MkdirTemp("", "nashra-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &PGServer{bin: filepath.Dir(bins[len(bins)-1]), dir: dir, data: filepath.Join(dir, "data")}
	_, p.port, _ = strings.Cut(FreeAddr(t), ":")
	if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	p.pg(t, "initdb", "-D", p.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	p.Start(t)
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-m", "immediate", "-w", "stop").Run()
	})
	return p
}

// pg runs one of the server's programs as the postgres user.
func (p *PGServer) pg(t testing.TB, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, prog)}, args...)...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

// Start starts the server and waits until it accepts connections.
func (p *PGServer) Start(t testing.TB) {
	t.Helper()
	p.pg(t, "pg_ctl", "-D", p.data, "-l", filepath.Join(p.dir, "log"), "-w", "-o",
		fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.port, p.dir), "start")
}

// Stop shuts the server down fast (every connection cut) and waits.
func (p *PGServer) Stop(t testing.TB) {
	t.Helper()
	p.pg(t, "pg_ctl", "-D", p.data, "-m", "fast", "-w", "stop")
}

// URL is the server's postgres database, as the superuser.
func (p *PGServer) URL() string {
	return "postgres://postgres@127.0.0.1:" + p.port + "/postgres?sslmode=disable"
}
