package store

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "  Ali@Example.COM ", want: "Ali@example.com"},
		{in: "user.name+tag@sub.example.org", want: "user.name+tag@sub.example.org"},
		{in: "x@example.com.", want: "x@example.com"},
		{in: "reader@مثال.السعودية", want: "reader@xn--mgbh0fb.xn--mgberp4a5d4ar"},
		{in: "reader@ＥＸＡＭＰＬＥ.com", want: "reader@example.com"},
		{in: "reader@bücher.de", want: "reader@xn--bcher-kva.de"},
		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: "no-at.example.com", bad: true},
		{in: "a@b@example.com", bad: true},
		{in: "@example.com", bad: true},
		{in: "a@", bad: true},
		{in: "a@localhost", bad: true},
		{in: "a@1.2.3.4", bad: true},
		{in: "a@[127.0.0.1]", bad: true},
		{in: "a@-bad.com", bad: true},
		{in: "a@exa mple.com", bad: true},
		{in: "a@example..com", bad: true},
		{in: ".a@example.com", bad: true},
		{in: "a.@example.com", bad: true},
		{in: "a..b@example.com", bad: true},
		{in: "a b@example.com", bad: true},
		{in: "a<b>@example.com", bad: true},
		{in: "\"a\"@example.com", bad: true},
		{in: "a@example.com\r\nBcc: victim@example.com", bad: true},
		{in: "a@example.com\n", bad: true},
		{in: "a\x00@example.com", bad: true},
		{in: "a\u202e@example.com", bad: true},
		{in: "a@exa\u0085mple.com", bad: true},
		{in: "علي@example.com", bad: true},
		{in: strings.Repeat("a", 65) + "@example.com", bad: true},
		{in: "a@" + strings.Repeat("b", 64) + ".com", bad: true},
		{in: "a@" + strings.Repeat(strings.Repeat("b", 60)+".", 5) + "com", bad: true},
		{in: "a@\xff.com", bad: true},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("NormalizeEmail(%q) = %q, want error", tt.in, got)
			} else if !errors.Is(err, ErrInvalidEmail) {
				t.Errorf("NormalizeEmail(%q) error %v does not wrap ErrInvalidEmail", tt.in, err)
			} else if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("NormalizeEmail(%q) error message carries CR/LF: %q", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		// Normalising twice changes nothing.
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Errorf("NormalizeEmail(%q) not idempotent: %q, %v", got, again, err)
		}
	}
}
