package arabic

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	riyadh, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, riyadh) }
	good := []struct {
		line string
		want time.Time
	}{
		{"27 نوفمبر 2026", day(2026, 11, 27, 0, 0)},
		{"الخميس 27 نوفمبر 2026", day(2026, 11, 27, 0, 0)},
		{"الخميس، ٢٧ نوفمبر ٢٠٢٦", day(2026, 11, 27, 0, 0)},
		{"يوم الخميس 27 نوفمبر 2026 م", day(2026, 11, 27, 0, 0)},
		{"27 تشرين الثاني 2026", day(2026, 11, 27, 0, 0)},
		{"3 جانفي 2027", day(2027, 1, 3, 0, 0)},
		{"١ إبريل ٢٠٢٦ - ١٠:٣٠ ص", day(2026, 4, 1, 10, 30)},
		{"الأربعاء 2 ديسمبر 2026 | 08:15 مساءً", day(2026, 12, 2, 20, 15)},
		{"12:05 ص الخميس 27 نوفمبر 2026", day(2026, 11, 27, 0, 5)},
		// Both calendars: the Gregorian date wins.
		{"الخميس 27 نوفمبر 2026 م - 17 جمادى الآخرة 1448 هـ", day(2026, 11, 27, 0, 0)},
		// Hijri only, converted with Umm al-Qura (18 Jumada II 1448 is 28 Nov 2026).
		{"18 جمادى الآخرة 1448هـ", day(2026, 11, 28, 0, 0)},
		{"السبت ١٨ جمادى الثانية ١٤٤٨ هـ", day(2026, 11, 28, 0, 0)},
		{"1 رمضان 1447 هـ", day(2026, 2, 18, 0, 0)},
	}
	for _, tt := range good {
		got, ok := ParseDate(tt.line, riyadh)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.line, got, ok, tt.want)
		}
	}
	for _, line := range []string{
		"",
		"نوفمبر",
		"2026",
		"قال الوزير في 27 نوفمبر 2026 إن الخطة جاهزة",
		"31 فبراير 2026",
		"27 نوفمبر",
		"30 محرم 1448 هـ", // Muharram 1448 has 29 days
		"27 نوفمبر 2026 هـ",
		"27 نوفمبر 2026 25:00",
		"1 محرم 1200 هـ",
	} {
		if got, ok := ParseDate(line, riyadh); ok {
			t.Errorf("ParseDate(%q) = %v, want not a date", line, got)
		}
	}
}
