package templates

import (
	"bytes"
	"crypto/rand"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"

	"github.com/nashra/nashra/internal/digest"
)

// EditionEmail renders the email of one edition for reader after reader,
// each time byte for byte what Set.Email renders, without running the
// templates for every reader: the parts are rendered once with placeholders
// for the reader's own fields (PreferencesURL, UnsubscribeURL, Recipient),
// which are then replaced by each reader's values, escaped as the templates
// escape them (the bidi isolation and HTML escaping of the name, the
// attribute escaping of the links, oneline in the text part), and the text
// part's lines that hold them are wrapped again.
//
// The shortcut is taken only with the embedded email templates (an
// override is rendered in full for every reader: its use of the fields is
// unknown) and only for values of the kinds the placeholders stand for: an
// absolute http(s) link that the text part's url function keeps as is, a
// name that is not blank; empty values have their own prerendered parts.
// Any other value is rendered in full. Each prerendering is checked once
// against a full render of hostile sample values and not used if they
// differ.
type EditionEmail struct {
	set  *Set
	base EmailData

	mu    sync.Mutex
	skels map[readerKind]*skeleton
}

// readerKind classifies a reader's values: which fields are empty.
type readerKind struct {
	prefs, unsub, name bool // true: not empty
}

// NewEditionEmail returns the renderer of d's edition; the reader fields of
// d (PreferencesURL, UnsubscribeURL, Recipient) are ignored: Email takes
// them.
func (s *Set) NewEditionEmail(d EmailData) *EditionEmail {
	d.PreferencesURL, d.UnsubscribeURL, d.Recipient = "", "", ""
	return &EditionEmail{set: s, base: d, skels: map[readerKind]*skeleton{}}
}

// Email renders the parts for one reader: the same bytes as Set.Email with
// the base data and these fields.
func (ee *EditionEmail) Email(prefsURL, unsubURL, recipient string) (html, text string, err error) {
	k, ok := kindOf(prefsURL, unsubURL, recipient)
	if ok && ee.set.embeddedEmail {
		if sk := ee.skeleton(k); sk != nil {
			if html, text, ok := sk.render(prefsURL, unsubURL, recipient); ok {
				return html, text, nil
			}
		}
	}
	d := ee.base
	d.PreferencesURL, d.UnsubscribeURL, d.Recipient = prefsURL, unsubURL, recipient
	return ee.set.Email(d)
}

// kindOf classifies the values; ok is false when one of them is of no kind
// the placeholders stand for.
func kindOf(prefs, unsub, name string) (readerKind, bool) {
	k := readerKind{prefs: prefs != "", unsub: unsub != "", name: name != ""}
	if k.name && strings.TrimSpace(name) == "" {
		return k, false
	}
	for _, u := range [...]string{prefs, unsub} {
		if u != "" && digest.SafeURL(u, "") != u {
			return k, false
		}
	}
	return k, true
}

func (ee *EditionEmail) skeleton(k readerKind) *skeleton {
	ee.mu.Lock()
	defer ee.mu.Unlock()
	if sk, ok := ee.skels[k]; ok {
		return sk
	}
	sk := ee.build(k)
	ee.skels[k] = sk
	return sk
}

// Reader fields, as slots in a skeleton.
const (
	slotPrefs = iota
	slotUnsub
	slotName
	nSlots
)

// piece is static text, or a slot (slot >= 0) where a reader value goes.
type piece struct {
	text string
	slot int
}

// textLine is one line of the raw text part: formatted once when it holds
// no slot.
type textLine struct {
	pieces []piece
	fixed  *formattedLine
}

type skeleton struct {
	html  []piece
	text  []textLine
	nhtml int // static bytes of html
}

// placeholders returns the stand-in values: an https link and an Arabic
// word that the templates' escaping and functions leave unchanged, random
// so that no edition holds them.
func placeholders() [nSlots]string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	const letters = "بتثجحخدذرزسشصضطظ" // 16 Arabic letters (2 bytes each)
	var name strings.Builder
	name.WriteString("ڿ")
	for _, c := range b {
		name.WriteString(letters[2*(c>>4) : 2*(c>>4)+2])
		name.WriteString(letters[2*(c&15) : 2*(c&15)+2])
	}
	h := fmt.Sprintf("%x", b)
	return [nSlots]string{
		slotPrefs: "https://nashra-placeholder.invalid/p/" + h,
		slotUnsub: "https://nashra-placeholder.invalid/u/" + h,
		slotName:  name.String(),
	}
}

// probes are reader values that the prerendered parts must reproduce
// exactly before they are used: HTML-special characters, quotes, Latin
// runs inside Arabic, a name long enough to wrap in the text part, white
// space inside, non-ASCII links.
var probes = [][nSlots]string{
	{
		slotPrefs: `https://example.org/preferences?t=1.a-b_c&x='"<>&amp;`,
		slotUnsub: "https://مثال.example/إلغاء?t=٢.x+y%20z&l=ar#frag",
		slotName:  `<b>علي</b> & "Zaid O'Brien" (ACME Corp.) ١٢٣ بن عبد الله بن محمد بن أحمد Al-Hashimi الطويل جدًا`,
	},
	{
		slotPrefs: "http://localhost:8080/p?t=9",
		slotUnsub: "HTTPS://Example.ORG/u/%E2%9C%93?a=b;c=d",
		slotName:  "  Sara\tسارة\n<i>x</i>  ",
	},
}

// build prerenders the parts for readers of kind k and checks them against
// full renders of the probes; nil when they differ (k is then rendered in
// full).
func (ee *EditionEmail) build(k readerKind) *skeleton {
	ph := placeholders()
	present := [nSlots]bool{slotPrefs: k.prefs, slotUnsub: k.unsub, slotName: k.name}
	vals := func(v [nSlots]string) (string, string, string) {
		for i := range v {
			if !present[i] {
				v[i] = ""
			}
		}
		return v[slotPrefs], v[slotUnsub], v[slotName]
	}
	d := ee.base
	d.PreferencesURL, d.UnsubscribeURL, d.Recipient = vals(ph)
	d, err := d.withDefaults()
	if err != nil {
		return nil
	}
	var hb, tb bytes.Buffer
	if ee.set.email.Execute(&hb, d) != nil || ee.set.text.Execute(&tb, d) != nil {
		return nil
	}
	sk := &skeleton{html: split(hb.String(), ph, present)}
	for _, p := range sk.html {
		sk.nhtml += len(p.text)
	}
	raw := strings.ReplaceAll(tb.String(), "\r\n", "\n")
	for _, line := range strings.Split(raw, "\n") {
		ps := split(line, ph, present)
		tl := textLine{pieces: ps}
		if len(ps) == 1 && ps[0].slot < 0 {
			f := formatLine(line, TextWidth)
			tl.fixed = &f
		}
		sk.text = append(sk.text, tl)
	}
	for _, p := range probes {
		pu, uu, nu := vals(p)
		dp := ee.base
		dp.PreferencesURL, dp.UnsubscribeURL, dp.Recipient = pu, uu, nu
		wantHTML, wantText, err := ee.set.Email(dp)
		if err != nil {
			return nil
		}
		html, text, ok := sk.render(pu, uu, nu)
		if !ok || html != wantHTML || text != wantText {
			return nil
		}
	}
	return sk
}

// split cuts s at every occurrence of the present placeholders.
func split(s string, ph [nSlots]string, present [nSlots]bool) []piece {
	var out []piece
	for {
		at, slot := -1, -1
		for i, p := range ph {
			if !present[i] {
				continue
			}
			if j := strings.Index(s, p); j >= 0 && (at < 0 || j < at) {
				at, slot = j, i
			}
		}
		if at < 0 {
			break
		}
		if at > 0 {
			out = append(out, piece{text: s[:at], slot: -1})
		}
		out = append(out, piece{slot: slot})
		s = s[at+len(ph[slot]):]
	}
	if s != "" || len(out) == 0 {
		out = append(out, piece{text: s, slot: -1})
	}
	return out
}

// render fills the skeleton; ok is false when a value would change the text
// part's line structure (a line break in it), which a full render handles.
func (sk *skeleton) render(prefs, unsub, name string) (html, text string, ok bool) {
	// The HTML part: links escaped for an href attribute, the name
	// bidi-isolated and escaped.
	var hv [nSlots]string
	if hv[slotPrefs], ok = hrefEscape(prefs); !ok {
		return "", "", false
	}
	if hv[slotUnsub], ok = hrefEscape(unsub); !ok {
		return "", "", false
	}
	hv[slotName] = string(IsolateLatin(name))
	var hb strings.Builder
	n := sk.nhtml
	for _, p := range sk.html {
		if p.slot >= 0 {
			n += len(hv[p.slot])
		}
	}
	hb.Grow(n)
	for _, p := range sk.html {
		if p.slot >= 0 {
			hb.WriteString(hv[p.slot])
		} else {
			hb.WriteString(p.text)
		}
	}

	// The text part: links as they are (url keeps them), the name on one
	// line; lines with a value are wrapped and marked again.
	var tv [nSlots]string
	tv[slotPrefs] = prefs
	tv[slotUnsub] = unsub
	tv[slotName] = strings.Join(strings.Fields(name), " ")
	for _, v := range tv {
		if strings.ContainsAny(v, "\r\n") {
			return "", "", false
		}
	}
	fs := make([]formattedLine, len(sk.text))
	var lb strings.Builder
	for i, tl := range sk.text {
		if tl.fixed != nil {
			fs[i] = *tl.fixed
			continue
		}
		lb.Reset()
		for _, p := range tl.pieces {
			if p.slot >= 0 {
				if tv[p.slot] == "" {
					return "", "", false
				}
				lb.WriteString(tv[p.slot])
			} else {
				lb.WriteString(p.text)
			}
		}
		fs[i] = formatLine(lb.String(), TextWidth)
	}
	return hb.String(), joinLines(fs), true
}

// hrefTemplate escapes a value as html/template does at the start of a
// double-quoted href attribute, as the email template writes its links.
var hrefTemplate = htmltemplate.Must(htmltemplate.New("href").Parse(`<a href="{{.}}">`))

func hrefEscape(u string) (string, bool) {
	if u == "" || plainURL(u) {
		return u, true
	}
	var b strings.Builder
	if err := hrefTemplate.Execute(&b, u); err != nil {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`), true
}

// plainURL reports an http(s) URL made only of characters that the href
// escaping leaves as they are (letters, digits, - . _ ~ : / ? =), such as
// the signed links the delivery writes.
func plainURL(u string) bool {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~:/?=", c) >= 0:
		default:
			return false
		}
	}
	return true
}
