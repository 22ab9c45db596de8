package admin

import (
	"testing"

	"github.com/nashra/nashra/internal/delivery"
)

// The notes the engine writes on an edition are shown in Arabic on its page.
func TestNoteNameArabic(t *testing.T) {
	t.Parallel()
	for note, want := range map[string]string{
		delivery.NoteHeld:   "بانتظار موافقة محرّر",
		delivery.NoteMissed: "لم تتم الموافقة عليه قبل موعده، فلم يُرسل",
		"approved by سارة":  "موافَق عليه — سارة",
		"paused by cli:ops": "متوقف مؤقتًا — cli:ops",
		"note by hand":      "note by hand",
		"":                  "",
	} {
		if got := noteName(note); got != want {
			t.Errorf("noteName(%q) = %q, want %q", note, got, want)
		}
	}
}
