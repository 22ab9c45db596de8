package article

import (
	"testing"
	"time"
)

func TestProseText(t *testing.T) {
	tests := []struct{ name, html, want string }{
		{"heading dropped", "<p>بدأ التشغيل التجريبي.</p><h2>ماذا تغير للمسافرين؟</h2><p>تقلصت الرحلة.</p>", "بدأ التشغيل التجريبي.\n\nتقلصت الرحلة."},
		{"table and caption dropped", "<p>نص.</p><table><caption>جدول</caption><tr><td>١</td></tr></table><figure><img src=\"https://x/y.jpg\"><figcaption>صورة</figcaption></figure>", "نص."},
		{"list items kept", "<ul><li>أولاً</li><li>ثانياً</li></ul>", "• أولاً\n• ثانياً"},
		{"quote kept", "<blockquote><p>قال الوزير كلاماً.</p></blockquote>", "قال الوزير كلاماً."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProseText(tt.html); got != tt.want {
				t.Errorf("ProseText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExtractedSummarySkipsHeadings(t *testing.T) {
	md := "---\ntitle: قطار الخليج يبدأ تشغيلاً تجريبياً\ndate: 2026-11-27T16:45:00+03:00\n---\n\nبدأت هيئة النقل اليوم التشغيل التجريبي للقطار.\n\n## ماذا تغير للمسافرين؟\n\nتقلصت الرحلة إلى ساعتين ونصف.\n"
	arts, err := Parse("rail.md", []byte(md), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := arts[0].Summary; got != "بدأت هيئة النقل اليوم التشغيل التجريبي للقطار. تقلصت الرحلة إلى ساعتين ونصف." {
		t.Errorf("summary = %q", got)
	}
}
