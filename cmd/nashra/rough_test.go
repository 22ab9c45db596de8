package main

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// TestNoCommandFails: nashra, and a command group, without a sub-command
// print their usage on stderr and fail; --help still succeeds.
func TestNoCommandFails(t *testing.T) {
	for _, args := range [][]string{nil, {"digest"}, {"subscribers"}} {
		out, errOut, err := run(t, args...)
		if err == nil || exitCode(err) == 0 {
			t.Errorf("nashra %v: err = %v, want a failure", args, err)
		}
		if !strings.Contains(errOut, "Usage:") || out != "" {
			t.Errorf("nashra %v: usage not on stderr: stdout %q stderr %q", args, out, errOut)
		}
	}
	if _, _, err := run(t, "--help"); err != nil {
		t.Errorf("nashra --help: %v", err)
	}
}

// roughSite is a test site (testkit.NewSite) on nashra's embedded
// defaults but for a content folder watched every 20 ms, a 5 s shutdown
// and the base URL https://news.example.org; layers go over that.
func roughSite(t *testing.T, layers ...string) *testkit.Site {
	t.Helper()
	return testkit.NewSite(t, append([]string{`
site:
  base_url: https://news.example.org
  content_dir: "$DIR/content"
server:
  watch_interval: 20ms
  shutdown_timeout: 5s
`}, layers...)...)
}

// TestImportEveryFileFailed: an import in which nothing succeeded is a
// failure (status 1), not "partly failed".
func TestImportEveryFileFailed(t *testing.T) {
	site := roughSite(t)
	cfg, dir := site.Config, site.Dir
	bad := writeFile(t, filepath.Join(dir, "bad.txt"), "سطر واحد\n")
	_, _, err := run(t, "--config", cfg, "import", bad, filepath.Join(dir, "missing.md"))
	if err == nil || errors.Is(err, errPartial) || exitCode(err) != 1 || !strings.Contains(err.Error(), "nothing imported") {
		t.Errorf("every file failed: err = %v (exit %d), want a plain failure", err, exitCode(err))
	}
	if _, _, err := run(t, "--config", cfg, "import", bad, testkit.Samples(t)); !errors.Is(err, errPartial) {
		t.Errorf("some files failed: err = %v, want partly failed", err)
	}
}

// TestSubscribersMessages: rejected CSV rows read "line N: reason" (one
// colon), a file of only bad rows is a failure, and removing an unknown
// subscriber, user or token says so without the store's internals.
func TestSubscribersMessages(t *testing.T) {
	site := roughSite(t)
	cfg, dir := site.Config, site.Dir
	csv := writeFile(t, filepath.Join(dir, "s.csv"), "email,name\n,سارة\nnot-an-address,علي\n")
	out, _, err := run(t, "--config", cfg, "subscribers", "import", csv)
	if !strings.Contains(out, csv+": line 2: no email address\n") || strings.Contains(out, "::") {
		t.Errorf("rejected rows:\n%s", out)
	}
	if err == nil || errors.Is(err, errPartial) {
		t.Errorf("every row rejected: err = %v, want a plain failure", err)
	}
	for _, tt := range []struct{ args, want string }{
		{"subscribers remove nobody@example.org", "subscribers remove: no subscriber nobody@example.org"},
		{"users remove nobody@example.org", "users remove: no user nobody@example.org"},
		{"users set-role nobody@example.org editor", "users set-role: no user nobody@example.org"},
		{"tokens revoke nightly", "tokens revoke: no token nightly"},
	} {
		_, _, err = run(t, append([]string{"--config", cfg}, strings.Fields(tt.args)...)...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestShortCommandsQuiet: a short command such as digest send prints its
// result, not River's INFO lines.
func TestShortCommandsQuiet(t *testing.T) {
	cfg := roughSite(t).Config
	if _, _, err := run(t, "--config", cfg, "subscribers", "add", "reader@example.org"); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, "--config", cfg, "digest", "send")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut, "River") {
		t.Errorf("River logs on stderr:\n%s", errOut)
	}
	if !strings.Contains(out, "no edition") {
		t.Errorf("stdout = %q", out)
	}
}

// serveProc starts the nashra binary's serve on cfg.
func serveProc(t *testing.T, bin, cfg string) *testkit.Process {
	t.Helper()
	return testkit.StartProcess(t, "serve", nil, bin, "--config", cfg, "serve")
}

// TestServeBindsFirst: with its port taken, serve fails at once naming
// server.listen, before it logs "listening", imports or opens the store.
func TestServeBindsFirst(t *testing.T) {
	bin := buildNashra(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	site := roughSite(t, "server:\n  listen: "+taken.Addr().String()+"\n")
	cfg, content, dir := site.Config, site.Content, site.Dir
	testkit.CopySamples(t, content, "economy-oil.md")
	p := serveProc(t, bin, cfg)
	if err := p.Wait(t, 20*time.Second); err == nil {
		t.Fatal("serve succeeded on a port in use")
	}
	log := p.Out.String()
	if !strings.Contains(log, "server.listen: cannot listen on "+taken.Addr().String()+": address already in use") {
		t.Errorf("stderr does not name server.listen:\n%s", log)
	}
	for _, early := range []string{"listening", "import", "River"} {
		if strings.Contains(log, early) {
			t.Errorf("stderr shows %q before the bind failed:\n%s", early, log)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nashra.db")); err == nil {
		t.Error("the store was opened before the bind failed")
	}
}

// TestServeStopsCleanly: SIGTERM and SIGINT stop serve with status 0,
// saying which signal, and without an ERROR line from the watcher; an http
// base_url is warned about at start.
func TestServeStopsCleanly(t *testing.T) {
	bin := buildNashra(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		site := roughSite(t, "site:\n  base_url: $BASE\n")
		cfg, content, addr := site.Config, site.Content, site.Addr
		p := serveProc(t, bin, cfg)
		testkit.WaitFor(t, 20*time.Second, "serve logs \"listening\"", func() bool { return strings.Contains(p.Out.String(), "listening") })
		// The watcher has worked before the signal: a file dropped in
		// the content folder shows in the feed.
		testkit.CopySamples(t, content, "economy-oil.md")
		testkit.WaitFor(t, 20*time.Second, "the watcher imports economy-oil.md", func() bool {
			_, body := testkit.Fetch("http://" + addr + "/feed.json")
			return strings.Contains(body, "تمديد خفض الإنتاج")
		})
		p.Signal(t, sig)
		err := p.Wait(t, 20*time.Second)
		log := p.Out.String()
		if err != nil {
			t.Errorf("%v: serve exited with %v:\n%s", sig, err, log)
		}
		if strings.Contains(log, "level=ERROR") {
			t.Errorf("%v: ERROR logged on a clean shutdown:\n%s", sig, log)
		}
		if !strings.Contains(log, "shutting down cleanly") || !strings.Contains(log, "signal="+sig.String()) {
			t.Errorf("%v: stderr does not say which signal stopped serve:\n%s", sig, log)
		}
		if !strings.Contains(log, "level=WARN") || !bytes.Contains([]byte(log), []byte("one-click unsubscribe")) {
			t.Errorf("%v: no warning about the http base_url:\n%s", sig, log)
		}
	}
}

// TestServeReloadsOnSIGHUP: SIGHUP with a broken config is logged and
// serve goes on with the running one; with a valid config serve restarts
// on it (the new site title shows) and says so.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	bin := buildNashra(t)
	site := roughSite(t)
	cfg, addr := site.Config, site.Addr
	orig, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := serveProc(t, bin, cfg)
	base := "http://" + addr
	index := func() string { _, page := testkit.Fetch(base + "/"); return page }
	testkit.WaitFor(t, 20*time.Second, "serve shows the site title", func() bool { return strings.Contains(index(), "<title>نشرة</title>") })

	if err := os.WriteFile(cfg, append(orig, []byte("digest:\n  scheduel: x\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	p.Signal(t, syscall.SIGHUP)
	testkit.WaitFor(t, 10*time.Second, "serve logs that the broken config was not reloaded", func() bool { return strings.Contains(p.Out.String(), "config not reloaded") })
	if !strings.Contains(p.Out.String(), "digest.scheduel: unknown key (did you mean digest.schedule?)") {
		t.Errorf("the reload error does not name the key:\n%s", p.Out.String())
	}
	if !strings.Contains(index(), "<title>نشرة</title>") {
		t.Fatal("serve stopped serving after a failed reload")
	}

	renamed := strings.Replace(string(orig), "site:\n", "site:\n  title: \"نشرة المساء\"\n", 1)
	if err := os.WriteFile(cfg, []byte(renamed), 0o600); err != nil {
		t.Fatal(err)
	}
	p.Signal(t, syscall.SIGHUP)
	testkit.WaitFor(t, 20*time.Second, "serve shows the new site title after SIGHUP", func() bool { return strings.Contains(index(), "<title>نشرة المساء</title>") })
	if !strings.Contains(p.Out.String(), "SIGHUP: config reloaded") {
		t.Errorf("the reload is not logged:\n%s", p.Out.String())
	}
	p.Signal(t, syscall.SIGTERM)
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Errorf("serve exited with %v:\n%s", err, p.Out.String())
	}
}

// TestServeReleasesEmbargo: serve holds an article dated a few seconds
// ahead — not in the feeds, its page 404 — and publishes it at its time
// without a restart or any change in the store.
func TestServeReleasesEmbargo(t *testing.T) {
	site := roughSite(t)
	cfg, content, addr := site.Config, site.Content, site.Addr
	release := time.Now().Add(4 * time.Second).Truncate(time.Second)
	writeFile(t, filepath.Join(content, "embargoed.md"), "---\ntitle: \"خبر تحت الحظر حتى موعده\"\ndate: "+release.Format(time.RFC3339)+
		"\ncategory: اقتصاد\nslug: embargoed\n---\n\nيُنشر هذا الخبر في موعده المحدد دون إعادة تشغيل الخادم.\n")
	startServe(t, cfg)
	base := "http://" + addr
	testkit.WaitHealthy(t, 20*time.Second, base+"/healthz")
	if time.Now().Before(release) {
		if _, body := testkit.Request(t, nil, "GET", base+"/feed.json"); strings.Contains(string(body), "تحت الحظر") {
			t.Error("the embargoed article is in the feed before its time")
		}
		if resp, _ := testkit.Request(t, nil, "GET", base+"/articles/embargoed"); resp.StatusCode != http.StatusNotFound && time.Now().Before(release) {
			t.Errorf("article page before its time: %d, want 404", resp.StatusCode)
		}
	} else {
		t.Log("the machine was too slow to look before the release")
	}
	testkit.WaitFor(t, 20*time.Second, "the embargoed article is in the feed after its time", func() bool {
		_, body := testkit.Fetch(base + "/feed.json")
		return strings.Contains(body, "تحت الحظر")
	})
	if resp, _ := testkit.Request(t, nil, "GET", base+"/articles/embargoed"); resp.StatusCode != http.StatusOK {
		t.Errorf("article page after its time: %d", resp.StatusCode)
	}
}
