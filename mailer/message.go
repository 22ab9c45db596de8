// Package mailer composes nashra's digest emails and sends them.
//
// A Composer turns a Message (already rendered text and HTML parts plus the
// list headers) into RFC 5322 bytes with github.com/wneessen/go-mail:
// multipart/alternative, base64 UTF-8 parts and RFC 2047 base64 headers so
// Arabic subjects and display names survive, a deterministic Message-ID, and
// RFC 2369/8058 List-Id, List-Unsubscribe and List-Unsubscribe-Post headers.
// When DKIM options are given, the written bytes are signed with
// github.com/emersion/go-msgauth/dkim (go-mail's own signer folds h= inside a
// header name, which breaks verification).
//
// Transports deliver the bytes unchanged: FileTransport writes one .eml per
// message into an outbox folder, SMTPTransport keeps a pool of connections
// to an SMTP server (go-mail's github.com/wneessen/go-mail/smtp client)
// with STARTTLS, AUTH, pipelining, rate limiting and SendError
// classification of replies.
package mailer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/wneessen/go-mail"
)

// Message is one email ready to be rendered: the parts are already rendered
// by the templates, the headers come from the edition and the subscriber.
type Message struct {
	FromAddr, FromName string // FromName may be Arabic: "نشرة الصباح"
	To, ToName         string
	ReplyTo            string
	Subject            string
	Text, HTML         string    // rendered parts; at least one is required
	MessageID          string    // "<id@domain>", see MessageID
	Date               time.Time // zero means time.Now()
	ListID             string    // List-Id: "نشرة <digest.example.com>" or "digest.example.com"
	UnsubscribeURL     string    // https one-click URL (RFC 8058); http only lists it, without one-click
	UnsubscribeMailto  string    // "mailto:…" (the "mailto:" prefix is added when missing)
	Headers            map[string]string
}

// ErrInvalidMessage is wrapped by Render when a Message cannot be composed.
var ErrInvalidMessage = errors.New("mailer: invalid message")

// MessageID returns a deterministic Message-ID "<hash@domain>" for one
// edition sent to one subscriber: rendering the same edition for the same
// subscriber again yields the same ID, so a receiver (and the file outbox)
// can recognise a repeat. The subscriber identity does not leak: it is hashed.
func MessageID(edition, subscriber, domain string) string {
	sum := sha256.Sum256([]byte("nashra\x00" + edition + "\x00" + subscriber))
	domain = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return -1
	}, domain)
	if domain == "" {
		domain = "localhost"
	}
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Composer renders Messages, signing them when DKIM options are set. It is
// safe for concurrent use.
type Composer struct {
	dkim    *DKIMOptions
	buffers sync.Pool // of *[]byte: messages handed back with Recycle
}

// NewComposer returns a Composer; d may be nil for unsigned messages.
func NewComposer(d *DKIMOptions) *Composer {
	return &Composer{dkim: d}
}

// reservedHeaders are set by Render and may not be overridden by
// Message.Headers.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "list-id": true,
	"list-unsubscribe": true, "list-unsubscribe-post": true, "dkim-signature": true,
	"return-path": true, "received": true,
}

// Render returns the full RFC 5322 message, DKIM-signed when the Composer
// has DKIM options. Every header value is stripped of CR, LF and other
// control characters first, so header injection is impossible.
//
// go-mail writes the header. A message with both parts has its
// multipart/alternative body written here, in go-mail's layout (the
// bytes of renderGoMail, whose base64 copying costs several times more):
// multipart.Writer boundaries and part headers, 76-column base64 lines.
func (c *Composer) Render(m Message) ([]byte, error) {
	if m.Text == "" || m.HTML == "" {
		return c.renderGoMail(m)
	}
	msg, err := c.build(m, false)
	if err != nil {
		return nil, err
	}
	hb := headerPool.Get().(*bytes.Buffer)
	defer func() {
		hb.Reset()
		headerPool.Put(hb)
	}()
	if _, err := msg.WriteTo(hb); err != nil {
		return nil, fmt.Errorf("mailer: write message: %w", err)
	}
	boundary, err := randomBoundary()
	if err != nil {
		return nil, fmt.Errorf("mailer: write message: %w", err)
	}
	const (
		textHeader = "Content-Transfer-Encoding: base64\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
		htmlHeader = "Content-Transfer-Encoding: base64\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
	)
	// The boundary appears four times: in the header, before each part
	// ("--" B CRLF, CRLF "--" B CRLF) and at the end (CRLF "--" B "--" CRLF).
	n := hb.Len() + len("Content-Type: multipart/alternative;\r\n boundary=\r\n\r\n") +
		4*len(boundary) + 4 + 6 + 8 + len(textHeader) + len(htmlHeader) +
		base64LinesLen(len(m.Text)) + base64LinesLen(len(m.HTML))
	out := c.buffer(n)
	out = append(out, hb.Bytes()...)
	out = append(out, "Content-Type: multipart/alternative;\r\n boundary="...)
	out = append(out, boundary...)
	out = append(out, "\r\n\r\n--"...)
	out = append(out, boundary...)
	out = append(out, "\r\n"+textHeader...)
	out = appendBase64Lines(out, m.Text)
	out = append(out, "\r\n--"...)
	out = append(out, boundary...)
	out = append(out, "\r\n"+htmlHeader...)
	out = appendBase64Lines(out, m.HTML)
	out = append(out, "\r\n--"...)
	out = append(out, boundary...)
	out = append(out, "--\r\n"...)
	if c.dkim == nil {
		return out, nil
	}
	signed, err := signDKIM(c.dkim, out, c.buffer(len(out)+1024))
	c.Recycle(out)
	return signed, err
}

// renderGoMail is Render with go-mail writing the whole message (the
// parts too).
func (c *Composer) renderGoMail(m Message) ([]byte, error) {
	msg, err := c.build(m, true)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(m.Text)*2 + len(m.HTML)*2 + 2048)
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mailer: write message: %w", err)
	}
	if c.dkim == nil {
		return buf.Bytes(), nil
	}
	signed, err := signDKIM(c.dkim, buf.Bytes(), make([]byte, 0, buf.Len()+1024))
	if err != nil {
		return nil, err
	}
	return signed, nil
}

// maxRecycled is the largest buffer kept for reuse.
const maxRecycled = 1 << 20

// Recycle hands back a message that Render returned, once it has been sent
// or written: the Composer's next Render may write into its memory, so
// neither the caller nor anything it gave msg to may use it afterwards.
// Sending many messages, this spares allocating (and collecting) a
// message-sized buffer for each one. Not calling it is always safe.
func (c *Composer) Recycle(msg []byte) {
	if cap(msg) == 0 || cap(msg) > maxRecycled {
		return
	}
	b := msg[:0]
	c.buffers.Put(&b)
}

// buffer returns an empty buffer of capacity at least n, recycled when one
// large enough is at hand.
func (c *Composer) buffer(n int) []byte {
	if p, ok := c.buffers.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, n)
}

// headerPool holds the buffers go-mail writes headers into.
var headerPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// randomBoundary is mime/multipart's: 30 random bytes in hex.
func randomBoundary() (string, error) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// bodyLine is the length of go-mail's base64 lines (MaxBodyLength), the
// encoding of 57 bytes.
const bodyLine = 76

// base64LinesLen is the length of appendBase64Lines' output for n bytes.
func base64LinesLen(n int) int {
	e := base64.StdEncoding.EncodedLen(n)
	return e + 2*((e+bodyLine-1)/bodyLine)
}

// appendBase64Lines appends s in base64, in lines of 76 characters each
// ended by CRLF (the last one shorter), as go-mail's base64LineBreaker
// writes them; nothing for an empty s. Every 57 bytes of s encode to one
// whole line, so the lines are encoded one by one.
func appendBase64Lines(dst []byte, s string) []byte {
	const in = bodyLine / 4 * 3
	src := unsafe.Slice(unsafe.StringData(s), len(s))
	for len(src) > 0 {
		k := min(len(src), in)
		dst = base64.StdEncoding.AppendEncode(dst, src[:k])
		dst = append(dst, '\r', '\n')
		src = src[k:]
	}
	return dst
}

// build sets up the go-mail message: the headers, and the parts when
// withParts is set.
func (c *Composer) build(m Message, withParts bool) (*mail.Msg, error) {
	msg := mail.NewMsg(
		mail.WithEncoding(mail.EncodingB64),
		mail.WithCharset(mail.CharsetUTF8),
		mail.WithNoDefaultUserAgent(),
	)

	if err := setAddresses(msg, m); err != nil {
		return nil, err
	}

	// The subject is encoded by hand too: go-mail puts a long subject's
	// first encoded word on a continuation line ("Subject:" CRLF SP "=?…"),
	// which decoders read as a leading space.
	msg.SetGenHeaderPreformatted(mail.HeaderSubject, encodeText(sanitizeHeader(m.Subject), len("Subject: ")))

	id, err := messageIDValue(m.MessageID)
	if err != nil {
		return nil, err
	}
	msg.SetMessageIDWithValue(id)

	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)

	if m.ListID != "" {
		v, err := listIDValue(m.ListID)
		if err != nil {
			return nil, err
		}
		msg.SetGenHeaderPreformatted(mail.Header("List-Id"), v)
	}
	if err := setUnsubscribe(msg, m.UnsubscribeURL, m.UnsubscribeMailto); err != nil {
		return nil, err
	}

	if err := setExtraHeaders(msg, m.Headers); err != nil {
		return nil, err
	}

	switch {
	case !withParts && (m.Text != "" || m.HTML != ""):
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
	case m.HTML != "":
		msg.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		return nil, fmt.Errorf("%w: no text or HTML part", ErrInvalidMessage)
	}
	return msg, nil
}

// setAddresses sets From, To and Reply-To. From and To are written by
// hand: net/mail would split a long Arabic name into Q-encoded words that
// Python and Go decoders rejoin with stray spaces (see encodePhrase).
func setAddresses(msg *mail.Msg, m Message) error {
	from, err := address(m.FromName, m.FromAddr)
	if err != nil {
		return fmt.Errorf("%w: from: %w", ErrInvalidMessage, err)
	}
	msg.SetGenHeaderPreformatted(mail.Header(mail.HeaderFrom), formatAddress(from))
	to, err := address(m.ToName, m.To)
	if err != nil {
		return fmt.Errorf("%w: to: %w", ErrInvalidMessage, err)
	}
	msg.SetGenHeaderPreformatted(mail.Header(mail.HeaderTo), formatAddress(to))
	if m.ReplyTo != "" {
		rt, err := address("", m.ReplyTo)
		if err != nil {
			return fmt.Errorf("%w: reply-to: %w", ErrInvalidMessage, err)
		}
		msg.ReplyToMailAddress(rt)
	}
	return nil
}

// setExtraHeaders sets the caller's own headers, sorted by name, their
// values cleaned; a malformed name or one the composer sets is an error.
func setExtraHeaders(msg *mail.Msg, headers map[string]string) error {
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validFieldName(k) {
			return fmt.Errorf("%w: header name %q", ErrInvalidMessage, k)
		}
		if reservedHeaders[strings.ToLower(k)] {
			return fmt.Errorf("%w: header %q is set by the composer", ErrInvalidMessage, k)
		}
		msg.SetGenHeader(mail.Header(k), sanitizeHeader(headers[k]))
	}
	return nil
}

// sanitizeHeader replaces every control character (C0, DEL, C1 — CR and LF
// included) and the Unicode line/paragraph separators by a space, collapses
// the resulting runs of spaces and trims the ends. Invalid UTF-8 becomes U+FFFD.
func sanitizeHeader(s string) string {
	if cleanHeader(s) {
		return s
	}
	return sanitizeFull(s)
}

// sanitizeFull is sanitizeHeader without its shortcut for clean values.
func sanitizeFull(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == ' ' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// cleanHeader reports whether sanitizeHeader leaves s as it is: valid
// UTF-8 without control characters or line/paragraph separators, no space
// at either end, no two spaces in a row.
func cleanHeader(s string) bool {
	space := true // a leading space is not clean
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			if c == ' ' {
				if space {
					return false
				}
				space = true
			} else {
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
		space = false
		i += size
	}
	return s == "" || !space
}

// address builds a parsed address from a display name and a bare address.
func address(name, addr string) (*netmail.Address, error) {
	addr = sanitizeHeader(addr)
	if addr == "" {
		return nil, errors.New("empty address")
	}
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", addr, err)
	}
	if !isASCII(a.Address) {
		return nil, fmt.Errorf("address %q is not ASCII (SMTPUTF8 is not supported)", a.Address)
	}
	if a.Name != "" && name == "" {
		name = a.Name
	}
	// net/mail encodes a non-ASCII display name as RFC 2047 words and
	// quotes an ASCII one when needed.
	return &netmail.Address{Name: sanitizeHeader(name), Address: a.Address}, nil
}

// messageIDValue checks "<left@right>" (brackets optional) and returns it
// without brackets, as go-mail adds them.
func messageIDValue(id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(sanitizeHeader(id), "<"), ">")
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return "", fmt.Errorf("%w: message-id %q: want <id@domain>", ErrInvalidMessage, id)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", fmt.Errorf("%w: message-id %q: character %q", ErrInvalidMessage, id, r)
		}
	}
	return id, nil
}

// listIDValue formats List-Id (RFC 2369/2919): an optional phrase, RFC 2047
// encoded when not ASCII, followed by "<list-id>".
func listIDValue(v string) (string, error) {
	v = sanitizeHeader(v)
	phrase, id := "", v
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		phrase = strings.TrimSpace(v[:i])
		id = strings.TrimSuffix(v[i+1:], ">")
	}
	id = strings.TrimSpace(id)
	if id == "" || !strings.Contains(id, ".") {
		return "", fmt.Errorf("%w: list-id %q: want \"name <id.domain>\"", ErrInvalidMessage, v)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || strings.ContainsRune(`<>()[]\,;:"@`, r) {
			return "", fmt.Errorf("%w: list-id %q: character %q", ErrInvalidMessage, id, r)
		}
	}
	if phrase == "" {
		return "<" + id + ">", nil
	}
	return encodePhrase(phrase) + "\r\n <" + id + ">", nil
}

// setUnsubscribe sets List-Unsubscribe and, with an https URL,
// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058 allows
// one-click only over HTTPS). A plain http URL — a site on localhost while
// it is being set up — is listed without the one-click header.
func setUnsubscribe(msg *mail.Msg, webURL, mailto string) error {
	var uris []string
	oneClick := false
	webURL = sanitizeHeader(webURL)
	if webURL != "" {
		u, err := url.Parse(webURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: unsubscribe URL %q: want an https URL", ErrInvalidMessage, webURL)
		}
		oneClick = u.Scheme == "https"
		uris = append(uris, u.String())
	}
	mailto = sanitizeHeader(mailto)
	if mailto != "" {
		if !strings.HasPrefix(strings.ToLower(mailto), "mailto:") {
			mailto = "mailto:" + mailto
		}
		u, err := url.Parse(mailto)
		if err != nil || u.Opaque == "" {
			return fmt.Errorf("%w: unsubscribe mailto %q", ErrInvalidMessage, mailto)
		}
		uris = append(uris, u.String())
	}
	if len(uris) == 0 {
		return nil
	}
	for i, u := range uris {
		if strings.ContainsAny(u, "<> ") || !isASCII(u) {
			return fmt.Errorf("%w: unsubscribe URI %q", ErrInvalidMessage, u)
		}
		uris[i] = "<" + u + ">"
	}
	msg.SetGenHeaderPreformatted(mail.HeaderListUnsubscribe, fold(strings.Join(uris, ", ")))
	if oneClick {
		msg.SetGenHeaderPreformatted(mail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	return nil
}

// fold folds a preformatted header value at its spaces so that lines stay
// near 78 characters; a single longer token stays whole on its own line.
func fold(v string) string {
	words := strings.Split(v, " ")
	var b strings.Builder
	line := 26 // room for the longest field name we preformat and ": "
	for i, w := range words {
		if i > 0 {
			if line+1+len(w) > 76 {
				b.WriteString("\r\n ")
				line = 1
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 33 || k[i] > 126 || k[i] == ':' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxWordBytes is how many bytes of UTF-8 fit in one B-encoded word of at
// most 75 characters: len("=?UTF-8?B?") + 60 + len("?=") = 72.
const maxWordBytes = 45

// encodeText encodes an unstructured header value (Subject) as RFC 2047
// B-encoded words holding whole characters, one per line, the first sized to
// share its line with the field name (used bytes of the first line). ASCII
// text without long words is returned as is (go-mail does not fold
// preformatted values, so it is folded here).
func encodeText(s string, used int) string {
	if isASCII(s) {
		return fold(s)
	}
	first := (76 - used - len("=?UTF-8?B??=")) / 4 * 3
	if first < 3 {
		first = 3
	}
	var b strings.Builder
	limit := first
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > limit && n > 0 {
				break
			}
			n += size
		}
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString(bWord(s[:n]))
		s = s[n:]
		limit = maxWordBytes
	}
	return b.String()
}

// encodePhrase encodes a display name (an RFC 5322 phrase). ASCII names are
// quoted when needed. Other names become B-encoded words split only at the
// name's own spaces, each later word carrying its leading space inside the
// encoding: RFC 2047 decoders (which drop the whitespace between words) then
// show the name exactly, and lenient ones (Python's email, Go's net/mail,
// which keep it) show at worst a doubled space. A short name is one word.
func encodePhrase(name string) string {
	if isASCII(name) {
		// net/mail quotes the name when it has to.
		full := (&netmail.Address{Name: name, Address: "x@y"}).String()
		return strings.TrimSuffix(full, " <x@y>")
	}
	var chunks []string
	cur := ""
	for i, w := range strings.Split(name, " ") {
		piece := w
		if i > 0 {
			piece = " " + w
		}
		switch {
		case len(cur)+len(piece) <= maxWordBytes:
			cur += piece
		default:
			if cur != "" {
				chunks = append(chunks, cur)
			}
			cur = piece
		}
	}
	if cur != "" {
		chunks = append(chunks, cur)
	}
	var words []string
	for _, c := range chunks {
		// A single space-free run longer than a word is split at characters.
		for len(c) > maxWordBytes {
			n := 0
			for {
				_, size := utf8.DecodeRuneInString(c[n:])
				if n+size > maxWordBytes {
					break
				}
				n += size
			}
			words = append(words, bWord(c[:n]))
			c = c[n:]
		}
		words = append(words, bWord(c))
	}
	return strings.Join(words, "\r\n ")
}

// bWord returns s as one RFC 2047 B-encoded word, whatever its content.
func bWord(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// formatAddress writes "phrase <addr>" or "<addr>".
func formatAddress(a *netmail.Address) string {
	addr := (&netmail.Address{Address: a.Address}).String()
	if a.Name == "" {
		return addr
	}
	p := encodePhrase(a.Name)
	last := p[strings.LastIndex(p, "\n")+1:]
	if len("Reply-To: ")+len(last)+1+len(addr) <= 78 {
		return p + " " + addr
	}
	return p + "\r\n " + addr
}
