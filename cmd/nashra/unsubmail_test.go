package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

var mailtoUnsub = regexp.MustCompile(`<mailto:([^>]+)>`)

// unsubscribeMailto returns the mailto: URL of a message's
// List-Unsubscribe header: the address to write to and, in its query, the
// subject to write.
func unsubscribeMailto(t *testing.T, h mail.Header) *url.URL {
	t.Helper()
	m := mailtoUnsub.FindStringSubmatch(h.Get("List-Unsubscribe"))
	if m == nil {
		t.Fatalf("no mailto: in List-Unsubscribe %q", h.Get("List-Unsubscribe"))
	}
	u, err := url.Parse("mailto:" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// runBin runs the nashra binary with stdin and returns its output and exit
// status.
func runBin(t *testing.T, bin string, stdin []byte, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestUnsubscribeByMail: a reader answers the mailto: of a real digest's
// List-Unsubscribe as a mail client does; the message piped into
// `nashra subscribers unsubscribe-mail` (an alias pipe) unsubscribes that
// reader only. Forged and broken messages are refused without a bounce
// (exit 0), files are reported one by one (exit 2 when any is refused),
// and a store that cannot be opened asks the mail server to retry (75).
func TestUnsubscribeByMail(t *testing.T) {
	bin := buildNashra(t)
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr)
	site.importArticles(t, "day1", dayArticles("2026-03-10"))
	for _, r := range []string{"amal@example.org", "badr@example.org"} {
		site.nashra(t, "subscribers", "add", r, "--name", "قارئ")
	}
	site.nashra(t, "digest", "send", "--force", "--date", "2026-03-10")
	u := unsubscribeMailto(t, sink.received(t, "badr@example.org", 1)[0].Header)
	if u.Opaque != "unsubscribe@digest.example.com" {
		t.Errorf("mailto: address %q", u.Opaque)
	}
	// What a mail client sends for that link: the subject as given, an
	// Arabic display name, a body the reader typed.
	request := fmt.Sprintf("From: =?UTF-8?B?2KjYr9ix?= <badr@example.org>\r\nTo: %s\r\nSubject: %s\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nأوقفوا النشرة من فضلكم\r\n",
		u.Opaque, u.Query().Get("subject"))
	cfg := []string{"--config", site.Config}
	args := append(cfg, "subscribers", "unsubscribe-mail")

	out, errOut, code := runBin(t, bin, []byte(request), nil, args...)
	if code != 0 || !strings.Contains(out, "badr@example.org unsubscribed") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	subs := subscribersOf(t, site)
	if subs["badr@example.org"].Status != store.StatusUnsubscribed || subs["amal@example.org"].Status != store.StatusConfirmed {
		t.Fatalf("after the request: %+v", subs)
	}

	// A forged token and a message with none: refused, accepted by the pipe.
	forged := strings.Replace(request, u.Query().Get("subject"), "unsubscribe AQGH3Jzb7DI8Ym9keS10b2tlbi1hYmNkZWZnaGlqa2xtbm9w", 1)
	for name, req := range map[string]string{"forged": forged, "no token": "Subject: hello\r\n\r\nhi\r\n", "not mail": "\x00garbage"} {
		out, errOut, code := runBin(t, bin, []byte(req), nil, args...)
		if code != 0 || !strings.Contains(errOut, "refused") {
			t.Errorf("%s: exit %d, want 0 with a refusal on stderr\nstdout: %s\nstderr: %s", name, code, out, errOut)
		}
	}
	if subscribersOf(t, site)["amal@example.org"].Status != store.StatusConfirmed {
		t.Fatal("a refused request changed another reader")
	}

	// Files: reported one by one.
	dir := t.TempDir()
	again, bad := filepath.Join(dir, "again.eml"), filepath.Join(dir, "bad.eml")
	os.WriteFile(again, []byte(request), 0o600)
	os.WriteFile(bad, []byte(forged), 0o600)
	out, errOut, code = runBin(t, bin, nil, nil, append(args, again, bad, filepath.Join(dir, "missing.eml"))...)
	if code != 2 || !strings.Contains(out, "again.eml: badr@example.org had already left") ||
		!strings.Contains(errOut, "bad.eml: refused") || !strings.Contains(errOut, "missing.eml: refused") {
		t.Errorf("files: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// The store cannot be opened (its folder is a file): the mail server
	// must keep the message.
	_, errOut, code = runBin(t, bin, []byte(request), []string{"NASHRA_STORE_DSN=" + filepath.Join(again, "nashra.db")}, args...)
	if code != 75 {
		t.Errorf("unreachable store: exit %d, want 75 (EX_TEMPFAIL)\nstderr: %s", code, errOut)
	}
}

// TestUnsubscribeMailNamesNewsletter: with two newsletters, the answer to
// the weekly edition's List-Unsubscribe mailto: leaves weekly only, and
// `subscribers unsubscribe-mail` says so by name; the daily one's answer
// then names daily, and sending it again says the reader had already
// left daily.
func TestUnsubscribeMailNamesNewsletter(t *testing.T) {
	site := testkit.NewSite(t, morningDigest, twoNewsletters)
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := runIn(t, stdin, append([]string{"--config", site.Config}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	arts := writeJSON(t, filepath.Join(site.Dir, "articles.json"), digestArticles)
	must("", "import", arts)
	must("", "subscribers", "add", "amal@example.org")
	must("", "subscribers", "add", "--newsletter", "weekly", "amal@example.org")
	must("", "digest", "send", "--newsletter", "weekly", "--force", "--date", digestTestDay)
	must("", "digest", "send", "--force", "--date", digestTestDay)

	// request is what a mail client sends for the mailto: of the message
	// of edition id.
	request := func(id string) string {
		t.Helper()
		mails, err := testkit.ReadOutbox(site.Outbox)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			if m.Header.Get("X-Nashra-Edition") != id {
				continue
			}
			u := unsubscribeMailto(t, m.Header)
			return fmt.Sprintf("From: amal@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\nأوقفوا هذه النشرة\r\n", u.Opaque, u.Query().Get("subject"))
		}
		t.Fatalf("no message of edition %s in the outbox", id)
		return ""
	}
	weekly, daily := request("weekly."+digestTestDay), request(digestTestDay)
	if out := must(weekly, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org unsubscribed from weekly (حصاد الأسبوع)") {
		t.Errorf("the weekly request: %s", out)
	}
	if out := must("", "subscribers", "list"); !strings.Contains(out, "daily(*)") || strings.Contains(out, "weekly") {
		t.Errorf("after leaving weekly: %s", out)
	}
	if out := must(daily, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org unsubscribed from daily (الصباحية)") {
		t.Errorf("the daily request: %s", out)
	}
	if out := must(daily, "subscribers", "unsubscribe-mail"); !strings.Contains(out, "amal@example.org had already left daily (الصباحية)") {
		t.Errorf("the daily request again: %s", out)
	}
}
