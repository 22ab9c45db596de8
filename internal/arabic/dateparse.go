package arabic

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	hijri "github.com/hablullah/go-hijri"
)

// Month names as Arabic pages print them, in their normalised form (see
// Normalize), by month number: Gulf/Egyptian transliterations, Levantine
// (Syriac) names and Maghrebi (French) ones.
var gregorianByName = monthIndex([][]string{
	{"يناير", "كانون الثاني", "جانفي", "ينير"},
	{"فبراير", "شباط", "فيفري", "فبرير"},
	{"مارس", "آذار"},
	{"أبريل", "إبريل", "نيسان", "أفريل"},
	{"مايو", "أيار", "ماي"},
	{"يونيو", "يونيه", "حزيران", "جوان"},
	{"يوليو", "يوليه", "تموز", "جويلية", "يوليوز"},
	{"أغسطس", "آب", "أوت", "غشت"},
	{"سبتمبر", "أيلول", "شتنبر"},
	{"أكتوبر", "تشرين الأول"},
	{"نوفمبر", "تشرين الثاني", "نونبر"},
	{"ديسمبر", "كانون الأول", "دجنبر"},
})

var hijriByName = monthIndex([][]string{
	{"محرم", "المحرم"},
	{"صفر"},
	{"ربيع الأول"},
	{"ربيع الآخر", "ربيع الثاني"},
	{"جمادى الأولى", "جمادى الأول"},
	{"جمادى الآخرة", "جمادى الثانية", "جمادى الآخر"},
	{"رجب"},
	{"شعبان"},
	{"رمضان"},
	{"شوال"},
	{"ذو القعدة", "ذي القعدة"},
	{"ذو الحجة", "ذي الحجة"},
})

func monthIndex(names [][]string) map[string]int {
	m := map[string]int{}
	for i, ns := range names {
		for _, n := range ns {
			m[Normalize(n)] = i + 1
		}
	}
	return m
}

// dateFiller are words around a date that say nothing more: weekdays (the
// date fixes the day), "on the day of", "corresponding to", "published".
var dateFiller = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت",
		"يوم", "الموافق", "بتاريخ", "تاريخ", "النشر", "نشر", "نُشر", "في", "الساعة", "على"} {
		m[Normalize(w)] = true
	}
	return m
}()

var (
	markGregorian = map[string]bool{"م": true, "ميلادي": true, "ميلاديه": true}
	markHijri     = map[string]bool{"ه": true, "هجري": true, "هجريه": true}
	markAM        = map[string]bool{"ص": true, "صباحا": true, "صباح": true, "فجرا": true}
	markPM        = map[string]bool{"م": true, "مساء": true, "مساءا": true, "ظهرا": true, "عصرا": true, "ليلا": true}
)

// ParseDate reads a line that is only a date as Arabic news pages print it:
// an optional weekday, the day, a month name — Gregorian in its Gulf,
// Egyptian, Levantine or Maghrebi name, or Hijri — the year with an
// optional م or هـ, and an optional time ("10:30", "10:30 ص", "١٠:٣٠ مساءً").
// A line with both calendars ("الخميس 27 نوفمبر 2026 م - 16 جمادى الأولى 1448 هـ")
// takes the Gregorian date; a Hijri-only one is converted (Umm al-Qura).
// Digits may be Arabic-Indic. ok is false for anything else, such as a
// sentence that merely mentions a date. The time is read in loc (UTC when
// nil); a line without one gives midnight.
func ParseDate(line string, loc *time.Location) (t time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	toks := dateTokens(Normalize(line))
	if len(toks) == 0 || len(toks) > 16 {
		return time.Time{}, false
	}
	var greg, hij *[3]int // year, month, day
	hour, minute, sec, hasTime := 0, 0, 0, false
	for i := 0; i < len(toks); {
		tok := toks[i]
		switch {
		case dateFiller[tok]:
			i++
		case isNumber(tok) && i+2 < len(toks):
			day, _ := strconv.Atoi(tok)
			m, isHijri, n := monthAt(toks, i+1)
			if m == 0 || i+1+n >= len(toks) || !isNumber(toks[i+1+n]) {
				return time.Time{}, false
			}
			year, _ := strconv.Atoi(toks[i+1+n])
			i += 2 + n
			if i < len(toks) && (markGregorian[toks[i]] || markHijri[toks[i]]) {
				if markHijri[toks[i]] != isHijri {
					return time.Time{}, false // a Hijri month with م, or the reverse
				}
				i++
			}
			d := &[3]int{year, m, day}
			if isHijri {
				if hij != nil {
					return time.Time{}, false
				}
				hij = d
			} else {
				if greg != nil {
					return time.Time{}, false
				}
				greg = d
			}
		case strings.Contains(tok, ":") && !hasTime:
			h, mi, s, good := clock(tok)
			if !good {
				return time.Time{}, false
			}
			hour, minute, sec, hasTime = h, mi, s, true
			i++
			if i < len(toks) && (markAM[toks[i]] || markPM[toks[i]]) {
				switch {
				case markPM[toks[i]] && hour < 12:
					hour += 12
				case markAM[toks[i]] && hour == 12:
					hour = 0
				}
				i++
			}
		default:
			return time.Time{}, false
		}
	}
	switch {
	case greg != nil:
		t = time.Date(greg[0], time.Month(greg[1]), greg[2], hour, minute, sec, 0, loc)
		if t.Year() != greg[0] || int(t.Month()) != greg[1] || t.Day() != greg[2] || greg[0] < 1900 || greg[0] > 2200 {
			return time.Time{}, false
		}
		return t, true
	case hij != nil:
		g, good := fromHijri(hij[0], hij[1], hij[2])
		if !good {
			return time.Time{}, false
		}
		return time.Date(g.Year(), g.Month(), g.Day(), hour, minute, sec, 0, loc), true
	}
	return time.Time{}, false
}

// dateTokens splits a normalised date line into words, numbers and clock
// times, dropping punctuation (، , - – — | /) and splitting "1448هـ" into
// "1448" and "ه".
func dateTokens(s string) []string {
	var out []string
	var b strings.Builder
	kind := 0 // 0 none, 1 digits/clock, 2 letters
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
		kind = 0
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' || r == ':' && kind == 1:
			if kind == 2 {
				flush()
			}
			kind = 1
			b.WriteRune(r)
		case unicode.IsLetter(r):
			if kind == 1 {
				flush()
			}
			kind = 2
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// monthAt matches a one- or two-word month name at toks[i]: its number,
// whether it is a Hijri month, and the number of words.
func monthAt(toks []string, i int) (m int, isHijri bool, n int) {
	if i+1 < len(toks) {
		two := toks[i] + " " + toks[i+1]
		if m := gregorianByName[two]; m != 0 {
			return m, false, 2
		}
		if m := hijriByName[two]; m != 0 {
			return m, true, 2
		}
	}
	if m := gregorianByName[toks[i]]; m != 0 {
		return m, false, 1
	}
	if m := hijriByName[toks[i]]; m != 0 {
		return m, true, 1
	}
	return 0, false, 0
}

func isNumber(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// clock reads "10:30" or "10:30:15".
func clock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		if !isNumber(p) || len(p) > 2 {
			return 0, 0, 0, false
		}
		v[i], _ = strconv.Atoi(p)
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// fromHijri converts an Umm al-Qura date to the Gregorian calendar day; ok
// is false outside the table (1356-1500 AH) or for a day the month lacks.
func fromHijri(year, month, day int) (g time.Time, ok bool) {
	if year < 1357 || year > 1499 || month < 1 || month > 12 || day < 1 || day > 30 {
		return time.Time{}, false
	}
	g = hijri.UmmAlQuraDate{Year: int64(year), Month: int64(month), Day: int64(day)}.ToGregorian()
	back, err := hijri.CreateUmmAlQuraDate(time.Date(g.Year(), g.Month(), g.Day(), 12, 0, 0, 0, time.UTC))
	if err != nil || back.Year != int64(year) || back.Month != int64(month) || back.Day != int64(day) {
		return time.Time{}, false // day 30 of a 29-day month
	}
	return g, true
}
