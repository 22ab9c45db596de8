package arabic

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	hijri "github.com/hablullah/go-hijri"
)

// DateStyle selects the Gregorian month names of a region.
type DateStyle string

// Date styles. Gulf (the default) and Egypt use the transliterated names
// (يناير … ديسمبر; Egypt writes إبريل); Levant uses the Syriac names
// (كانون الثاني … كانون الأول); Maghreb the Moroccan forms (ماي، يوليوز،
// غشت، شتنبر، نونبر، دجنبر).
const (
	StyleGulf    DateStyle = "gulf"
	StyleEgypt   DateStyle = "egypt"
	StyleLevant  DateStyle = "levant"
	StyleMaghreb DateStyle = "maghreb"
)

// DateOptions controls FormatDate.
type DateOptions struct {
	Style        DateStyle // "" means gulf
	Hijri        bool      // append the Umm al-Qura date
	ArabicDigits bool      // ٠١٢٣٤٥٦٧٨٩ instead of 0-9
}

var months = map[DateStyle][12]string{
	StyleGulf:    {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
	StyleEgypt:   {"يناير", "فبراير", "مارس", "إبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
	StyleLevant:  {"كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"},
	StyleMaghreb: {"يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"},
}

// weekdays are indexed by time.Weekday (Sunday = 0).
var weekdays = [7]string{"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"}

var hijriMonths = [12]string{"محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة"}

// MonthName returns the Arabic name of month m in style s (gulf when s is
// empty or unknown).
func MonthName(m time.Month, s DateStyle) string {
	names, ok := months[s]
	if !ok {
		names = months[StyleGulf]
	}
	return names[m-1]
}

// WeekdayName returns the Arabic name of the weekday.
func WeekdayName(d time.Weekday) string { return weekdays[d] }

// HijriDate is a date of the Umm al-Qura calendar.
type HijriDate struct{ Year, Month, Day int }

// ToHijri converts the calendar day of t (in t's own location) to the Umm
// al-Qura calendar. It fails outside the table (1937-2077).
func ToHijri(t time.Time) (HijriDate, error) {
	// go-hijri converts to UTC first: pass the local calendar day at noon
	// UTC so that an evening in Riyadh is not taken for the next day.
	noon := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	h, err := hijri.CreateUmmAlQuraDate(noon)
	if err != nil {
		return HijriDate{}, fmt.Errorf("arabic: hijri date of %s: %w", t.Format(time.DateOnly), err)
	}
	return HijriDate{Year: int(h.Year), Month: int(h.Month), Day: int(h.Day)}, nil
}

// HijriMonthName returns the Arabic name of Hijri month m (1-12).
func HijriMonthName(m int) string { return hijriMonths[m-1] }

// FormatDate writes the day of t (in t's location) for a digest header:
// "السبت 28 نوفمبر 2026", followed by " — 17 جمادى الآخرة 1448هـ" when
// o.Hijri is set. The weekday is Go's. Outside the Umm al-Qura table the
// Hijri part is left out.
func FormatDate(t time.Time, o DateOptions) string {
	var b strings.Builder
	b.WriteString(WeekdayName(t.Weekday()))
	b.WriteString(" ")
	b.WriteString(strconv.Itoa(t.Day()))
	b.WriteString(" ")
	b.WriteString(MonthName(t.Month(), o.Style))
	b.WriteString(" ")
	b.WriteString(strconv.Itoa(t.Year()))
	if o.Hijri {
		if h, err := ToHijri(t); err == nil {
			fmt.Fprintf(&b, " — %d %s %dهـ", h.Day, HijriMonthName(h.Month), h.Year)
		}
	}
	s := b.String()
	if o.ArabicDigits {
		s = ArabicDigits(s)
	}
	return s
}

// ArabicDigits replaces the digits 0-9 in s with Arabic-Indic digits.
func ArabicDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

// FormatSpan writes the days first to last (in their locations) for a
// weekly edition's header, as FormatDate writes a day (o's month names and
// digits; no weekday, no Hijri date): "من 27 نوفمبر إلى 3 ديسمبر 2026",
// "من 2 إلى 8 مارس 2026" within a month, "من 28 ديسمبر 2026 إلى 3 يناير
// 2027" across a year.
func FormatSpan(first, last time.Time, o DateOptions) string {
	day := func(t time.Time, month, year bool) string {
		s := strconv.Itoa(t.Day())
		if month {
			s += " " + MonthName(t.Month(), o.Style)
		}
		if year {
			s += " " + strconv.Itoa(t.Year())
		}
		return s
	}
	sameYear := first.Year() == last.Year()
	sameMonth := sameYear && first.Month() == last.Month()
	s := "من " + day(first, !sameMonth, !sameYear) + " إلى " + day(last, true, true)
	if o.ArabicDigits {
		s = ArabicDigits(s)
	}
	return s
}
