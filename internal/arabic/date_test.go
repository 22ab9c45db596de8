package arabic

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestToHijri checks the Umm al-Qura conversion against dates announced in
// Saudi Arabia.
func TestToHijri(t *testing.T) {
	tests := []struct {
		greg string
		want HijriDate
		what string
	}{
		{"2024-03-11", HijriDate{1445, 9, 1}, "1 Ramadan 1445"},
		{"2024-04-10", HijriDate{1445, 10, 1}, "Eid al-Fitr 1445"},
		{"2024-07-07", HijriDate{1446, 1, 1}, "1 Muharram 1446"},
		{"2023-06-28", HijriDate{1444, 12, 10}, "Eid al-Adha 1444"},
		{"2025-03-01", HijriDate{1446, 9, 1}, "1 Ramadan 1446"},
		{"2025-06-06", HijriDate{1446, 12, 10}, "Eid al-Adha 1446"},
		{"2025-06-26", HijriDate{1447, 1, 1}, "1 Muharram 1447"},
	}
	for _, tt := range tests {
		got, err := ToHijri(day(tt.greg))
		if err != nil || got != tt.want {
			t.Errorf("%s (%s): got %v, %v; want %v", tt.greg, tt.what, got, err, tt.want)
		}
	}
	if _, err := ToHijri(day("2090-01-01")); err == nil {
		t.Error("2090: want an error outside the Umm al-Qura table")
	}
}

// TestToHijriUsesLocalDay: 23:30 in Riyadh on 10 March 2024 is 20:30 UTC the
// same day, and 00:30 on 11 March in Riyadh is still 10 March in UTC — the
// local calendar day decides.
func TestToHijriUsesLocalDay(t *testing.T) {
	riyadh := time.FixedZone("AST", 3*3600)
	got, err := ToHijri(time.Date(2024, 3, 11, 0, 30, 0, 0, riyadh))
	if err != nil || got != (HijriDate{1445, 9, 1}) {
		t.Errorf("00:30 Riyadh 11 March 2024 = %v, %v; want 1 Ramadan 1445", got, err)
	}
}

func TestFormatDate(t *testing.T) {
	tests := []struct {
		date string
		o    DateOptions
		want string
	}{
		{"2026-11-28", DateOptions{}, "السبت 28 نوفمبر 2026"},
		{"2026-11-28", DateOptions{Hijri: true}, "السبت 28 نوفمبر 2026 — 18 جمادى الآخرة 1448هـ"},
		{"2024-03-11", DateOptions{Hijri: true, ArabicDigits: true}, "الاثنين ١١ مارس ٢٠٢٤ — ١ رمضان ١٤٤٥هـ"},
		{"2024-04-10", DateOptions{Style: StyleEgypt}, "الأربعاء 10 إبريل 2024"},
		{"2024-04-10", DateOptions{Style: StyleGulf}, "الأربعاء 10 أبريل 2024"},
		{"2024-07-07", DateOptions{Style: StyleLevant, Hijri: true}, "الأحد 7 تموز 2024 — 1 محرم 1446هـ"},
		{"2024-08-01", DateOptions{Style: StyleMaghreb}, "الخميس 1 غشت 2024"},
		{"2024-01-05", DateOptions{Style: "unknown"}, "الجمعة 5 يناير 2024"},
		{"2024-01-02", DateOptions{}, "الثلاثاء 2 يناير 2024"},
		{"2090-01-01", DateOptions{Hijri: true}, "الأحد 1 يناير 2090"},
	}
	for _, tt := range tests {
		if got := FormatDate(day(tt.date), tt.o); got != tt.want {
			t.Errorf("FormatDate(%s, %+v) = %q, want %q", tt.date, tt.o, got, tt.want)
		}
	}
}

// TestMonthAndWeekdayTables checks every name against a known date.
func TestMonthAndWeekdayTables(t *testing.T) {
	levant := []string{"كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"}
	maghreb := []string{"يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"}
	gulf := []string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"}
	for m := time.January; m <= time.December; m++ {
		if got := MonthName(m, StyleLevant); got != levant[m-1] {
			t.Errorf("levant %v = %q, want %q", m, got, levant[m-1])
		}
		if got := MonthName(m, StyleMaghreb); got != maghreb[m-1] {
			t.Errorf("maghreb %v = %q, want %q", m, got, maghreb[m-1])
		}
		if got := MonthName(m, ""); got != gulf[m-1] {
			t.Errorf("default %v = %q, want %q", m, got, gulf[m-1])
		}
	}
	// 1-7 January 2024 run from Monday to Sunday.
	week := []string{"الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"}
	for i, w := range week {
		if got := WeekdayName(day("2024-01-0" + string(rune('1'+i))).Weekday()); got != w {
			t.Errorf("2024-01-0%d = %q, want %q", i+1, got, w)
		}
	}
	// Hijri month names, each checked on its first day in 1445-1446.
	firsts := []struct {
		greg string
		name string
	}{
		{"2024-07-07", "محرم"}, {"2024-08-05", "صفر"}, {"2024-09-04", "ربيع الأول"},
		{"2024-10-04", "ربيع الآخر"}, {"2024-11-03", "جمادى الأولى"}, {"2024-12-02", "جمادى الآخرة"},
		{"2025-01-01", "رجب"}, {"2025-01-31", "شعبان"}, {"2025-03-01", "رمضان"},
		{"2025-03-30", "شوال"}, {"2025-04-29", "ذو القعدة"}, {"2025-05-28", "ذو الحجة"},
	}
	for _, f := range firsts {
		h, err := ToHijri(day(f.greg))
		if err != nil || h.Day != 1 || HijriMonthName(h.Month) != f.name {
			t.Errorf("%s = %v %v, want 1 %s", f.greg, h, err, f.name)
		}
	}
}

// TestFormatSpan: a week across two months names both and the year once;
// within a month the month once; across a year both years; Levant names
// and Arabic-Indic digits as FormatDate writes them.
func TestFormatSpan(t *testing.T) {
	for _, c := range []struct {
		first, last string
		o           DateOptions
		want        string
	}{
		{"2026-11-27", "2026-12-03", DateOptions{ArabicDigits: true}, "من ٢٧ نوفمبر إلى ٣ ديسمبر ٢٠٢٦"},
		{"2026-03-02", "2026-03-08", DateOptions{}, "من 2 إلى 8 مارس 2026"},
		{"2026-12-28", "2027-01-03", DateOptions{}, "من 28 ديسمبر 2026 إلى 3 يناير 2027"},
		{"2026-11-27", "2026-12-03", DateOptions{Style: StyleLevant}, "من 27 تشرين الثاني إلى 3 كانون الأول 2026"},
	} {
		if got := FormatSpan(day(c.first), day(c.last), c.o); got != c.want {
			t.Errorf("FormatSpan(%s, %s, %+v) = %q, want %q", c.first, c.last, c.o, got, c.want)
		}
	}
}
