package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Category maps a category name as it appears on articles to the slug used in
// its feed paths (/categories/{slug}/feed.xml) and to a display title.
type Category struct {
	Name  string // as written on articles, e.g. "رياضة"
	Slug  string // path segment, e.g. "sport"
	Title string // display title; Name when empty
}

// arabicLatin is a small, deterministic Arabic (and Persian/Urdu) to ASCII
// transliteration table for default category slugs. Short vowels are not
// written in Arabic, so "كرة القدم" becomes "kra-alqdm": readable, stable and
// ASCII-only. Letters absent from the table are dropped.
var arabicLatin = map[rune]string{
	'ء': "", 'آ': "aa", 'أ': "a", 'ؤ': "u", 'إ': "i", 'ئ': "i", 'ا': "a",
	'ب': "b", 'ة': "a", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh",
	'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s",
	'ض': "d", 'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q",
	'ك': "k", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'و': "w", 'ى': "a",
	'ي': "y", 'ٱ': "a", 'ٰ': "a",
	// Persian and Urdu letters.
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'ک': "k", 'گ': "g", 'ی': "y", 'ہ': "h",
	'ۃ': "a", 'ے': "e", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ھ': "h",
}

// Slug returns the path segment for a category name. A configured Category
// whose Name matches (after trimming, case-insensitively) wins. Otherwise the
// default is derived from the name alone, so it is stable across builds:
// Arabic letters are transliterated to ASCII, Latin letters lower-cased and
// stripped of accents, Arabic-Indic digits folded, everything else becomes a
// single hyphen. A name that yields nothing (e.g. only CJK or symbols) gets
// "c-" and a short hash of the name. An empty name yields "".
func Slug(category string, cfg []Category) string {
	name := strings.TrimSpace(category)
	if name == "" {
		return ""
	}
	for _, c := range cfg {
		if c.Slug != "" && strings.EqualFold(strings.TrimSpace(c.Name), name) {
			return c.Slug
		}
	}
	if s := transliterate(name); s != "" {
		return s
	}
	sum := sha256.Sum256([]byte(norm.NFC.String(name)))
	return "c-" + hex.EncodeToString(sum[:4])
}

// transliterate turns a name into a lowercase ASCII slug of [a-z0-9-].
func transliterate(name string) string {
	var b strings.Builder
	hyphen := false // a separator is pending
	emit := func(s string) {
		if s == "" {
			return
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteString(s)
	}
	for _, r := range norm.NFC.String(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			emit(string(r))
		case r >= 'A' && r <= 'Z':
			emit(string(r + ('a' - 'A')))
		case r >= '٠' && r <= '٩':
			emit(string('0' + (r - '٠')))
		case r >= '۰' && r <= '۹':
			emit(string('0' + (r - '۰')))
		case arabicLatin[r] != "" || r == 'ء' || r == 'ع':
			emit(arabicLatin[r])
		case unicode.Is(unicode.Mn, r), r == 'ـ':
			// Harakat, shadda and tatweel carry no letter.
		case r >= 0x80 && unicode.IsLetter(r):
			// A Latin letter with accents: keep its ASCII base letter.
			if d := norm.NFD.String(string(r)); d[0] < 0x80 {
				emit(strings.ToLower(d[:1]))
			} else {
				hyphen = true
			}
		default:
			hyphen = true
		}
	}
	return b.String()
}
