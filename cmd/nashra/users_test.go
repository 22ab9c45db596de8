package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runIn is run with stdin.
func runIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestUsersTokensAudit drives users, tokens and audit as an admin would:
// every change is listed and audited, the token is printed once and never
// listed, and bad input is refused naming the flag.
func TestUsersTokensAudit(t *testing.T) {
	c := csvSite(t)
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := runIn(t, stdin, append([]string{"--config", c}, args...)...)
		if err != nil {
			t.Fatalf("nashra %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	fail := func(want string, stdin string, args ...string) {
		t.Helper()
		out, errOut, err := runIn(t, stdin, append([]string{"--config", c}, args...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("nashra %s: error %v, want one containing %q\n%s%s", strings.Join(args, " "), err, want, out, errOut)
		}
	}
	must("كلمة-سر-طويلة\n", "users", "add", "Huda@Example.com", "--role", "admin", "--name", "هدى", "--password-stdin")
	must("another-long-one\n", "users", "add", "sami@example.com", "--role", "viewer", "--password-stdin")
	fail("--role: must be admin, editor or viewer", "x\n", "users", "add", "x@example.com", "--role", "root", "--password-stdin")
	fail("at least 10 characters", "short\n", "users", "add", "x@example.com", "--role", "editor", "--password-stdin")
	fail("not a terminal", "", "users", "add", "x@example.com", "--role", "editor")
	fail("already used", "long-enough-pw\n", "users", "add", "HUDA@example.com", "--role", "editor", "--password-stdin")
	fail("leave no admin", "", "users", "set-role", "huda@example.com", "viewer")
	fail("leave no admin", "", "users", "remove", "huda@example.com")
	must("", "users", "set-role", "sami@example.com", "editor")
	must("brand-new-password\n", "users", "reset-password", "sami@example.com", "--password-stdin")

	list := must("", "users", "list")
	if !strings.Contains(list, "huda@example.com") || !strings.Contains(list, "هدى") || !lineHas(list, "sami@example.com", "editor") {
		t.Errorf("users list:\n%s", list)
	}
	totp := must("", "users", "totp", "huda@example.com")
	if !strings.Contains(totp, "otpauth://totp/") || strings.Count(totp, "\n  ") != 10 {
		t.Errorf("users totp:\n%s", totp)
	}
	if !lineHas(must("", "users", "list"), "huda@example.com", "yes (10 recovery codes)") {
		t.Error("users list does not show the second factor")
	}

	token := strings.TrimSpace(must("", "tokens", "create", "--user", "sami@example.com", "--name", "ci"))
	if !strings.HasPrefix(token, "nashra_") || len(token) < 40 {
		t.Fatalf("tokens create printed %q", token)
	}
	fail("already used", "", "tokens", "create", "--user", "sami@example.com", "--name", "ci")
	fail("not found", "", "tokens", "create", "--user", "nobody@example.com", "--name", "x")
	tl := must("", "tokens", "list")
	if !lineHas(tl, "ci", "sami@example.com") || strings.Contains(tl, token[7:]) {
		t.Errorf("tokens list:\n%s", tl)
	}
	must("", "tokens", "revoke", "ci")
	fail("no token ci", "", "tokens", "revoke", "ci")
	must("", "users", "remove", "sami@example.com")

	audit := must("", "audit", "--since", "1h")
	order := []string{"token.revoke", "token.create", "user.totp", "user.password", "user.role", "user.add"}
	last := -1
	for _, a := range order {
		i := strings.Index(audit, a)
		if i < 0 || i < last {
			t.Errorf("audit lacks %s or shows it out of order:\n%s", a, audit)
		}
		last = i
	}
	if !strings.Contains(audit, "cli") || !strings.Contains(audit, "user.remove") {
		t.Errorf("audit:\n%s", audit)
	}
	if got := must("", "audit", "--since", "2999-01-01"); strings.Count(got, "\n") != 1 {
		t.Errorf("audit since a future day shows entries:\n%s", got)
	}
	if got := must("", "audit", "--action", "user.add"); strings.Count(got, "\n") != 3 {
		t.Errorf("audit --action user.add:\n%s", got)
	}
	fail("--since", "", "audit", "--since", "yesterday")
}

// lineHas reports whether some line of s contains all of parts.
func lineHas(s string, parts ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}
