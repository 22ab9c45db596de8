package templates

import (
	"time"

	"github.com/nashra/nashra/internal/digest"
)

// Sample returns a small fixed edition and email data: New renders it to
// check every template at start-up, and `digest preview` or template
// authors may use it to see a layout without a store.
func Sample() EmailData {
	return sampleData()
}

func sampleData() EmailData {
	pub := time.Date(2026, 11, 27, 18, 30, 0, 0, time.FixedZone("+03", 3*3600))
	story := digest.Story{
		ID: "sample", Title: "إطلاق منصة Nashra للنشرات العربية", URL: "https://nashra.example/articles/sample",
		Summary: "ملخص قصير للخبر.", Category: "تقنية", Published: pub,
		Related: []digest.Link{{Title: "خبر ذو صلة", URL: "https://nashra.example/articles/related"}},
	}
	e := &digest.Edition{
		Date: "2026-11-28", ID: "2026-11-28", Title: "نشرة الصباح", DateLine: "السبت 28 نوفمبر 2026",
		Opener: digest.Opener, Highlights: []digest.Link{{Title: story.Title, URL: story.URL}},
		Sections: []digest.Section{{Category: "تقنية", Stories: []digest.Story{story}}},
		Count:    1, From: pub.Add(-24 * time.Hour), To: pub,
	}
	return EmailData{
		Edition: e, SiteTitle: "نشرة الصباح", BaseURL: "https://nashra.example",
		PreferencesURL: "https://nashra.example/preferences?t=x",
		UnsubscribeURL: "https://nashra.example/unsubscribe?t=x", Recipient: "سارة",
	}
}
