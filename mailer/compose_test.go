package mailer

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

// TestRenderIsGoMails: the multipart body written by Render is go-mail's
// (renderGoMail), for parts of every length around the base64 line and
// block sizes, Arabic, CRLF and LF text.
func TestRenderIsGoMails(t *testing.T) {
	c := NewComposer(nil)
	base := digestMessage(t, "sara@example.org")
	rng := rand.New(rand.NewPCG(7, 8))
	runes := []rune("نشرة الصباح abc <b>&</b>\r\n\n١٢٣ é 😀\t=")
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		return b.String()
	}
	lengths := []int{1, 2, 3, 4, 55, 56, 57, 58, 59, 75, 76, 77, 113, 114, 115, 171, 1000}
	cases := []Message{base}
	for _, n := range lengths {
		m := base
		m.Text, m.HTML = strings.Repeat("x", n), text(n)
		cases = append(cases, m)
		m.Text, m.HTML = text(n), strings.Repeat("ي", n)
		cases = append(cases, m)
	}
	for i, m := range cases {
		got := mustRender(t, c.Render, m)
		want := mustRender(t, c.renderGoMail, m)
		if g, w := testkit.CanonicalMail(t, got), testkit.CanonicalMail(t, want); g != w {
			t.Errorf("case %d (%d, %d bytes): Render differs from go-mail's:\n%q\n%q", i, len(m.Text), len(m.HTML), g, w)
		}
		if !bytes.HasSuffix(got, []byte("--\r\n")) {
			t.Errorf("case %d: no closing boundary", i)
		}
		// Sized exactly beforehand: one allocation, no copy on growth
		// (nothing was recycled into this Composer).
		if cap(got) != len(got) {
			t.Errorf("case %d: buffer of %d bytes for a message of %d", i, cap(got), len(got))
		}
	}
	// One part only: go-mail writes it all.
	for _, m := range []Message{{Text: "نص"}, {HTML: "<p>نص</p>"}} {
		full := base
		full.Text, full.HTML = m.Text, m.HTML
		got := mustRender(t, c.Render, full)
		if !bytes.Contains(got, []byte("Content-Transfer-Encoding: base64")) || bytes.Contains(got, []byte("multipart")) {
			t.Errorf("single part:\n%s", got)
		}
	}
}

// TestRecycle: a message handed back is written over by a later Render,
// which still renders exactly, signed or not; a buffer too small for the
// next message is not used.
func TestRecycle(t *testing.T) {
	for _, signed := range []bool{false, true} {
		var d *DKIMOptions
		if signed {
			d = &DKIMOptions{Domain: "digest.example.com", Selector: "ed2025", Key: testKeys()["ed25519"]}
		}
		c, fresh := NewComposer(d), NewComposer(d)
		long := digestMessage(t, "sara@example.org")
		short := long
		short.Text, short.HTML = "نص قصير", "<p>نص قصير</p>"
		for i, m := range []Message{long, short, long, long} {
			got := mustRender(t, c.Render, m)
			want := mustRender(t, fresh.Render, m)
			if signed {
				verifyDKIM(t, got, d)
			} else if testkit.CanonicalMail(t, got) != testkit.CanonicalMail(t, want) {
				t.Errorf("signed=%v message %d: recycled render differs:\n%q\n%q", signed, i, got, want)
			}
			if len(got) != len(want) {
				t.Errorf("signed=%v message %d: %d bytes, want %d", signed, i, len(got), len(want))
			}
			c.Recycle(got)
		}
	}
}

// BenchmarkCompose renders one digest message with Render, which
// assembles it by hand, and with go-mail (renderGoMail), for comparison.
func BenchmarkCompose(b *testing.B) {
	m := digestMessage(b, "sara@example.org")
	c := NewComposer(nil)
	for _, r := range []struct {
		name   string
		render func(Message) ([]byte, error)
	}{{"render", c.Render}, {"go-mail", c.renderGoMail}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.render(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCleanHeader: sanitizeHeader's shortcut for clean values returns what
// the full cleaning returns.
func TestCleanHeader(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pieces := []string{" ", "  ", "a", "ع", "\t", "\r\n", "\x00", "\x7f", "\u0085", "\u2028", "\u2029", "\xff", "\uFFFD", "é", "😀", "<", "\u200f"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		full := sanitizeFull(s)
		if got := sanitizeHeader(s); got != full {
			t.Fatalf("sanitizeHeader(%q) = %q, want %q", s, got, full)
		}
		if cleanHeader(s) && full != s {
			t.Fatalf("cleanHeader(%q) but sanitized is %q", s, full)
		}
	}
}
