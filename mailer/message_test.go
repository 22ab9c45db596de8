package mailer

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRenderParsesCleanly(t *testing.T) {
	keys := testKeys()
	cases := []struct {
		name string
		dkim *DKIMOptions
	}{
		{"unsigned", nil},
		{"rsa", &DKIMOptions{Domain: "digest.example.com", Selector: "rsa2025", Key: keys["rsa"]}},
		{"ed25519", &DKIMOptions{Domain: "digest.example.com", Selector: "ed2025", Key: keys["ed25519"]}},
	}
	m := digestMessage(t, "sara@example.org")
	var raws [][]byte
	for _, c := range cases {
		raw, err := NewComposer(c.dkim).Render(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		raws = append(raws, raw)
	}
	res := pythonCheck(t, raws...)
	for i, c := range cases {
		r := res[i]
		t.Run(c.name, func(t *testing.T) {
			if len(r.Defects) != 0 {
				t.Errorf("defects: %v", r.Defects)
			}
			if r.Subject != m.Subject {
				t.Errorf("subject = %q, want %q", r.Subject, m.Subject)
			}
			if r.FromName != m.FromName || r.FromAddr != m.FromAddr {
				t.Errorf("from = %q <%s>", r.FromName, r.FromAddr)
			}
			if r.ToName != m.ToName || r.ToAddr != m.To {
				t.Errorf("to = %q <%s>", r.ToName, r.ToAddr)
			}
			if r.BareLF != 0 || r.MaxLine > 998 {
				t.Errorf("bare LF %d, longest line %d", r.BareLF, r.MaxLine)
			}
			h := r.Headers
			want := map[string]string{
				"message-id":            m.MessageID,
				"list-unsubscribe":      "<" + m.UnsubscribeURL + ">, <" + m.UnsubscribeMailto + ">",
				"list-unsubscribe-post": "List-Unsubscribe=One-Click",
				"list-id":               m.ListID,
				"x-nashra-edition":      "2025-06-15",
				"date":                  "Sun, 15 Jun 2025 06:00:00 +0300",
				"reply-to":              m.ReplyTo,
				"mime-version":          "1.0",
			}
			for k, v := range want {
				if len(h[k]) != 1 || h[k][0] != v {
					t.Errorf("%s = %q, want [%q]", k, h[k], v)
				}
			}
			for _, k := range []string{"user-agent", "x-mailer"} {
				if len(h[k]) != 0 {
					t.Errorf("unexpected %s: %q", k, h[k])
				}
			}
			if len(r.Parts) != 3 || r.Parts[0].Type != "multipart/alternative" ||
				r.Parts[1].Type != "text/plain" || r.Parts[2].Type != "text/html" {
				t.Fatalf("structure: %+v", r.Parts)
			}
			for _, p := range r.Parts[1:] {
				if p.Charset != "utf-8" || p.CTE != "base64" {
					t.Errorf("%s: charset %q, encoding %q", p.Type, p.Charset, p.CTE)
				}
			}
			if r.Parts[1].Content != m.Text || r.Parts[2].Content != m.HTML {
				t.Errorf("parts do not round-trip")
			}
			if c.dkim != nil {
				vs := verifyDKIM(t, raws[i], c.dkim)
				signed := strings.Join(vs[0].HeaderKeys, ":")
				for _, k := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "list-id"} {
					if !strings.Contains(":"+strings.ToLower(signed)+":", ":"+k+":") {
						t.Errorf("%s not in h=%s", k, signed)
					}
				}
			}
		})
	}
}

// The whole subject must come back from the encoded words, whatever its
// length and mix of scripts.
func TestLongSubjectsDecodeWhole(t *testing.T) {
	subjects := []string{
		arabicSubject(200),
		arabicSubject(997),
		"OPEC+ و" + arabicSubject(120) + " BBC News ١٢٣",
		"نشرة 📰 الصباح " + strings.Repeat("ـ", 90) + " ؟!",
		"ASCII only subject that is rather long and should still fold at the spaces and come back whole, unchanged",
	}
	c := NewComposer(nil)
	var raws [][]byte
	for i, s := range subjects {
		m := digestMessage(t, "sara@example.org")
		m.Subject = s
		raw, err := c.Render(m)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if i == 0 && !bytes.Contains(raw, []byte("Subject:")) || !bytes.Contains(raw, []byte("?b?")) && !bytes.Contains(raw, []byte("?B?")) {
			t.Errorf("%d: subject not base64 encoded", i)
		}
		raws = append(raws, raw)
	}
	for i, r := range pythonCheck(t, raws...) {
		if r.Subject != subjects[i] {
			t.Errorf("subject %d (%d runes) decodes to %q", i, len([]rune(subjects[i])), r.Subject)
		}
		if len(r.Defects) != 0 {
			t.Errorf("subject %d: defects %v", i, r.Defects)
		}
		if r.MaxLine > 998 {
			t.Errorf("subject %d: line of %d bytes", i, r.MaxLine)
		}
	}
}

func TestHeaderInjectionIsImpossible(t *testing.T) {
	const inj = "\r\nBcc: victim@example.net\r\nX-Injected: yes\n\nbody"
	cases := []struct {
		name string
		set  func(m *Message)
	}{
		{"subject", func(m *Message) { m.Subject += inj }},
		{"from name", func(m *Message) { m.FromName += inj }},
		{"to name", func(m *Message) { m.ToName += inj }},
		{"list id", func(m *Message) { m.ListID = "نشرة" + inj + " <daily.digest.example.com>" }},
		{"extra header", func(m *Message) { m.Headers["X-Nashra-Edition"] += inj }},
		{"unsubscribe url", func(m *Message) { m.UnsubscribeURL += "%0D%0A" + inj }},
		{"subject controls", func(m *Message) { m.Subject += "\x00\x1b[31m\x7f\u0085\u2028Bcc: victim@example.net" }},
	}
	c := NewComposer(nil)
	var raws [][]byte
	var names []string
	for _, tc := range cases {
		m := digestMessage(t, "sara@example.org")
		tc.set(&m)
		raw, err := c.Render(m)
		if err != nil {
			// Refusing the message is also safe.
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		if regexp.MustCompile(`(?mi)^(bcc|x-injected):`).Match(hdr) {
			t.Errorf("%s: injected header in\n%s", tc.name, hdr)
		}
		if bytes.ContainsAny(bytes.ReplaceAll(hdr, []byte("\r\n"), nil), "\r\n\x00\x1b\x7f") {
			t.Errorf("%s: stray control in header block", tc.name)
		}
		raws = append(raws, raw)
		names = append(names, tc.name)
	}
	for i, r := range pythonCheck(t, raws...) {
		if len(r.Headers["bcc"]) != 0 || len(r.Headers["x-injected"]) != 0 {
			t.Errorf("%s: python sees injected headers %v", names[i], r.Headers)
		}
		if len(r.Defects) != 0 {
			t.Errorf("%s: defects %v", names[i], r.Defects)
		}
		if len(r.Parts) != 3 {
			t.Errorf("%s: body changed: %d parts", names[i], len(r.Parts))
		}
	}
	m := digestMessage(t, "sara@example.org")
	m.Subject = "أ\r\nب"
	raw := mustRender(t, c.Render, m)
	if got := pythonCheck(t, raw)[0].Subject; got != "أ ب" {
		t.Errorf("CRLF in subject became %q, want a space", got)
	}
}

func TestRenderRejects(t *testing.T) {
	cases := map[string]func(m *Message){
		"no body":            func(m *Message) { m.Text, m.HTML = "", "" },
		"bad from":           func(m *Message) { m.FromAddr = "not an address" },
		"bad to":             func(m *Message) { m.To = "" },
		"bad message id":     func(m *Message) { m.MessageID = "<no-at-sign>" },
		"arabic message id":  func(m *Message) { m.MessageID = "<نشرة@example.com>" },
		"ftp unsubscribe":    func(m *Message) { m.UnsubscribeURL = "ftp://digest.example.com/u" },
		"list id no domain":  func(m *Message) { m.ListID = "نشرة <daily>" },
		"reserved header":    func(m *Message) { m.Headers["Subject"] = "x" },
		"bad header name":    func(m *Message) { m.Headers["X Bad"] = "x" },
		"header name colon":  func(m *Message) { m.Headers["X-A:Bcc"] = "x" },
		"header name arabic": func(m *Message) { m.Headers["X-نشرة"] = "x" },
	}
	for name, set := range cases {
		m := digestMessage(t, "sara@example.org")
		set(&m)
		if _, err := NewComposer(nil).Render(m); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: err = %v, want ErrInvalidMessage", name, err)
		}
	}
}

func TestHTTPUnsubscribeHasNoOneClick(t *testing.T) {
	m := digestMessage(t, "sara@example.org")
	m.UnsubscribeURL = "http://localhost:8080/unsubscribe?t=x"
	raw := mustRender(t, NewComposer(nil).Render, m)
	if !bytes.Contains(raw, []byte("<http://localhost:8080/unsubscribe?t=x>")) {
		t.Error("http unsubscribe URL not listed")
	}
	if bytes.Contains(raw, []byte("List-Unsubscribe-Post")) {
		t.Error("List-Unsubscribe-Post with an http URL: RFC 8058 requires https for one-click")
	}
}

func TestDKIMDetectsTampering(t *testing.T) {
	for name, key := range testKeys() {
		d := &DKIMOptions{Domain: "digest.example.com", Selector: "s1", Key: key}
		raw := mustRender(t, NewComposer(d).Render, digestMessage(t, "sara@example.org"))
		verifyDKIM(t, raw, d)
		tampered := map[string][]byte{
			"added List-Unsubscribe": bytes.Replace(raw, []byte("\r\n\r\n"), []byte("\r\nList-Unsubscribe: <https://evil.example/u>\r\n\r\n"), 1),
			"changed date":           bytes.Replace(raw, []byte("06:00:00 +0300"), []byte("07:00:00 +0300"), 1),
			"changed body":           bytes.Replace(raw, []byte("\r\n\r\n--"), []byte("\r\n\r\nX\r\n--"), 1),
		}
		for what, bad := range tampered {
			if bytes.Equal(bad, raw) {
				t.Fatalf("%s: %s did not change the message", name, what)
			}
			vs, err := dkimVerify(bad, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("%s: %s still verifies", name, what)
			}
		}
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID("2025-06-15", "sara@example.org", "digest.example.com")
	if a != MessageID("2025-06-15", "sara@example.org", "digest.example.com") {
		t.Error("not deterministic")
	}
	for _, other := range []string{
		MessageID("2025-06-16", "sara@example.org", "digest.example.com"),
		MessageID("2025-06-15", "omar@example.org", "digest.example.com"),
		MessageID("2025-06-1", "5sara@example.org", "digest.example.com"),
	} {
		if other == a {
			t.Errorf("collision: %s", a)
		}
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@digest\.example\.com>$`).MatchString(a) {
		t.Errorf("shape: %s", a)
	}
	if strings.Contains(a, "sara") {
		t.Errorf("subscriber leaks into %s", a)
	}
	if _, err := messageIDValue(MessageID("e", "s", "bad\r\ndomain")); err != nil {
		t.Errorf("sanitised domain rejected: %v", err)
	}
}

func TestLoadDKIMKey(t *testing.T) {
	dir := t.TempDir()
	keys := testKeys()
	rk := keys["rsa"].(*rsa.PrivateKey)
	p8rsa, _ := x509.MarshalPKCS8PrivateKey(rk)
	p8ed, _ := x509.MarshalPKCS8PrivateKey(keys["ed25519"])
	files := map[string]*pem.Block{
		"pkcs1.pem":    {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)},
		"pkcs8rsa.pem": {Type: "PRIVATE KEY", Bytes: p8rsa},
		"pkcs8ed.pem":  {Type: "PRIVATE KEY", Bytes: p8ed},
		"cert.pem":     {Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}},
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"pkcs1.pem", "pkcs8rsa.pem", "pkcs8ed.pem"} {
		k, err := LoadDKIMKey(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := &DKIMOptions{Domain: "digest.example.com", Selector: "k", Key: k}
		raw := mustRender(t, NewComposer(d).Render, digestMessage(t, "sara@example.org"))
		vs := verifyDKIM(t, raw, d)
		_, isEd := k.(ed25519.PrivateKey)
		if isEd != (name == "pkcs8ed.pem") || len(vs) != 1 {
			t.Errorf("%s: loaded %T", name, k)
		}
	}
	for _, name := range []string{"cert.pem", "missing.pem"} {
		if _, err := LoadDKIMKey(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
