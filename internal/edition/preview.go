package edition

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
)

// Formats of Preview.
const (
	FormatHTML = "html"
	FormatText = "text"
	FormatEML  = "eml"
	FormatJSON = "json"
)

// Headers marking messages that are not the edition's own sends.
const (
	HeaderTest    = "X-Nashra-Test"
	HeaderPreview = "X-Nashra-Preview"
	HeaderResend  = "X-Nashra-Resend"
)

// TestSubjectPrefix marks the subject of a test send ("[test]").
const TestSubjectPrefix = "[تجربة] "

// sampleReader is who a preview is for when no subscriber is named.
var sampleReader = store.Subscriber{Email: "reader@example.com", Name: "قارئ النشرة", Status: store.StatusConfirmed}

// content returns the edition of day: as recorded, or built as it would be
// cut now (not recorded).
func (s *Service) content(ctx context.Context, day string) (*digest.Edition, error) {
	if err := s.CheckDay(day); err != nil {
		return nil, err
	}
	se, err := s.st.GetEdition(ctx, day)
	if err == nil && se.Built() {
		return s.dv.Decode(se)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("edition: %w", err)
	}
	return s.dv.BuildNow(ctx, day)
}

// reader is the subscriber a preview or test is rendered for: their name
// and their categories for the service's newsletter (the sample reader
// when email is ""), with subscriber ID 0, which no one has, so that the
// unsubscribe and preference links in it act on no one.
func (s *Service) reader(ctx context.Context, email string) (*store.Subscriber, error) {
	r := sampleReader
	if email != "" {
		sub, err := s.st.SubscriberByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidEmail) {
			return nil, fmt.Errorf("%w: no subscriber %s", ErrNotFound, email)
		}
		if err != nil {
			return nil, fmt.Errorf("edition: %w", err)
		}
		r = *sub
		if s.nl != "" { // Categories are the default newsletter's
			if r.Categories, err = s.categoriesFor(ctx, sub); err != nil {
				return nil, err
			}
		}
	}
	r.ID = 0
	return &r, nil
}

// categoriesFor is sub's category choice for the service's newsletter;
// one who does not follow it gives ErrNotFound.
func (s *Service) categoriesFor(ctx context.Context, sub *store.Subscriber) ([]string, error) {
	subs, err := s.st.Subscriptions(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("edition: %w", err)
	}
	for _, sn := range subs {
		if sn.Newsletter == s.nl && sn.Status == store.Subscribed {
			return sn.Categories, nil
		}
	}
	return nil, fmt.Errorf("%w: %s does not follow %s", ErrNotFound, sub.Email, s.nl)
}

// Preview renders the edition of day (the next one due when day is "") in
// format, as the subscriber with the given address would get it ("" = a
// sample reader), without sending or recording anything.
func (s *Service) Preview(ctx context.Context, day, subscriber, format string) ([]byte, error) {
	if day == "" {
		day = s.NextDue()
	}
	switch format {
	case FormatHTML, FormatText, FormatEML, FormatJSON:
	default:
		return nil, fmt.Errorf("edition: preview format must be html, text, eml or json, got %q", format)
	}
	e, err := s.content(ctx, day)
	if err != nil {
		return nil, err
	}
	r, err := s.reader(ctx, subscriber)
	if err != nil {
		return nil, err
	}
	if len(r.Categories) > 0 {
		e = e.Filter(r.Categories)
		if e.Count == 0 {
			return nil, fmt.Errorf("edition: %s gets nothing from the edition of %s: no story in %s", r.Email, day, strings.Join(r.Categories, "، "))
		}
	}
	switch format {
	case FormatJSON:
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("edition: %w", err)
		}
		return append(b, '\n'), nil
	case FormatEML:
		msg, _, _, err := s.dv.RenderAs(e, r, delivery.RenderOptions{
			MessageID: s.dv.MessageIDFor(day, "preview-"+nonce()),
			Headers:   map[string]string{HeaderPreview: "yes"}})
		return msg, err
	}
	html, text, _, err := s.dv.Parts(e, r)
	if err != nil {
		return nil, err
	}
	if format == FormatText {
		return []byte(text), nil
	}
	return []byte(html), nil
}

// Test sends the edition of day (the next one due when "") to each
// address through the real transport, subject marked as a test, outside
// the ledger and its counts. It stops at the first address that fails.
func (s *Service) Test(ctx context.Context, who Actor, day string, to []string) error {
	if day == "" {
		day = s.NextDue()
	}
	if len(to) == 0 {
		return errors.New("edition: test: no address")
	}
	addrs := make([]string, 0, len(to))
	for _, a := range to {
		p, err := mail.ParseAddress(strings.TrimSpace(a))
		if err != nil {
			return fmt.Errorf("edition: test: address %q: %v", a, err)
		}
		addrs = append(addrs, p.Address)
	}
	e, err := s.content(ctx, day)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		r := sampleReader
		r.Email, r.Name = a, ""
		msg, _, _, err := s.dv.RenderAs(e, &r, delivery.RenderOptions{SubjectPrefix: TestSubjectPrefix,
			MessageID: s.dv.MessageIDFor(day, "test-"+nonce()),
			Headers:   map[string]string{HeaderTest: "yes"}})
		if err != nil {
			return err
		}
		if err := s.dv.SendNow(ctx, a, msg); err != nil {
			return fmt.Errorf("edition: test of %s: %w", day, err)
		}
	}
	return s.audit(ctx, who, "edition.test", day, "to "+strings.Join(addrs, ", "))
}

func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
