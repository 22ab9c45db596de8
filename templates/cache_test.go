package templates

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/testkit"
)

// readers are the values EditionEmail is checked with: signed links, empty
// ones, Arabic names with HTML-special characters and Latin runs, names
// long enough to wrap, white space, invalid UTF-8, links that the url
// function drops or changes (rendered in full), non-ASCII links.
var readers = []struct{ prefs, unsub, name string }{
	{"https://digest.example.com/preferences?t=12.AbC-dE_f", "https://digest.example.com/unsubscribe?t=12.xYz-9_0", "سارة"},
	{"https://digest.example.com/preferences?t=13.q", "https://digest.example.com/unsubscribe?t=13.r", ""},
	{"", "", ""},
	{"", "https://digest.example.com/unsubscribe?t=14.s", "محمد <script>alert(1)</script> & \"أحمد\""},
	{"https://digest.example.com/preferences?t=15.t", "", "O'Brien & Sons <b>"},
	{"https://digest.example.com/p?t=1&x=<\"'>", "https://digest.example.com/u?t=1%2F2+3", "عبد الرحمن بن عبد الله بن محمد بن أحمد بن علي بن حسن الهاشمي القرشي المكي من آل البيت"},
	{"https://digest.example.com/p?t=2", "https://digest.example.com/u?t=2", "  \t  "},
	{"https://digest.example.com/p?t=3", "https://digest.example.com/u?t=3", "سارة\nأحمد\r\nبنت"},
	{"javascript:alert(1)", "https://digest.example.com/u?t=4", "ليلى"},
	{" https://digest.example.com/p?t=5 ", "/relative/unsubscribe", "Layla (ليلى) ١٢٣ iPhone 17 Pro"},
	{"https://مثال.example/تفضيلات?t=٦", "HTTP://Digest.Example.COM/U?T=6#x", "\xff\xfe علي"},
	{"https://digest.example.com/p?t=7", "https://digest.example.com/u?t=7", strings.Repeat("ZaidZaidZaid", 9)},
	{"https://digest.example.com/p?t=8", "https://digest.example.com/u?t=8", "\u200f\u200e\u200fنور"},
}

func TestEditionEmailMatchesFullRender(t *testing.T) {
	s := mustNew(t, "")
	if !s.embeddedEmail {
		t.Fatal("embedded email templates not recognised as such")
	}
	full := fixture()
	hostile := fixture()
	// An edition whose content holds what a reader's values hold.
	hostile.Edition = hostile.Edition.Filter(nil)
	hostile.Edition.Sections[0].Stories[0].Title = `سارة <b>&amp;</b> "quoted" https://digest.example.com/p?t=2`
	hostile.Edition.Sections[0].Stories[0].Summary = "مرحبًا سارة، " + strings.Repeat("Latin ", 20)
	hostile.SiteTitle = `نشرة "Al-Sabah" & <Co>`
	editions := map[string]EmailData{"full": full, "hostile": hostile}
	for _, cats := range [][]string{{"رياضة"}, {"تقنية", "سياسة"}, {"لا شيء"}} {
		d := fixture()
		d.Edition = d.Edition.Filter(cats)
		editions[strings.Join(cats, "+")] = d
	}
	noBase := fixture()
	noBase.BaseURL = ""
	noBase.Reason = "سبب مخصص <b>"
	editions["no base URL"] = noBase

	for name, d := range editions {
		ee := s.NewEditionEmail(d)
		for i, r := range readers {
			want := d
			want.PreferencesURL, want.UnsubscribeURL, want.Recipient = r.prefs, r.unsub, r.name
			wantHTML, wantText, err := s.Email(want)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time from the cached skeleton
				html, text, err := ee.Email(r.prefs, r.unsub, r.name)
				if err != nil {
					t.Fatal(err)
				}
				if html != wantHTML {
					t.Errorf("%s, reader %d: HTML differs:\n%s", name, i, testkit.LineDiff(wantHTML, html))
				}
				if text != wantText {
					t.Errorf("%s, reader %d: text differs:\n%s", name, i, testkit.LineDiff(wantText, text))
				}
			}
		}
		// The readers of the usual kinds must have used the shortcut.
		for _, k := range []readerKind{{true, true, true}, {true, true, false}, {false, false, false}} {
			if sk := ee.skels[k]; sk == nil {
				t.Errorf("%s: no prerendered parts for %+v", name, k)
			}
		}
	}
}

// TestEditionEmailRandomReaders compares random names and links made of
// characters that matter to the escaping and the wrapping.
func TestEditionEmailRandomReaders(t *testing.T) {
	s := mustNew(t, "")
	d := fixture()
	ee := s.NewEditionEmail(d)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"ع", "ل", "ي", " ", " ", "A", "b", "<", ">", "&", "\"", "'", "(", ")", "1", "٣", "\t", "\u200f", "\u064e", "-", ".", "/", "?", "=", "%", "+", "#", "~", ":", "_", "é"}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 300 {
		prefs := "https://digest.example.com/preferences?t=" + word(rng.IntN(12))
		unsub := "https://digest.example.com/unsubscribe?t=" + word(rng.IntN(12))
		name := word(rng.IntN(120))
		want := d
		want.PreferencesURL, want.UnsubscribeURL, want.Recipient = prefs, unsub, name
		wantHTML, wantText, err := s.Email(want)
		if err != nil {
			t.Fatal(err)
		}
		html, text, err := ee.Email(prefs, unsub, name)
		if err != nil {
			t.Fatal(err)
		}
		if html != wantHTML || text != wantText {
			t.Fatalf("reader %d (%q, %q, %q) differs:\n%s\n%s", i, prefs, unsub, name,
				testkit.LineDiff(wantHTML, html), testkit.LineDiff(wantText, text))
		}
	}
}

func TestEditionEmailProbesAndPlainURLs(t *testing.T) {
	for _, p := range probes {
		if _, ok := kindOf(p[slotPrefs], p[slotUnsub], p[slotName]); !ok {
			t.Errorf("probe %q is not of a kind the placeholders stand for", p)
		}
	}
	ph := placeholders()
	if _, ok := kindOf(ph[slotPrefs], ph[slotUnsub], ph[slotName]); !ok {
		t.Errorf("placeholders %q are not of their own kind", ph)
	}
	if got := string(IsolateLatin(ph[slotName])); got != ph[slotName] {
		t.Errorf("bidi changes the name placeholder: %q", got)
	}
	// plainURL's shortcut must agree with html/template.
	rng := rand.New(rand.NewPCG(3, 4))
	const chars = "abcXYZ019-._~:/?="
	for range 500 {
		u := "https://"
		for range rng.IntN(40) {
			u += string(chars[rng.IntN(len(chars))])
		}
		if !plainURL(u) {
			t.Fatalf("plainURL(%q) = false", u)
		}
		var b strings.Builder
		if err := hrefTemplate.Execute(&b, u); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`); got != u {
			t.Fatalf("html/template escapes %q as %q", u, got)
		}
	}
	if digest.SafeURL("https://digest.example.com/u?t=1", "") == "" {
		t.Fatal("SafeURL drops a plain link")
	}
}

// TestEditionEmailOverrideRendersInFull: with an overridden email
// template, every reader is rendered by the templates.
func TestEditionEmailOverrideRendersInFull(t *testing.T) {
	dir := t.TempDir()
	override := "{{if eq .Recipient \"سارة\"}}أهلًا يا سارة{{else}}مرحبًا {{.Recipient}}{{end}}\n"
	if err := os.WriteFile(filepath.Join(dir, EmailTextFile), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, dir)
	if s.embeddedEmail {
		t.Fatal("overridden email template taken as embedded")
	}
	d := fixture()
	ee := s.NewEditionEmail(d)
	for _, name := range []string{"سارة", "ليلى"} {
		want := d
		want.Recipient = name
		_, wantText, err := s.Email(want)
		if err != nil {
			t.Fatal(err)
		}
		_, text, err := ee.Email("", "", name)
		if err != nil {
			t.Fatal(err)
		}
		if text != wantText {
			t.Errorf("%s: got %q, want %q", name, text, wantText)
		}
	}
	if len(ee.skels) != 0 {
		t.Error("an override was prerendered")
	}
}
