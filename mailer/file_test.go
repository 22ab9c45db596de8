package mailer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

func TestFileTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox", "nested")
	ft, err := NewFileTransport(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := &DKIMOptions{Domain: "digest.example.com", Selector: "rsa", Key: testKeys()["rsa"]}
	c := NewComposer(d)
	rcpts := addrs(5, "reader")
	var want []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, to := range rcpts {
		m := digestMessage(t, to)
		// Each message is rendered twice (different MIME boundaries, same
		// Message-ID) and sent four times concurrently, as retries would.
		for r := 0; r < 2; r++ {
			raw := mustRender(t, c.Render, m)
			if r == 0 {
				want = append(want, FileName(raw))
			}
			for k := 0; k < 2; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := ft.Send(context.Background(), Envelope{From: "b@digest.example.com", To: []string{to}}, raw); err != nil {
						mu.Lock()
						t.Error(err)
						mu.Unlock()
					}
				}()
			}
		}
	}
	wg.Wait()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("outbox holds %v, want %v", names, want)
	}
	for _, n := range names {
		if !strings.HasSuffix(n, "@digest.example.com.eml") {
			t.Errorf("file name %q does not come from the Message-ID", n)
		}
	}
	py := testkit.NeedTool(t, "/usr/bin/python3")
	args := []string{"testdata/check_email.py"}
	for _, n := range names {
		args = append(args, filepath.Join(dir, n))
	}
	for i, r := range pythonCheckFiles(t, py, args...) {
		if len(r.Defects) != 0 || r.Subject == "" || r.FromName != "نشرة الصباح" || len(r.Parts) != 3 {
			t.Errorf("%s: %+v", names[i], r.Defects)
		}
		raw, _ := os.ReadFile(args[i+1])
		verifyDKIM(t, raw, d)
	}
}

func TestFileName(t *testing.T) {
	cases := map[string]string{
		"Message-ID: <abc123@digest.example.com>\r\n\r\nx": "abc123@digest.example.com.eml",
		"Message-ID: <../../etc/passwd@x>\r\n\r\nx":        "mid-",
		"Message-ID: <a/b@x>\r\n\r\nx":                     "mid-",
		"Subject: no id\r\n\r\nx":                          "sha256-",
		"not a message":                                    "sha256-",
	}
	for in, want := range cases {
		got := FileName([]byte(in))
		if !strings.HasPrefix(got, want) || strings.ContainsAny(got, `/\`) || !strings.HasSuffix(got, ".eml") {
			t.Errorf("%q -> %q, want prefix %q", in, got, want)
		}
	}
	if FileName([]byte("Message-ID: <a/b@x>\r\n\r\n")) == FileName([]byte("Message-ID: <a/c@x>\r\n\r\n")) {
		t.Error("hashed names collide")
	}
}

func TestCommitHooks(t *testing.T) {
	env := Envelope{From: "a@digest.example.com", To: []string{"b@example.org"}}
	msg := []byte("Message-ID: <c1@digest.example.com>\r\nSubject: x\r\n\r\nhi\r\n")
	boom := errors.New("ledger down")

	ft, err := NewFileTransport(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, serverOpts{})
	st := transportFor(t, s, SMTPOptions{Pool: 1})
	count := func(name string) int {
		if name == "file" {
			e, _ := os.ReadDir(ft.Dir())
			return len(e)
		}
		return len(s.Messages())
	}
	for name, c := range map[string]Committer{"file": ft, "smtp": st} {
		if err := c.SendCommit(context.Background(), env, msg, func() error { return boom }); !errors.Is(err, ErrCommit) || !errors.Is(err, boom) {
			t.Errorf("%s: failing hook: err = %v", name, err)
		}
		if n := count(name); n != 0 {
			t.Errorf("%s: %d messages delivered although the hook failed", name, n)
		}
		calls := 0
		if err := c.SendCommit(context.Background(), env, msg, func() error { calls++; return nil }); err != nil || calls != 1 {
			t.Errorf("%s: err %v, hook called %d times", name, err, calls)
		}
		if n := count(name); n != 1 {
			t.Errorf("%s: %d messages after a committed send, want 1", name, n)
		}
	}
}
