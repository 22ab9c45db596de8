package mailer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/nashra/nashra/internal/testkit"
)

// pyResult is what testdata/check_email.py reports for one message.
type pyResult struct {
	Defects  []string            `json:"defects"`
	Subject  string              `json:"subject"`
	FromName string              `json:"from_name"`
	FromAddr string              `json:"from_addr"`
	ToName   string              `json:"to_name"`
	ToAddr   string              `json:"to_addr"`
	Headers  map[string][]string `json:"headers"`
	Parts    []struct {
		Type    string `json:"type"`
		Charset string `json:"charset"`
		CTE     string `json:"cte"`
		Content string `json:"content"`
	} `json:"parts"`
	MaxLine int `json:"max_line"`
	BareLF  int `json:"bare_lf"`
}

// pythonCheck parses raw messages with Python's email package (policy.default).
func pythonCheck(t *testing.T, raws ...[]byte) []pyResult {
	t.Helper()
	py := testkit.NeedTool(t, "/usr/bin/python3")
	dir := t.TempDir()
	args := []string{"testdata/check_email.py"}
	for i, raw := range raws {
		p := filepath.Join(dir, fmt.Sprintf("m%d.eml", i))
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	return pythonCheckFiles(t, py, args...)
}

func pythonCheckFiles(t *testing.T, py string, args ...string) []pyResult {
	t.Helper()
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python email check: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("python email check: %v", err)
	}
	var res []pyResult
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var r pyResult
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("python output: %v\n%s", err, out)
		}
		res = append(res, r)
	}
	if len(res) != len(args)-1 {
		t.Fatalf("python checked %d messages, want %d", len(res), len(args)-1)
	}
	return res
}

// testKeys are generated once per test binary: RSA generation is slow.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return map[string]crypto.Signer{"rsa": rk, "ed25519": ek}
})

// dkimVerify verifies raw with the public half of d.Key published at
// <selector>._domainkey.<domain> through a custom TXT lookup.
func dkimVerify(raw []byte, d *DKIMOptions) ([]*dkim.Verification, error) {
	rec, err := DKIMRecord(d.Key)
	if err != nil {
		return nil, err
	}
	want := d.Selector + "._domainkey." + d.Domain
	return dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != want {
				return nil, fmt.Errorf("no TXT record for %s", domain)
			}
			return []string{rec}, nil
		},
	})
}

// verifyDKIM fails the test unless raw carries signatures that all verify.
func verifyDKIM(t *testing.T, raw []byte, d *DKIMOptions) []*dkim.Verification {
	t.Helper()
	vs, err := dkimVerify(raw, d)
	if err != nil {
		t.Fatalf("dkim verify: %v", err)
	}
	if len(vs) == 0 {
		t.Fatal("dkim: message carries no signature")
	}
	for _, v := range vs {
		if v.Err != nil {
			t.Fatalf("dkim signature by %s does not verify: %v", v.Domain, v.Err)
		}
	}
	return vs
}

// arabicSubject returns an Arabic subject of exactly n runes.
func arabicSubject(n int) string {
	base := []rune("نشرة الصباح: افتتاح معرض الرياض الدولي للكتاب وارتفاع أسعار النفط وتأهل الهلال إلى نصف النهائي — ")
	out := make([]rune, 0, n)
	for len(out) < n {
		out = append(out, base[len(out)%len(base)])
	}
	return string(out)
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mustRender is render(m) (a Composer's Render, or renderGoMail), failing
// the test on an error.
func mustRender(t testing.TB, render func(Message) ([]byte, error), m Message) []byte {
	t.Helper()
	raw, err := render(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// digestMessage is a realistic Arabic digest for one subscriber.
func digestMessage(t testing.TB, to string) Message {
	t.Helper()
	return Message{
		FromAddr:          "digest@digest.example.com",
		FromName:          "نشرة الصباح",
		To:                to,
		ToName:            "سارة العتيبي",
		ReplyTo:           "editors@digest.example.com",
		Subject:           "نشرة الصباح: معرض الرياض للكتاب، أسعار النفط، والهلال إلى نصف النهائي",
		Text:              readFixture(t, "digest.txt"),
		HTML:              readFixture(t, "digest.html"),
		MessageID:         MessageID("2025-06-15", to, "digest.example.com"),
		Date:              time.Date(2025, 6, 15, 6, 0, 0, 0, time.FixedZone("AST", 3*3600)),
		ListID:            "نشرة الصباح <daily.digest.example.com>",
		UnsubscribeURL:    "https://digest.example.com/unsubscribe/one-click?t=" + strings.Repeat("Ab3_", 24),
		UnsubscribeMailto: "mailto:unsubscribe@digest.example.com?subject=unsubscribe",
		Headers:           map[string]string{"X-Nashra-Edition": "2025-06-15"},
	}
}
