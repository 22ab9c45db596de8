package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

func TestSMTPDeliversSignedDigest(t *testing.T) {
	s := startServer(t, serverOpts{TLS: true, AuthMechs: []string{"PLAIN"}, User: "nashra", Pass: "s3cret-pw"})
	tr := transportFor(t, s, SMTPOptions{TLS: TLSMandatory, Username: "nashra", Password: "s3cret-pw", Pool: 2})
	keys := testKeys()
	dk := map[string]*DKIMOptions{
		"rsa":     {Domain: "digest.example.com", Selector: "rsa2025", Key: keys["rsa"]},
		"ed25519": {Domain: "digest.example.com", Selector: "ed2025", Key: keys["ed25519"]},
	}
	sent := map[string][]byte{}
	for name, d := range dk {
		to := name + "@example.org"
		m := digestMessage(t, to)
		m.Subject = arabicSubject(200)
		raw, err := NewComposer(d).Render(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Send(context.Background(), Envelope{From: "bounces@digest.example.com", To: []string{to}}, raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sent[to] = raw
	}
	got := s.Messages()
	if len(got) != 2 {
		t.Fatalf("server received %d messages, want 2", len(got))
	}
	var raws [][]byte
	for _, r := range got {
		if !r.TLS || r.User != "nashra" || r.From != "bounces@digest.example.com" || len(r.To) != 1 {
			t.Errorf("envelope/session: %+v", r)
		}
		if !bytes.Equal(r.Data, sent[r.To[0]]) {
			t.Errorf("%s: received bytes differ from the signed bytes", r.To[0])
		}
		name := strings.TrimSuffix(r.To[0], "@example.org")
		vs := verifyDKIM(t, r.Data, dk[name])
		h := ":" + strings.ToLower(strings.Join(vs[0].HeaderKeys, ":")) + ":"
		for _, k := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} {
			if !strings.Contains(h, ":"+k+":") {
				t.Errorf("%s: %s not signed (h=%s)", name, k, h)
			}
		}
		raws = append(raws, r.Data)
	}
	for i, r := range pythonCheck(t, raws...) {
		if len(r.Defects) != 0 {
			t.Errorf("message %d: defects %v", i, r.Defects)
		}
		if r.Subject != arabicSubject(200) {
			t.Errorf("message %d: subject decodes to %q", i, r.Subject)
		}
		if r.FromName != "نشرة الصباح" {
			t.Errorf("message %d: from name %q", i, r.FromName)
		}
		if len(r.Headers["list-unsubscribe"]) != 1 || !strings.Contains(r.Headers["list-unsubscribe"][0], "<mailto:") ||
			len(r.Headers["list-unsubscribe-post"]) != 1 {
			t.Errorf("message %d: unsubscribe headers %q %q", i, r.Headers["list-unsubscribe"], r.Headers["list-unsubscribe-post"])
		}
	}
	if n, _ := s.stats(); n != 1 {
		t.Errorf("%d SMTP sessions for 2 sequential messages, want 1 (pooled)", n)
	}
}

func TestSMTPTLSPolicies(t *testing.T) {
	cases := []struct {
		serverTLS bool
		policy    string
		trusted   bool
		wantTLS   bool
		wantErr   string // stage of the expected error
	}{
		{false, TLSNone, false, false, ""},
		{true, TLSNone, false, false, ""},
		{false, TLSOpportunistic, false, false, ""},
		{true, TLSOpportunistic, false, true, ""},
		{true, TLSMandatory, true, true, ""},
		{true, TLSMandatory, false, false, "tls"},
		{false, TLSMandatory, true, false, "tls"},
	}
	for _, c := range cases {
		name := fmt.Sprintf("server_tls=%v/%s/trusted=%v", c.serverTLS, c.policy, c.trusted)
		t.Run(name, func(t *testing.T) {
			s := startServer(t, serverOpts{TLS: c.serverTLS})
			o := SMTPOptions{TLS: c.policy}
			if c.trusted && s.Pool != nil {
				o.TLSConfig = &tls.Config{RootCAs: s.Pool}
			} else {
				o.TLSConfig = &tls.Config{RootCAs: nil} // system roots: the test CA is unknown
				if c.policy == TLSOpportunistic {
					o.TLSConfig = nil
				}
			}
			tr := transportFor(t, s, o)
			err := tr.Send(context.Background(), Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}, []byte("Subject: x\r\n\r\nhi\r\n"))
			if c.wantErr != "" {
				var se *SendError
				if !errors.As(err, &se) || se.Stage != c.wantErr || !IsTemporary(err) || IsPermanent(err) {
					t.Fatalf("err = %v, want a temporary %s SendError", err, c.wantErr)
				}
				if len(s.Messages()) != 0 {
					t.Fatal("message delivered despite the TLS policy")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m := s.Messages(); len(m) != 1 || m[0].TLS != c.wantTLS {
				t.Fatalf("received %+v, want TLS=%v", m, c.wantTLS)
			}
		})
	}
}

func TestSMTPAuth(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			s := startServer(t, serverOpts{AuthMechs: []string{mech}, User: "nashra", Pass: "right-pw"})
			env := Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}
			msg := []byte("Subject: x\r\n\r\nhi\r\n")

			good := transportFor(t, s, SMTPOptions{Username: "nashra", Password: "right-pw"})
			if err := good.Send(context.Background(), env, msg); err != nil {
				t.Fatal(err)
			}
			if m := s.Messages(); len(m) != 1 || m[0].User != "nashra" {
				t.Fatalf("received %+v", m)
			}

			bad := transportFor(t, s, SMTPOptions{Username: "nashra", Password: "wrong-pw-123"})
			err := bad.Send(context.Background(), env, msg)
			var se *SendError
			if !errors.As(err, &se) || se.Stage != "auth" || se.Code != 535 || !IsTemporary(err) {
				t.Fatalf("wrong password: err = %v, want a temporary auth SendError 535", err)
			}
			if strings.Contains(err.Error(), "wrong-pw-123") {
				t.Fatalf("password leaked into the error: %v", err)
			}

			anon := transportFor(t, s, SMTPOptions{})
			err = anon.Send(context.Background(), env, msg)
			if !errors.As(err, &se) || se.Stage != "mail" || se.Code != 502 || IsPermanent(err) {
				t.Fatalf("no credentials: err = %v, want a non-permanent MAIL error", err)
			}
		})
	}
	o := SMTPOptions{Host: "h", Username: "u", Password: "hunter2-secret"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, o); strings.Contains(s, "hunter2") {
			t.Errorf("%s prints the password: %s", f, s)
		}
	}
}

func TestSMTPReplyCodes(t *testing.T) {
	s := startServer(t, serverOpts{RcptCodes: map[string]int{
		"busy@example.org": 451, "gone@example.org": 550, "full@example.org": 452,
	}})
	tr := transportFor(t, s, SMTPOptions{Pool: 1})
	msg := []byte("Subject: x\r\n\r\nhi\r\n")
	send := func(to ...string) error {
		return tr.Send(context.Background(), Envelope{From: "a@digest.example.com", To: to}, msg)
	}
	cases := []struct {
		to        []string
		temporary bool
		permanent bool
		code      int
		enhanced  string
	}{
		{[]string{"busy@example.org"}, true, false, 451, "4.2.1"},
		{[]string{"gone@example.org"}, false, true, 550, "5.1.1"},
		{[]string{"full@example.org"}, true, false, 452, "4.2.1"},
		{[]string{"ok1@example.org"}, false, false, 0, ""},
		// One bad address does not stop the others.
		{[]string{"gone@example.org", "ok2@example.org", "busy@example.org"}, true, false, 550, "5.1.1"},
	}
	for _, c := range cases {
		err := send(c.to...)
		if IsTemporary(err) != c.temporary || IsPermanent(err) != c.permanent {
			t.Errorf("%v: err = %v: temporary %v permanent %v", c.to, err, IsTemporary(err), IsPermanent(err))
		}
		if c.code == 0 {
			if err != nil {
				t.Errorf("%v: %v", c.to, err)
			}
			continue
		}
		var se *SendError
		if !errors.As(err, &se) || se.Code != c.code || se.Enhanced != c.enhanced || se.Stage != "rcpt" || se.Rcpt != c.to[0] {
			t.Errorf("%v: SendError %+v", c.to, se)
		}
	}
	got := s.Messages()
	if len(got) != 2 || got[0].To[0] != "ok1@example.org" || len(got[1].To) != 1 || got[1].To[0] != "ok2@example.org" {
		t.Errorf("received %+v", got)
	}
	if n, _ := s.stats(); n != 1 {
		t.Errorf("%d sessions: refused recipients must not cost the connection", n)
	}

	for code, perm := range map[int]bool{554: true, 451: false} {
		s := startServer(t, serverOpts{DataCode: code})
		tr := transportFor(t, s, SMTPOptions{})
		err := tr.Send(context.Background(), Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}, msg)
		var se *SendError
		if !errors.As(err, &se) || se.Stage != "data" || se.Code != code || IsPermanent(err) != perm || IsTemporary(err) == perm {
			t.Errorf("DATA %d: err = %v", code, err)
		}
	}
}

func TestSMTPPoolConcurrency(t *testing.T) {
	s := startServer(t, serverOpts{TLS: true})
	tr := transportFor(t, s, SMTPOptions{TLS: TLSMandatory, Pool: 3})
	c := NewComposer(&DKIMOptions{Domain: "digest.example.com", Selector: "ed", Key: testKeys()["ed25519"]})
	base := digestMessage(t, "x@example.org")
	rcpts := addrs(60, "reader")
	var wg sync.WaitGroup
	errs := make(chan error, len(rcpts))
	work := make(chan string)
	for w := 0; w < 12; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for to := range work {
				m := base
				m.To, m.MessageID = to, MessageID("2025-06-15", to, "digest.example.com")
				raw, err := c.Render(m)
				if err == nil {
					err = tr.Send(context.Background(), Envelope{From: "bounces@digest.example.com", To: []string{to}}, raw)
				}
				errs <- err
			}
		}()
	}
	for _, to := range rcpts {
		work <- to
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := s.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To[0]]++
	}
	if len(got) != len(rcpts) || len(seen) != len(rcpts) {
		t.Fatalf("received %d messages for %d distinct recipients, want %d once each", len(got), len(seen), len(rcpts))
	}
	sessions, maxOpen := s.stats()
	if sessions > 3 || maxOpen > 3 {
		t.Errorf("%d sessions, %d open at once; pool is 3", sessions, maxOpen)
	}
	verifyDKIM(t, got[len(got)-1].Data, c.dkim)
}

func TestSMTPRedialsBrokenConnections(t *testing.T) {
	gate := make(chan struct{})
	s := startServer(t, serverOpts{DataDelay: gate})
	tr := transportFor(t, s, SMTPOptions{Pool: 2})
	env := Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}
	msg := []byte("Subject: x\r\n\r\nhi\r\n")
	// Two sends at once leave two idle connections in the pool.
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() { errs <- tr.Send(context.Background(), env, msg) }()
	}
	testkit.WaitFor(t, 5*time.Second, "the two sends open two connections", func() bool {
		n, _ := s.stats()
		return n == 2
	})
	close(gate)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// The server drops both; the next sends find them dead and redial.
	for i := 0; i < 2; i++ {
		s.killConnections()
		time.Sleep(20 * time.Millisecond)
		if err := tr.Send(context.Background(), env, msg); err != nil {
			t.Fatalf("send after the server dropped the connections: %v", err)
		}
	}
	if n := len(s.Messages()); n != 4 {
		t.Fatalf("received %d, want 4", n)
	}
	if n, _ := s.stats(); n != 4 {
		t.Errorf("%d connections, want 4 (2, then one redial per drop)", n)
	}
}

func TestSMTPContextCancel(t *testing.T) {
	release := make(chan struct{})
	s := startServer(t, serverOpts{DataDelay: release})
	defer close(release)
	tr := transportFor(t, s, SMTPOptions{Pool: 1})
	env := Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := tr.Send(ctx, env, []byte("Subject: x\r\n\r\nhi\r\n"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Send took %v after its context ended", d)
	}
	// The pool slot came back and a cancelled wait for it returns at once.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := tr.Send(ctx2, env, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
}

func TestSMTPRateLimit(t *testing.T) {
	s := startServer(t, serverOpts{})
	env := Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}
	msg := []byte("Subject: x\r\n\r\nhi\r\n")

	tr := transportFor(t, s, SMTPOptions{Pool: 4, Rate: 40})
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 9; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = tr.Send(context.Background(), env, msg) }()
	}
	wg.Wait()
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("9 sends at 40/s took %v, want >= 200ms", d)
	}

	// A shared limiter paces two transports together.
	shared := NewRateLimiter(50)
	a := transportFor(t, s, SMTPOptions{Limiter: shared})
	b := transportFor(t, s, SMTPOptions{Limiter: shared})
	start = time.Now()
	for i := 0; i < 6; i++ {
		tr := a
		if i%2 == 1 {
			tr = b
		}
		if err := tr.Send(context.Background(), env, msg); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Errorf("6 sends through a shared 50/s limiter took %v, want >= 100ms", d)
	}
	if len(s.Messages()) != 15 {
		t.Errorf("received %d, want 15", len(s.Messages()))
	}
}

func TestSendErrorClassification(t *testing.T) {
	temp := &SendError{Code: 451, Temporary: true}
	perm := &SendError{Code: 550}
	cases := []struct {
		err             error
		temporary, perm bool
	}{
		{nil, false, false},
		{temp, true, false},
		{perm, false, true},
		{fmt.Errorf("wrapped: %w", perm), false, true},
		{errors.Join(perm, perm), false, true},
		{errors.Join(perm, temp), true, false},
		{context.Canceled, false, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), true, false},
		{errors.New("plain"), false, false},
		{ErrClosed, false, false},
	}
	for i, c := range cases {
		if IsTemporary(c.err) != c.temporary || IsPermanent(c.err) != c.perm {
			t.Errorf("%d %v: temporary %v permanent %v", i, c.err, IsTemporary(c.err), IsPermanent(c.err))
		}
	}
	if _, err := NewSMTPTransport(SMTPOptions{Host: "h", TLS: "sometimes"}); err == nil {
		t.Error("bad TLS policy accepted")
	}
	tr, _ := NewSMTPTransport(SMTPOptions{Host: "127.0.0.1", Port: 1})
	tr.Close()
	if err := tr.Send(context.Background(), Envelope{From: "a@b.c", To: []string{"d@e.f"}}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
}
