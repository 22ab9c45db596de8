package arabic

import (
	"strings"
	"unicode/utf8"
)

// Stems tokenises s and returns the light stem of every token that is not a
// stop word. Stop words are recognised after the conjunction (و ف) and the
// prepositions (ب ل ك) are stripped, so والتي, فإن and لهذا are dropped like
// التي, إن and هذا.
func Stems(s string) []string {
	return stemTokens(Tokens(s))
}

// stemTokens stems normalised tokens in place, dropping stop words.
func stemTokens(toks []string) []string {
	out := toks[:0]
	for _, t := range toks {
		if st, ok := stemToken(t); ok {
			out = append(out, st)
		}
	}
	return out
}

// Stem returns the light stem of one already-normalised token, or "" when it
// is a stop word.
func Stem(tok string) string {
	st, _ := stemToken(tok)
	return st
}

// IsStopWord reports whether the normalised token is a stop word, possibly
// behind a conjunction or preposition (والتي, لهذا).
func IsStopWord(tok string) bool {
	_, ok := stemToken(tok)
	return !ok
}

// stemToken stems a normalised token; ok is false for stop words.
func stemToken(t string) (string, bool) {
	if !isArabicWord(t) {
		if len(t) < 2 && !isASCIIDigit(rune(t[0])) || latinStop[t] {
			return "", false
		}
		return t, true
	}
	if isStopForm(t) {
		return "", false
	}
	t, n := stripPrefixes(t, utf8.RuneCountInString(t))
	// Suffixes, in Light10 order, each at most once, keeping two letters.
	for _, suf := range lightSuffixes {
		if sn := utf8.RuneCountInString(suf); strings.HasSuffix(t, suf) && n-sn >= 2 {
			t, n = t[:len(t)-len(suf)], n-sn
		}
	}
	if n < 2 || stopWords[t] {
		return "", false
	}
	return t, true
}

// prefixForm returns a normalised token with the prefixes stemToken strips
// (a conjunction, the article and a preposition fused with it) removed and
// its suffixes kept: a second matching field that keeps number and gender.
func prefixForm(t string) string {
	if !isArabicWord(t) {
		return t
	}
	t, _ = stripPrefixes(t, utf8.RuneCountInString(t))
	return t
}

// stripPrefixes removes from t, n runes long, a conjunction (و unless the
// word is one of the و-initial lexemes such as وزير or وقت, or ف in front
// of the article), then the article or a preposition fused with it,
// keeping two letters; it returns the rest and its length in runes.
func stripPrefixes(t string, n int) (string, int) {
	if n >= 4 && strings.HasPrefix(t, "و") && !protectedWaw(t) {
		t, n = t[len("و"):], n-1
	} else if n >= 5 && strings.HasPrefix(t, "ف") && hasAnyPrefix(t[len("ف"):], "ال", "بال", "لل", "كال") {
		t, n = t[len("ف"):], n-1
	}
	for _, p := range articlePrefixes {
		if pn := utf8.RuneCountInString(p); strings.HasPrefix(t, p) && n-pn >= 2 {
			return t[len(p):], n - pn
		}
	}
	return t, n
}

// isStopForm reports whether the token, or the token without a leading
// conjunction and/or preposition, is a stop word.
func isStopForm(t string) bool {
	if stopWords[t] {
		return true
	}
	rest := t
	for _, c := range []string{"و", "ف"} {
		if s, ok := strings.CutPrefix(rest, c); ok && s != "" {
			if stopWords[s] {
				return true
			}
			rest = s
			break
		}
	}
	for _, c := range []string{"ب", "ل", "ك"} {
		if s, ok := strings.CutPrefix(rest, c); ok && len(s) > 2 {
			if stopWords[s] || stopWords["ا"+s] {
				return true
			}
		}
	}
	return false
}

var articlePrefixes = []string{"بال", "كال", "فال", "وال", "ال", "لل"}

var lightSuffixes = []string{"ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"}

func hasAnyPrefix(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isArabicWord reports whether the token starts with an Arabic letter.
func isArabicWord(t string) bool {
	for _, r := range t {
		return r >= 0x0600 && r <= 0x06FF
	}
	return false
}

// protectedWaw reports و-initial words whose و is a root letter (وزير,
// وزارة, وقت, وطن…), so the conjunction is not stripped. A doubled و (ووزير)
// is still a conjunction in front of such a word.
func protectedWaw(s string) bool {
	for _, p := range wawLexemes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// wawLexemes are the beginnings of common Modern Standard Arabic words with
// a root و, normalised. Words after a second و (ووزير) do not match because
// the check is on the word as written.
var wawLexemes = []string{
	"وزير", "وزرا", "وزار", "وقت", "اوقات", "وطن", "ولاي", "وضع", "وصل", "وصول",
	"وجه", "وجود", "وفد", "وفود", "وقع", "واقع", "واحد", "وحد", "وسط", "وسيل",
	"وكال", "وكيل", "ولد", "ولاد", "وفا", "وفي", "وثيق", "وثائق", "ورق", "وزن",
	"وعد", "وعي", "وقف", "ورد", "وظيف", "وفق", "وادي", "وراء", "وصف", "وضوح",
	"واضح", "وباء", "وجب", "واجب", "وقود", "ولي", "وسائل", "وسيط", "وصي", "ورش",
	"وعود", "وهم", "وحش", "وداع", "ودي", "وديع", "وريث", "وسام", "وكر", "وئام",
	"وتر", "وثب", "وجبه", "وجدان", "وحي", "ورم", "وزع", "وظائف", "وقاي", "وقائع",
	"وكالات", "ولادة", "وليد", "ولايات", "وصفه", "وفاق", "ولاء", "ويب", "ويكي",
}

// latinStop are English function words, for articles that mix in English.
var latinStop = map[string]bool{
	"the": true, "of": true, "and": true, "a": true, "an": true, "in": true, "on": true,
	"to": true, "for": true, "is": true, "are": true, "was": true, "by": true, "with": true,
	"at": true, "as": true, "from": true, "or": true, "that": true, "this": true, "it": true,
}
