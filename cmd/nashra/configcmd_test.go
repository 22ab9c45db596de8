package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheckReportsEverything: one run of `config check` names every
// mistake — a typo in the file, a typo in the environment, a duration
// without a unit and a DKIM key file that is not there.
func TestConfigCheckReportsEverything(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	body := "site:\n  titel: x\nserver:\n  watch_interval: 2\nmail:\n  dkim:\n    domain: example.org\n    selector: s1\n    key_file: " +
		filepath.Join(dir, "missing.pem") + "\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NASHRA_SITE_TITEL", "x")
	_, _, err := run(t, "--config", p, "config", "check")
	if err == nil {
		t.Fatal("config check passed")
	}
	for _, want := range []string{
		"site.titel: unknown key (did you mean site.title?)",
		"environment NASHRA_SITE_TITEL: unknown variable (did you mean NASHRA_SITE_TITLE?)",
		"server.watch_interval: must be a duration with a unit",
		"mail.dkim.key_file: cannot read " + filepath.Join(dir, "missing.pem") + ": no such file or directory",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}

	// A file that is not a key is named too.
	if err := os.WriteFile(filepath.Join(dir, "missing.pem"), []byte("مفتاح"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "--config", p, "config", "check")
	if err == nil || !strings.Contains(err.Error(), "mail.dkim.key_file: "+filepath.Join(dir, "missing.pem")+": no PEM block") {
		t.Errorf("error = %v", err)
	}
}

// TestConfigCheckWarnsPlainHTTP: an http site.base_url is valid but drops
// one-click unsubscribe; `config check` says so, an https one does not.
func TestConfigCheckWarnsPlainHTTP(t *testing.T) {
	for _, tt := range []struct {
		url  string
		warn bool
	}{{"http://news.example.org", true}, {"https://news.example.org", false}} {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte("site:\n  base_url: "+tt.url+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := run(t, "--config", p, "config", "check")
		if err != nil || !strings.Contains(out, "config ok") {
			t.Fatalf("%s: out=%q err=%v", tt.url, out, err)
		}
		got := strings.Contains(errOut, "warning: site.base_url:") && strings.Contains(errOut, "one-click unsubscribe")
		if got != tt.warn {
			t.Errorf("%s: warning shown = %v, want %v; stderr %q", tt.url, got, tt.warn, errOut)
		}
	}
}
