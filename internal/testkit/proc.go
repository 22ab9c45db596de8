package testkit

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreeAddr returns a TCP address on 127.0.0.1 that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// SyncBuffer is a bytes.Buffer safe for one writer and concurrent
// readers: a background program's output read while it runs.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// stopWithin is how long a program stopped by a test may take to exit.
const stopWithin = 30 * time.Second

// Background runs run on a goroutine until the test ends. Then it cancels
// run's context and fails the test if run returned an error or did not
// return within 30 s; log, when not nil, is shown with the error. It is
// for a command run in-process, such as `nashra serve`.
func Background(t testing.TB, name string, log *SyncBuffer, run func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				if log != nil {
					t.Errorf("%s: %v\n%s", name, err, log.String())
				} else {
					t.Errorf("%s: %v", name, err)
				}
			}
		case <-time.After(stopWithin):
			t.Errorf("%s did not stop within %s", name, stopWithin)
		}
	})
}

// WaitHealthy waits until GET url answers 200 (e.g. a server's /healthz).
func WaitHealthy(t testing.TB, within time.Duration, url string) {
	t.Helper()
	WaitFor(t, within, "GET "+url+" answers 200", func() bool {
		r, err := http.Get(url)
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK
	})
}

// Process is a program a test runs in the background, such as the nashra
// binary's serve or worker.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	Out  *SyncBuffer // its stdout and stderr
	done chan error  // its exit, once; Stop and Wait put it back
}

// StartProcess starts bin with args, env added to the environment. It is
// killed when the test ends, and its output is logged if the test failed.
func StartProcess(t testing.TB, name string, env []string, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{Name: name, Out: &SyncBuffer{}, done: make(chan error, 1)}
	p.Cmd = exec.Command(bin, args...)
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stdout, p.Cmd.Stderr = p.Out, p.Out
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.Cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.Cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", p.Name, p.Out.String())
		}
	})
	return p
}

// Signal sends sig to the process, failing the test if it cannot.
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("%s: %v: %v", p.Name, sig, err)
	}
}

// Wait waits up to within for the process to exit and returns how it
// exited; it fails the test if it is still running then.
func (p *Process) Wait(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(within):
		t.Fatalf("%s still running after %s", p.Name, within)
		return nil
	}
}

// Stop sends SIGTERM and fails the test unless the process then exits
// with status 0 within 30 s.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	p.Signal(t, syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM\n%s", p.Name, err, p.Out.String())
		}
	case <-time.After(stopWithin):
		t.Errorf("%s did not stop within %s of SIGTERM", p.Name, stopWithin)
	}
}
