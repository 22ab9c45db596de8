package testkit

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// Mail is a message as a test reads it: its header, its text and HTML
// bodies decoded, and the message as sent.
type Mail struct {
	Header     mail.Header
	Text, HTML string
	Raw        []byte
}

// To returns the address of the message's To header, or "".
func (m Mail) To() string {
	a, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		return ""
	}
	return a.Address
}

// ParseMail decodes a message, single-part or multipart (nested parts
// too), with base64 or quoted-printable bodies.
func ParseMail(raw []byte) (Mail, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, fmt.Errorf("parse mail: %w", err)
	}
	out := Mail{Header: m.Header, Raw: raw}
	err = out.readEntity(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return out, err
}

// readEntity reads a body of content type ct and transfer encoding cte
// into m: the text/html part into HTML, a text/plain part into Text.
func (m *Mail) readEntity(ct, cte string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.readEntity(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(cte) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("decode %s part: %w", mt, err)
	}
	if mt == "text/html" {
		m.HTML = string(b)
	} else if mt == "text/plain" {
		m.Text = string(b)
	}
	return nil
}

// ReadOutbox parses the messages of a mail.transport: file folder (its
// *.eml files; dot files are still being written), oldest first by
// modification time, so two written in the same instant come in either
// order. A missing folder holds none.
func ReadOutbox(dir string) ([]Mail, error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
			info, err := e.Info()
			if err != nil {
				return nil, err
			}
			files = append(files, file{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	var out []Mail
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, err
		}
		m, err := ParseMail(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

var mimeBoundary = regexp.MustCompile(`boundary=([0-9a-f]+)`)

// CanonicalMail is raw, a multipart message, with its random MIME
// boundary named "BOUNDARY" and its header fields sorted
// (a folded field kept whole): two renders of one message compare equal
// whatever the order their writers put the fields in. It fails t when raw
// has no boundary or no end of header.
func CanonicalMail(t testing.TB, raw []byte) string {
	t.Helper()
	s := string(raw)
	m := mimeBoundary.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no MIME boundary in\n%s", raw)
	}
	s = strings.ReplaceAll(s, m[1], "BOUNDARY")
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		t.Fatalf("no end of header in\n%s", raw)
	}
	var fields []string
	for _, l := range strings.SplitAfter(head, "\r\n") {
		if len(fields) > 0 && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			fields[len(fields)-1] += l
		} else {
			fields = append(fields, l)
		}
	}
	sort.Strings(fields)
	return strings.Join(fields, "|") + "\r\n\r\n" + body
}
