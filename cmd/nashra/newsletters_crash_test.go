package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit"
)

// twoNewsletterEditions are the editions of digestTestDay (a Tuesday) of
// the two newsletters of newslettersSite: the default one keeps the day as
// its ID.
var twoNewsletterEditions = map[string]string{"daily": digestTestDay, "weekly": "weekly." + digestTestDay}

// follows says which newsletters reader i follows: a third both, a third
// the daily one only, a third the weekly one only.
func follows(i int) []string {
	return [][]string{{"daily", "weekly"}, {"daily"}, {"weekly"}}[i%3]
}

// newslettersSite writes a site with two newsletters cut at the same
// moment (twoNewsletters: daily at 07:00; weekly, Tuesdays at 07:00) on
// driver (dsn: the PostgreSQL DSN), migrates it, imports digestArticles and adds n readers
// (follows). It returns the config path and an opener of its store.
func newslettersSite(t *testing.T, bin, driver, dsn, smtpAddr string, n int) (string, func() store.Store) {
	t.Helper()
	layers := []string{morningDigest, twoNewsletters, testkit.SMTPLayer(smtpAddr), `
mail:
  retry_backoff: 1s
  smtp: {pool: 4, timeout: 10s}
security:
  secret: "newsletters-test-secret-0123456789abcdef"
log:
  level: warn
`}
	if driver != "sqlite" {
		layers = append(layers, fmt.Sprintf("store:\n  driver: %s\n  dsn: %q\n", driver, dsn))
	}
	site := testkit.NewSite(t, layers...)
	config := site.Config
	if driver == "sqlite" {
		dsn = site.DB
	}
	arts := writeJSON(t, filepath.Join(site.Dir, "articles.json"), digestArticles)
	for _, args := range [][]string{{"migrate"}, {"import", arts}} {
		if out, err := exec.Command(bin, append([]string{"--config", config}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
	}
	open := func() store.Store {
		var st store.Store
		var err error
		if driver == "sqlite" {
			st, err = sqlite.Open(context.Background(), dsn)
		} else {
			st, err = postgres.Open(context.Background(), dsn)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, ctx := open(), context.Background()
	for i := range n {
		sub := &store.Subscriber{Email: fmt.Sprintf("reader%05d@example.org", i), Status: store.StatusConfirmed, Source: store.SourceAdmin}
		for _, nl := range follows(i) {
			sub.Follow = append(sub.Follow, store.Subscription{Newsletter: nl})
		}
		if _, err := st.AddSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	return config, open
}

// TestTwoNewslettersSendCrash sends the daily and the weekly newsletter's
// editions of one day at the same time, from two `nashra digest send
// --newsletter` processes, each killed with SIGKILL twice once the SMTP
// server has accepted a random number of its messages, then run again to
// the end; on SQLite and on PostgreSQL. The server must hold exactly one
// message per (edition, reader following its newsletter), and none for a
// reader who does not follow it.
func TestTwoNewslettersSendCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends to 600 readers twice")
	}
	const n = 600
	bin := buildNashra(t)
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			dsn := ""
			if driver == "postgres" {
				dsn = testkit.PostgresSchema(t, "the two-newsletter crash test", "nashra_nl")
			}
			sk := startSink(t, 0)
			config, open := newslettersSite(t, bin, driver, dsn, sk.addr, n)
			kills := newKillSwitch(sk)
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			var wg sync.WaitGroup
			for i, nl := range []string{"daily", "weekly"} {
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				wg.Go(func() { sendKilled(t, bin, config, nl, kills, rng, 2*n/3) })
			}
			wg.Wait()
			checkNewsletterSends(t, open(), sk, n)
		})
	}
}

// killSwitch turns a count of accepted messages of an edition into a
// signal for the process sending it.
type killSwitch struct {
	mu     sync.Mutex
	target map[string]int
	fire   map[string]chan struct{}
}

func newKillSwitch(sk *sink) *killSwitch {
	k := &killSwitch{target: map[string]int{}, fire: map[string]chan struct{}{}}
	for _, ed := range twoNewsletterEditions {
		k.fire[ed] = make(chan struct{}, 1)
	}
	sk.mu.Lock()
	sk.onMsg = func(edition string, total int) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if t := k.target[edition]; t > 0 && total >= t {
			k.target[edition] = 0
			select {
			case k.fire[edition] <- struct{}{}:
			default:
			}
		}
	}
	sk.mu.Unlock()
	return k
}

// arm sets the count at which edition's sender is killed (0: never) and
// returns the channel that says so.
func (k *killSwitch) arm(edition string, at int) <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.target[edition] = at
	select { // left over from a run that ended by itself
	case <-k.fire[edition]:
	default:
	}
	return k.fire[edition]
}

// sendKilled runs `digest send --newsletter nl`, killing it twice after a
// random number of messages below want, then once more to its end.
func sendKilled(t *testing.T, bin, config, nl string, k *killSwitch, rng *rand.Rand, want int) {
	ed := twoNewsletterEditions[nl]
	for round := range 3 {
		at := 0
		if round < 2 {
			at = 1 + rng.IntN(want/2)*(round+1)
		}
		fire := k.arm(ed, at)
		cmd := exec.Command(bin, "--config", config, "digest", "send", "--newsletter", nl, "--force", "--date", digestTestDay)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s round %d: %v\n%s", nl, round, err, buf.String())
				return
			}
			if round == 2 {
				t.Logf("%s: %s", nl, strings.TrimSpace(buf.String()))
			}
			continue
		case <-fire:
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%s round %d did not finish\n%s", nl, round, buf.String())
			return
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		if round == 2 {
			t.Errorf("%s: the last run was killed", nl)
		}
		t.Logf("%s: killed once the server had %d of its messages", nl, at)
	}
}

// checkNewsletterSends checks the server and the ledger: one message per
// (edition, follower), none to others.
func checkNewsletterSends(t *testing.T, st store.Store, sk *sink, n int) {
	ctx := context.Background()
	for nl, ed := range twoNewsletterEditions {
		want := map[string]bool{}
		for i := range n {
			for _, f := range follows(i) {
				if f == nl {
					want[fmt.Sprintf("reader%05d@example.org", i)] = true
				}
			}
		}
		total, distinct, dups := sk.counts(ed)
		if total != len(want) || distinct != len(want) || len(dups) > 0 {
			t.Errorf("%s: the server holds %d messages for %d readers, want %d once each; repeated: %v; missing: %s",
				ed, total, distinct, len(want), dups, sk.missing(t, st, ed, 10))
		}
		sk.mu.Lock()
		for rcpt := range sk.per[ed] {
			if !want[rcpt] {
				t.Errorf("%s went to %s, who does not follow %s", ed, rcpt, nl)
			}
		}
		sk.mu.Unlock()
		counts, err := st.DeliveryCounts(ctx, ed)
		if err != nil || counts[store.DeliverySent] != len(want) {
			t.Errorf("%s: ledger %v (%v), want %d sent", ed, counts, err, len(want))
		}
		e, err := st.GetEdition(ctx, ed)
		if err != nil || e.Newsletter != nl {
			t.Errorf("%s: recorded as %+v (%v), want newsletter %s", ed, e, err, nl)
		}
	}
}
