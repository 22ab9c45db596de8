package store

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// MaxEmailLength is the longest address accepted, in bytes (RFC 5321
// forward-path limit less the angle brackets).
const MaxEmailLength = 254

// idnaProfile maps a domain as browsers and mail clients do (lower case,
// NFC, full-width folding) and checks it is a valid host name.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// NormalizeEmail returns the canonical form of an address: spaces trimmed,
// the domain lower-cased and, when internationalised, converted to
// punycode. It rejects control characters (CR and LF included), addresses
// longer than MaxEmailLength, anything but exactly one @, a local part
// that is not a plain dot-atom of ASCII, and domains that are not host
// names with at least two labels. Errors wrap ErrInvalidEmail.
func NormalizeEmail(s string) (string, error) {
	for _, r := range s {
		if r == unicode.ReplacementChar || unicode.IsControl(r) || isBidiControl(r) {
			return "", fmt.Errorf("%w: %q: contains a control character", ErrInvalidEmail, s)
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidEmail)
	}
	if len(s) > 4*MaxEmailLength {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidEmail, MaxEmailLength)
	}
	if strings.Count(s, "@") != 1 {
		return "", fmt.Errorf("%w: %q: must contain exactly one @", ErrInvalidEmail, s)
	}
	at := strings.IndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if err := checkLocal(local); err != nil {
		return "", fmt.Errorf("%w: %q: %s", ErrInvalidEmail, s, err)
	}
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return "", fmt.Errorf("%w: %q: no domain", ErrInvalidEmail, s)
	}
	ascii, err := idnaProfile.ToASCII(domain)
	if err != nil {
		return "", fmt.Errorf("%w: %q: bad domain: %v", ErrInvalidEmail, s, err)
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%w: %q: domain needs a dot", ErrInvalidEmail, s)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("%w: %q: bad domain label %q", ErrInvalidEmail, s, l)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("%w: %q: bad character in domain", ErrInvalidEmail, s)
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "", fmt.Errorf("%w: %q: numeric top-level domain", ErrInvalidEmail, s)
	}
	out := local + "@" + ascii
	if len(out) > MaxEmailLength {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidEmail, MaxEmailLength)
	}
	return out, nil
}

// EmailKey is the form in which two addresses are the same subscriber:
// the normalised address (see NormalizeEmail) in lower case. Local parts
// are case-sensitive in RFC 5321, but no mailbox provider in use treats
// them so, and people type them in any case; the store keeps the spelling
// given first for display and sending, and compares keys.
func EmailKey(normalized string) string { return strings.ToLower(normalized) }

// checkLocal accepts an RFC 5322 dot-atom of ASCII atext, at most 64 bytes.
func checkLocal(local string) error {
	switch {
	case local == "":
		return fmt.Errorf("empty local part")
	case len(local) > 64:
		return fmt.Errorf("local part longer than 64 bytes")
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return fmt.Errorf("misplaced dot in local part")
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' ||
			strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0 {
			continue
		}
		if c >= 0x80 {
			return fmt.Errorf("non-ASCII local part is not supported")
		}
		return fmt.Errorf("character %q not allowed in local part", c)
	}
	return nil
}

func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}
