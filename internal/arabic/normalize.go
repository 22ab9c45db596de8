// Package arabic is nashra's Arabic text engine: normalisation for matching,
// tokens and light stems, sentence splitting, extractive summaries, an
// inverted index of related articles with near-duplicate detection, and
// Arabic dates (Gregorian month names by region, Umm al-Qura Hijri).
//
// Matching always works on normalised stems; everything shown to people
// (summaries, titles) is made of the original words. The package is pure Go
// and imports nothing else of nashra.
package arabic

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the matching form of s: Arabic presentation forms
// decomposed (NFKC), tashkeel, Quranic marks, tatweel and invisible format
// characters removed; أ إ آ ٱ folded to ا, ى to ي, ة to ه, Persian ک ی ۀ to
// their Arabic letters; Arabic-Indic (٠-٩) and Extended (۰-۹) digits to
// 0-9, the Arabic decimal separator ٫ to "." and ٪ to "%"; Latin lower-cased.
// Everything else (spaces, punctuation) is kept, so Normalize can be applied
// to a whole text before tokenising.
func Normalize(s string) string {
	if needsNFKC(s) {
		s = norm.NFKC.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r2, keep := normRune(r); keep {
			b.WriteRune(r2)
		}
	}
	return b.String()
}

// needsNFKC reports whether s holds characters that NFKC changes in a way
// that matters here: Arabic presentation forms, a combining hamza or madda
// that should compose, or full-width Latin.
func needsNFKC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x80 {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xFB50 && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF && r != 0xFEFF,
			r >= 0x0653 && r <= 0x0655, r >= 0xFF01 && r <= 0xFF5E:
			return true
		}
		i += size - 1
	}
	return false
}

// normRune maps one rune to its matching form; keep is false when the rune
// is dropped altogether.
func normRune(r rune) (out rune, keep bool) {
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A'), true
		}
		return r, true
	case isTashkeel(r), r == 0x0640, isInvisible(r):
		return 0, false
	case r >= 0x0660 && r <= 0x0669:
		return '0' + (r - 0x0660), true
	case r >= 0x06F0 && r <= 0x06F9:
		return '0' + (r - 0x06F0), true
	}
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ', 'ٲ', 'ٳ':
		return 'ا', true
	case 'ى', 'ی', 'ې':
		return 'ي', true
	case 'ة', 'ۀ', 'ە', 'ۃ':
		return 'ه', true
	case 'ک':
		return 'ك', true
	case '٫':
		return '.', true
	case '٬':
		return ',', true
	case '٪':
		return '%', true
	}
	if unicode.IsUpper(r) {
		return unicode.ToLower(r), true
	}
	return r, true
}

// isTashkeel reports Arabic diacritics: harakat, tanween, shadda, sukun,
// superscript alef, and the Quranic annotation marks.
func isTashkeel(r rune) bool {
	return (r >= 0x064B && r <= 0x065F) || r == 0x0670 ||
		(r >= 0x06D6 && r <= 0x06DC) || (r >= 0x06DF && r <= 0x06E8) ||
		(r >= 0x06EA && r <= 0x06ED) || (r >= 0x0610 && r <= 0x061A)
}

// isInvisible reports format characters that carry no text: zero-width
// joiners and spaces, direction marks, the BOM, soft hyphen.
func isInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, 0x00AD, 0x2060,
		0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069:
		return true
	}
	return false
}

// isWordRune reports runes that belong inside a token once normalised.
func isWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	case r >= 0x0621 && r <= 0x064A:
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokens splits s into normalised tokens: runs of letters and digits, Arabic
// and Latin alike. A number keeps its decimal point or thousands separator
// when digits stand on both sides ("5.25", "1,000"), and a Latin letter run
// and a digit run that touch stay one token ("covid19", "g20").
func Tokens(s string) []string {
	s = Normalize(s)
	var toks []string
	start := -1
	prev := rune(0)
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			prev = r
			continue
		}
		if start >= 0 && (r == '.' || r == ',') && isASCIIDigit(prev) {
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); isASCIIDigit(next) {
				prev = r
				continue
			}
		}
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
		prev = r
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }
