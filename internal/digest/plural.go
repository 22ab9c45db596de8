package digest

import (
	"strconv"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/arabic"
)

// PluralForms holds the six Arabic plural forms of a counted noun, as in
// CLDR: zero (0), one (1), two (2), few (n%100 in 3..10), many (n%100 in
// 11..99) and other (100, 101, 102, 200, …). "%d" in a form is replaced by
// the number.
type PluralForms struct {
	Zero, One, Two, Few, Many, Other string
}

// News is the plural of خبر ("news item").
var News = PluralForms{
	Zero:  "لا أخبار",
	One:   "خبر واحد",
	Two:   "خبران",
	Few:   "%d أخبار",
	Many:  "%d خبرًا",
	Other: "%d خبر",
}

// Plural returns the form of f that Arabic grammar takes for n, with the
// number written in Latin digits, or Arabic-Indic digits when arabicDigits.
func Plural(n int, f PluralForms, arabicDigits bool) string {
	var form string
	m := n % 100
	if n < 0 {
		m = -n % 100
	}
	switch {
	case n == 0:
		form = f.Zero
	case n == 1:
		form = f.One
	case n == 2:
		form = f.Two
	case m >= 3 && m <= 10:
		form = f.Few
	case m >= 11 && m <= 99:
		form = f.Many
	default:
		form = f.Other
	}
	num := strconv.Itoa(n)
	if arabicDigits {
		num = arabic.ArabicDigits(num)
	}
	return strings.ReplaceAll(form, "%d", num)
}

func hasArabicDigits(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= '٠' && r <= '٩' })
}

// Subject returns the Arabic subject line of an edition, for instance
// "نشرة الصباح — السبت 28 نوفمبر 2026: 7 أخبار". siteTitle "" uses the
// edition's Title. The count is written with Arabic-Indic digits when the
// date line uses them.
func Subject(e *Edition, siteTitle string) string {
	if siteTitle == "" {
		siteTitle = e.Title
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(siteTitle))
	if e.DateLine != "" {
		if b.Len() > 0 {
			b.WriteString(" — ")
		}
		b.WriteString(e.DateLine)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(Plural(e.Count, News, hasArabicDigits(e.DateLine)))
	return b.String()
}

var (
	weekdaysAr = [...]string{"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"}
	monthsAr   = [...]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
		"يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"}
)

// FormatDateLine is the default date line: weekday, day, month name and
// year in Arabic with Latin digits, "السبت 28 نوفمبر 2026". Callers
// normally pass a richer formatter (regional month names, Hijri date) in
// Options.DateLine.
func FormatDateLine(t time.Time) string {
	return weekdaysAr[t.Weekday()] + " " + strconv.Itoa(t.Day()) + " " +
		monthsAr[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
