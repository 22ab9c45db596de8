package article

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeText turns file bytes into clean text: decoded (see decodeRaw),
// newlines normalised to LF, and control characters other than \n and \t
// and bidi overrides removed, so that no parser (goldmark turns NUL into
// U+FFFD) ever sees them.
func decodeText(data []byte, declared string) (string, error) {
	s, err := decodeRaw(data, declared)
	if err != nil {
		return "", err
	}
	return cleanText(s), nil
}

// decodeRaw turns file bytes into a string. A UTF-8 BOM is dropped and a
// UTF-16 BOM honoured; a declared charset (from an HTML meta tag; "" when
// none) wins; otherwise valid UTF-8 is taken as is and anything else is
// tried as Windows-1256 and kept only if it reads as Arabic text.
func decodeRaw(data []byte, declared string) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		declared = "" // a BOM beats a meta tag (as in the HTML standard)
		if !utf8.Valid(data) {
			return "", fmt.Errorf("%w: starts with a UTF-8 BOM but is not valid UTF-8 (byte offset %d)", ErrEncoding, invalidAt(data)+3)
		}
		return string(data), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return "", fmt.Errorf("%w: bad UTF-16: %w", ErrEncoding, err)
		}
		return string(out), nil
	}
	if declared != "" {
		enc, name := charset.Lookup(declared)
		if enc == nil {
			return "", fmt.Errorf("%w: unknown charset %q", ErrEncoding, declared)
		}
		if name != "utf-8" {
			return decodeWith(enc, data, name)
		}
		if !utf8.Valid(data) {
			return "", fmt.Errorf("%w: declares charset %q but is not valid UTF-8 (byte offset %d)", ErrEncoding, declared, invalidAt(data))
		}
		return string(data), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	s, err := decodeWith(charmap.Windows1256, data, "windows-1256")
	if err != nil || !looksArabic(s) {
		return "", fmt.Errorf("%w: not valid UTF-8 (byte offset %d) and not Windows-1256 Arabic either; save the file as UTF-8", ErrEncoding, invalidAt(data))
	}
	return s, nil
}

func decodeWith(enc encoding.Encoding, data []byte, name string) (string, error) {
	out, _, err := transform.Bytes(enc.NewDecoder(), data)
	if err != nil {
		return "", fmt.Errorf("%w: cannot decode as %s: %w", ErrEncoding, name, err)
	}
	return string(out), nil
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// looksArabic reports whether s reads like Arabic text: it has Arabic
// letters, at least half of its letters are Arabic, and it holds no control
// characters other than white space (binary data decodes to those).
func looksArabic(s string) bool {
	arabic, letters := 0, 0
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\f':
		case r < 0x20 || r == 0x7f:
			return false
		case unicode.IsLetter(r):
			letters++
			if unicode.Is(unicode.Arabic, r) {
				arabic++
			}
		}
	}
	return arabic > 0 && arabic*2 >= letters
}

var metaCharsetRE = regexp.MustCompile(`(?is)<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)`)

// metaCharset finds the charset an HTML page declares in its first 2 KiB
// (<meta charset> or http-equiv Content-Type), "" when none.
func metaCharset(data []byte) string {
	head := data
	if len(head) > 2048 {
		head = head[:2048]
	}
	m := metaCharsetRE.FindSubmatch(head)
	if m == nil {
		return ""
	}
	return strings.ToLower(string(m[1]))
}
