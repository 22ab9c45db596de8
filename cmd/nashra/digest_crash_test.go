package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// TestDigestSendCrash runs `nashra digest send` for 2,000 subscribers
// against a real SMTP server, kills it with SIGKILL three times at random
// moments (once at a random time, twice when the server has accepted a
// random number of messages, plus random jitter) and restarts it. In the
// end the server must hold exactly one message per subscriber.
func TestDigestSendCrash(t *testing.T) {
	const n = 2000
	bin, srv, site := sendSite(t, n)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 42))
	t.Logf("seed %d", seed)

	kill := make(chan struct{}, 1)
	var target atomic.Int64
	srv.onMessage(func(total int) {
		if t := target.Load(); t > 0 && int64(total) >= t && target.CompareAndSwap(t, 0) {
			select {
			case kill <- struct{}{}:
			default:
			}
		}
	})
	run := func(killAfter time.Duration, killAt int) (killed bool, out string) {
		cmd := exec.Command(bin, "--config", site.Config, "digest", "send", "--force", "--date", digestTestDay)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		target.Store(int64(killAt))
		select { // a kill signal left over from a run that ended by itself
		case <-kill:
		default:
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var timer <-chan time.Time
		if killAfter > 0 {
			timer = time.After(killAfter)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("digest send: %v\n%s", err, buf.String())
			}
			return false, buf.String()
		case <-timer:
		case <-kill:
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("digest send did not finish\n%s", buf.String())
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true, buf.String()
	}

	// Kill 1: at a random time, possibly while the edition is prepared.
	if killed, _ := run(time.Duration(50+rng.IntN(400))*time.Millisecond, 0); killed {
		total, _, _ := srv.counts()
		t.Logf("kill 1 after %d messages", total)
	}
	// Kills 2 and 3: after a random number of accepted messages.
	for i := 2; i <= 3; i++ {
		total, _, _ := srv.counts()
		at := total + 1 + rng.IntN(max(1, (n-total)/2))
		if killed, _ := run(0, at); killed {
			total, _, _ = srv.counts()
			t.Logf("kill %d after %d messages", i, total)
		}
	}
	killed, out := run(0, 0)
	if killed {
		t.Fatal("final run was killed")
	}
	t.Logf("final run: %s", strings.TrimSpace(out))

	total, distinct, dups := srv.counts()
	st := site.open(t)
	defer st.Close()
	if total != n || distinct != n {
		// Name the readers the server never got, with what the ledger says.
		all, _ := st.ListDeliveries(context.Background(), digestTestDay, "", 0)
		for _, d := range all {
			if !srv.received(d.Email) {
				t.Errorf("not received: %s, ledger %s, attempts %d, message id %q, note %q", d.Email, d.State, d.Attempts, d.MessageID, d.LastError)
			}
		}
		t.Fatalf("server holds %d messages for %d recipients, want %d and %d; repeated: %v", total, distinct, n, n, dups)
	}
	counts, err := st.DeliveryCounts(context.Background(), digestTestDay)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.DeliverySent] != n {
		t.Fatalf("ledger: %v", counts)
	}
	sent, err := st.ListDeliveries(context.Background(), digestTestDay, store.DeliverySent, 0)
	if err != nil {
		t.Fatal(err)
	}
	assumed := 0
	for _, d := range sent {
		if strings.HasPrefix(d.LastError, "assumed sent") {
			assumed++
		}
	}
	t.Logf("%d deliveries recorded as sent after an interrupted end of data", assumed)

	// A further run sends nothing.
	if killed, _ := run(0, 0); killed {
		t.Fatal("killed")
	}
	if total, _, _ := srv.counts(); total != n {
		t.Fatalf("a second run sent %d more", total-n)
	}
}

// TestDigestSendReportsItsRun: a first `digest send` reports every
// delivery as finished by this run, those its workers finished while the
// edition was still being enqueued too; a second run reports none.
func TestDigestSendReportsItsRun(t *testing.T) {
	const n = 2000
	bin, srv, site := sendSite(t, n)
	for _, want := range []string{"(2000 finished by this run", "(0 finished by this run"} {
		out, err := exec.Command(bin, "--config", site.Config, "digest", "send", "--force", "--date", digestTestDay).CombinedOutput()
		if err != nil {
			t.Fatalf("digest send: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("digest send says %q, want %q", strings.TrimSpace(string(out)), want)
		}
	}
	if total, _, _ := srv.counts(); total != n {
		t.Errorf("server holds %d messages, want %d", total, n)
	}
}

// sendSite builds the binary and starts a counting SMTP server and a site
// of n subscribers that sends to it; it skips the test in -short mode.
func sendSite(t *testing.T, n int) (bin string, srv *countingSMTP, site *digestSite) {
	t.Helper()
	if testing.Short() {
		t.Skipf("builds the binary and sends %d messages", n)
	}
	bin = buildNashra(t)
	srv = startCountingSMTP(t)
	return bin, srv, newDigestSite(t, bin, srv.addr, n)
}
