package templates

import (
	"strings"
	"testing"
	"time"
)

func TestConfirmMail(t *testing.T) {
	m, err := NewConfirmMail("")
	if err != nil {
		t.Fatal(err)
	}
	d := ConfirmData{SiteTitle: "نشرة Tech", BaseURL: "https://news.example/",
		ConfirmURL: "https://news.example/confirm?t=abc", Valid: 7 * 24 * time.Hour}
	html, text, err := m.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="ar" dir="rtl">`, `href="https://news.example/confirm?t=abc"`, "مرحبًا،", "7 أيام"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if !strings.Contains(text, "https://news.example/confirm?t=abc") || !strings.Contains(text, "مرحبًا،") {
		t.Errorf("text part:\n%s", text)
	}
	if d.Subject() != "أكّد اشتراكك في «نشرة Tech»" {
		t.Errorf("subject %q", d.Subject())
	}
	d.ConfirmURL, d.PreferencesURL = "", "https://news.example/preferences?t=p"
	html, text, err = m.Render(d)
	if err != nil || !strings.Contains(html, "preferences?t=p") || strings.Contains(text, "confirm?t=") || !strings.Contains(d.Subject(), "قائم") {
		t.Errorf("already subscribed: %v\n%s", err, text)
	}
	// A javascript: link never reaches the text part.
	d.PreferencesURL = "javascript:alert(1)"
	if _, text, _ = m.Render(d); strings.Contains(text, "javascript:") {
		t.Errorf("text part carries a javascript: link:\n%s", text)
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "ساعة واحدة"}, {2 * time.Hour, "ساعتين"}, {5 * time.Hour, "5 ساعات"}, {24 * time.Hour, "24 ساعة"},
		{36 * time.Hour, "36 ساعة"}, {48 * time.Hour, "يومين"}, {3 * 24 * time.Hour, "3 أيام"}, {30 * 24 * time.Hour, "30 يومًا"},
	} {
		if got := (ConfirmData{Valid: tt.d}).Validity(); got != tt.want {
			t.Errorf("Validity(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
