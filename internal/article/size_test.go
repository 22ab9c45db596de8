package article

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseFileMaxBytes: a file over Options.MaxBytes is refused unread,
// naming the file, its size and the limit; one at the limit is read.
func TestParseFileMaxBytes(t *testing.T) {
	dir := t.TempDir()
	body := "اقتصاد\nأسعار النفط\n" + strings.Repeat("ارتفعت أسعار النفط اليوم. ", 100)
	p := filepath.Join(dir, "oil.txt")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(p, Options{MaxBytes: 1024})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "5 KB, over the limit of 1 KB (import.max_bytes)") {
		t.Errorf("over the limit: %v", err)
	}
	if arts, err := ParseFile(p, Options{MaxBytes: int64(len(body))}); err != nil || len(arts) != 1 {
		t.Errorf("at the limit: %v %v", arts, err)
	}
}
