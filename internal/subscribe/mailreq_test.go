package subscribe

import (
	"errors"
	"strings"
	"testing"
)

func TestTokenFromMail(t *testing.T) {
	const tok = "AQGH3Jzb7DI8Ym9keS10b2tlbi1hYmNkZWZnaGlqa2xtbm9w"
	head := "From: =?UTF-8?B?2YLYp9ix2KY=?= <reader@example.org>\r\nTo: unsubscribe@digest.example.com\r\n"
	for _, tt := range []struct {
		name, msg, want string
		err             error
	}{
		{"subject from the mailto link", head + "Subject: unsubscribe " + tok + "\r\n\r\n", tok, nil},
		{"reply prefix, capitals", head + "Subject: Re: Unsubscribe " + tok + "\r\n\r\nشكرًا\r\n", tok, nil},
		{"encoded subject", head + "Subject: =?UTF-8?Q?unsubscribe_" + tok + "?=\r\n\r\n", tok, nil},
		{"Arabic subject, token in the body", head + "Subject: =?UTF-8?B?2KXZhNi62KfYoSDYp9mE2KfYtNiq2LHYp9mD?=\r\n\r\nأرجو إلغاء اشتراكي\r\nunsubscribe " + tok + "\r\n", tok, nil},
		{"quoted-printable soft break in the token", head + "Subject: hi\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nunsubscribe " + tok[:20] + "=\r\n" + tok[20:] + "\r\n", tok, nil},
		{"no token", head + "Subject: أوقفوا الرسائل\r\n\r\nلا أريدها\r\n", "", ErrNoToken},
		{"too short to be a token", head + "Subject: unsubscribe me\r\n\r\n", "", ErrNoToken},
	} {
		got, err := TokenFromMail(strings.NewReader(tt.msg))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
	if _, err := TokenFromMail(strings.NewReader("\x00\x01 not a message")); err == nil || errors.Is(err, ErrNoToken) {
		t.Errorf("garbage: %v, want a parse error", err)
	}
}
