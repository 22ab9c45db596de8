package subscribe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/nashra/nashra/internal/store"
)

// ErrNoToken: a message sent to the unsubscribe mailbox carries no
// unsubscribe token.
var ErrNoToken = errors.New("subscribe: no unsubscribe token in the message")

// ErrNotMail: what reached the unsubscribe mailbox is not an email message.
var ErrNotMail = errors.New("subscribe: not an email message")

// mailToken finds "unsubscribe TOKEN" (what the mailto: link of
// List-Unsubscribe puts in the subject).
var mailToken = regexp.MustCompile(`(?i)\bunsubscribe\s+([A-Za-z0-9_-]{16,512})`)

// maxRequestScan bounds how much of a message body is searched.
const maxRequestScan = 64 << 10

// TokenFromMail returns the unsubscribe token of a message sent to the
// mailto: address of List-Unsubscribe: from its subject (decoded, with any
// "Re:" left by a mail client), else from the first 64 KB of its body, for
// clients that move the subject into the text.
func TokenFromMail(r io.Reader) (string, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotMail, err)
	}
	subject := msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = dec
	}
	if m := mailToken.FindStringSubmatch(subject); m != nil {
		return m[1], nil
	}
	body, err := io.ReadAll(io.LimitReader(msg.Body, maxRequestScan))
	if err != nil {
		return "", fmt.Errorf("subscribe: reading the message: %w", err)
	}
	// Quoted-printable soft line breaks could split the token.
	text := strings.ReplaceAll(strings.ReplaceAll(string(body), "=\r\n", ""), "=\n", "")
	if m := mailToken.FindStringSubmatch(text); m != nil {
		return m[1], nil
	}
	return "", ErrNoToken
}

// UnsubscribeMail applies a message sent to the unsubscribe mailbox: the
// token it carries is checked like the one of an unsubscribe link (signed,
// bound to the address it was issued for), whoever the sender is. n is
// the newsletter the token leaves (UnsubscribeNewsletter).
func (s *Service) UnsubscribeMail(ctx context.Context, r io.Reader) (sub *store.Subscriber, n Newsletter, already bool, err error) {
	token, err := TokenFromMail(r)
	if err != nil {
		return nil, Newsletter{}, false, err
	}
	sub, already, err = s.Unsubscribe(ctx, token)
	return sub, s.UnsubscribeNewsletter(token), already, err
}
