package subscribe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// Store is what the service needs of the database (store.Store has it).
type Store interface {
	AddSubscriber(ctx context.Context, s *store.Subscriber) (bool, error)
	GetSubscriber(ctx context.Context, id int64) (*store.Subscriber, error)
	SubscriberByEmail(ctx context.Context, email string) (*store.Subscriber, error)
	UpdateSubscriber(ctx context.Context, s *store.Subscriber) error
	ListSubscribers(ctx context.Context, q store.SubscriberQuery) ([]store.Subscriber, error)
	Categories(ctx context.Context) ([]string, error)
	// TakeRate and PurgeRates keep the per-address limit of confirmation
	// emails in the database, shared by every process (store.Limits).
	TakeRate(ctx context.Context, key string, every time.Duration, burst int, now time.Time) (bool, error)
	PurgeRates(ctx context.Context, now time.Time) (int, error)
	PurgePending(ctx context.Context, before time.Time) (int, error)
	// Subscribe, Unsubscribe and Subscriptions keep who follows which
	// newsletter (store.Newsletters).
	Subscribe(ctx context.Context, subscriberID int64, newsletter string, categories []string) error
	Unsubscribe(ctx context.Context, subscriberID int64, newsletter string) (int, error)
	Subscriptions(ctx context.Context, subscriberID int64) ([]store.Subscription, error)
	DefaultNewsletter(ctx context.Context) (string, error)
	// SetReturnChoice keeps what a reader who left chose on signing up
	// again, for the day they confirm.
	SetReturnChoice(ctx context.Context, subscriberID int64, follow []store.Subscription) error
	ReturnChoice(ctx context.Context, subscriberID int64) ([]store.Subscription, error)
}

// Choice is one category offered on the forms.
type Choice struct {
	Value, Label string
	Checked      bool
}

// DefaultUnsubscribeTTL is how long the unsubscribe link of an email
// works: a year, so that old digests in an archive still let their
// reader leave (RFC 8058 one-click included).
const DefaultUnsubscribeTTL = 365 * 24 * time.Hour

// MaxNameLength is the longest display name accepted, in characters.
const MaxNameLength = 100

// Options configure the service.
type Options struct {
	// SiteTitle and BaseURL are site.title and site.base_url.
	SiteTitle, BaseURL string
	// FromAddr, FromName and ReplyTo come from mail.from, mail.from_name
	// and mail.reply_to.
	FromAddr, FromName, ReplyTo string
	// MessageDomain is the right-hand side of Message-IDs ("" = the
	// domain of FromAddr).
	MessageDomain string
	// Mailbox is the mailto: unsubscribe address ("" = none).
	Mailbox string
	// TokenTTL (security.token_ttl) bounds confirmation and preferences
	// links; default 7 days.
	TokenTTL time.Duration
	// UnsubscribeTTL bounds unsubscribe links; default DefaultUnsubscribeTTL.
	UnsubscribeTTL time.Duration
	// Categories are the configured categories, offered first and in
	// this order; the categories of stored articles follow.
	Categories []Category
	// Newsletters are the configured newsletters, the default one first;
	// with two or more the forms let the reader choose. None means one.
	Newsletters []Newsletter
	// MailsPerDay caps the confirmation emails to one address, however
	// its case is spelt, within any 24 hours (subscribe.confirm_mails_per_day,
	// default 5). Extra sign-ups get the same answer and no email.
	MailsPerDay int
	// PendingTTL is how long a sign-up may stay unconfirmed before Purge
	// erases it (subscribe.pending_ttl); default 7 days.
	PendingTTL time.Duration
	Now        func() time.Time
	Log        *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.TokenTTL <= 0 {
		o.TokenTTL = 7 * 24 * time.Hour
	}
	if o.UnsubscribeTTL <= 0 {
		o.UnsubscribeTTL = DefaultUnsubscribeTTL
	}
	if o.MailsPerDay <= 0 {
		o.MailsPerDay = 5
	}
	if o.PendingTTL <= 0 {
		o.PendingTTL = 7 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MessageDomain == "" {
		if _, d, ok := strings.Cut(o.FromAddr, "@"); ok {
			o.MessageDomain = d
		}
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

// Service is the subscription workflow. It is safe for concurrent use.
type Service struct {
	st     Store
	tokens *Tokens
	links  *Links
	tr     mailer.Transport
	comp   *mailer.Composer
	mail   *templates.ConfirmMail
	o      Options
	nls    Newsletters // NewsletterList(o.Newsletters)
}

// New returns the service. secret is the link key (security.secret);
// confirmation emails are rendered by mail, composed by comp and sent
// through tr (the digest's transport).
func New(st Store, secret []byte, tr mailer.Transport, comp *mailer.Composer, mail *templates.ConfirmMail, o Options) (*Service, error) {
	if st == nil || tr == nil || comp == nil || mail == nil {
		return nil, errors.New("subscribe: store, transport, composer and templates are required")
	}
	o = o.withDefaults()
	tokens, err := NewTokens(secret)
	if err != nil {
		return nil, err
	}
	links, err := NewLinks(secret, o.BaseURL, o.Mailbox, o.TokenTTL)
	if err != nil {
		return nil, err
	}
	links.unsubTTL, links.now = o.UnsubscribeTTL, o.Now
	return &Service{
		st: st, tokens: tokens, links: links, tr: tr, comp: comp, mail: mail, o: o,
		nls: NewsletterList(o.Newsletters),
	}, nil
}

// Links returns the service's link maker (the digest uses the same links).
func (s *Service) Links() *Links { return s.links }

// Options returns the options in effect, defaults filled.
func (s *Service) Options() Options { return s.o }

// InputError is a form field the reader must correct; Message is Arabic.
type InputError struct {
	Field, Message string
}

func (e *InputError) Error() string { return "subscribe: " + e.Field + ": " + e.Message }

// SignUp is what the sign-up form sends.
type SignUp struct {
	Email, Name string
	// Categories are those of the default newsletter when Follow is nil.
	Categories []string
	// Follow lists the newsletters chosen (Newsletter a slug), each with
	// its categories; nil means the default newsletter with Categories
	// (the form of a site with one newsletter), empty means none chosen
	// (an InputError).
	Follow []store.Subscription
}

// Choices lists the categories offered on the forms, checked as in
// chosen: configured ones first, then those of stored articles.
func (s *Service) Choices(ctx context.Context, chosen []string) ([]Choice, error) {
	cat, err := LoadCatalog(ctx, s.st, s.o.Categories)
	if err != nil {
		return nil, err
	}
	return choicesOf(cat, chosen), nil
}

// cleanCategories keeps the known categories of in (names or slugs, as
// the catalog spells the names), each once; an unknown one is an
// InputError.
func (s *Service) cleanCategories(ctx context.Context, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	cat, err := LoadCatalog(ctx, s.st, s.o.Categories)
	if err != nil {
		return nil, err
	}
	out, err := cat.Resolve(in)
	if err != nil {
		return nil, &InputError{Field: "categories", Message: "اختر الأقسام من القائمة المعروضة."}
	}
	return out, nil
}

// CleanName trims a display name and collapses its spaces. Control
// characters (CR and LF included) and bidi overrides are refused, as are
// names longer than MaxNameLength characters. HTML is kept as typed: every
// page and email escapes it.
func CleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", &InputError{Field: "name", Message: "الاسم يحتوي على رموز غير صالحة."}
	}
	for _, r := range name {
		if unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			return "", &InputError{Field: "name", Message: "الاسم يحتوي على رموز غير مسموح بها."}
		}
	}
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", &InputError{Field: "name", Message: fmt.Sprintf("الاسم أطول من %d حرف.", MaxNameLength)}
	}
	return name, nil
}

// linkLike finds what makes a name a link or an address: a URL scheme, a
// "www." host, an email address, or a host name such as evil.example or
// PAYPAL.COM (a dot between letters, then a top-level domain in one case).
var linkLike = regexp.MustCompile(`(?i:[a-z][a-z0-9+.-]*:/|www\.)|@|[\p{L}\p{N}-]\.(?:[a-z]{2,63}|[A-Z]{2,63})(?:[^\p{L}]|$)`)

// CleanSignUpName is CleanName with the rules of a name that anyone may
// type into the public form: no link, host name or email address, so that
// the name cannot carry an advertisement or pose as a sender.
func CleanSignUpName(name string) (string, error) {
	name, err := CleanName(name)
	if err != nil {
		return "", err
	}
	if linkLike.MatchString(name) {
		return "", &InputError{Field: "name", Message: "اكتب اسمك فقط، من غير روابط أو عناوين بريد أو مواقع."}
	}
	return name, nil
}

// CleanEmail normalises an address (store.NormalizeEmail) or explains in
// Arabic what is wrong with it.
func CleanEmail(email string) (string, error) {
	if strings.TrimSpace(email) == "" {
		return "", &InputError{Field: "email", Message: "اكتب عنوان بريدك الإلكتروني."}
	}
	if len(email) > store.MaxEmailLength+2 {
		return "", &InputError{Field: "email", Message: "عنوان البريد أطول من المسموح."}
	}
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		return "", &InputError{Field: "email", Message: "عنوان البريد غير صالح. مثال صحيح: name@example.com"}
	}
	return norm, nil
}

// Validate checks and normalises a sign-up; errors are *InputError.
func (s *Service) Validate(ctx context.Context, in SignUp) (SignUp, error) {
	email, err := CleanEmail(in.Email)
	if err != nil {
		return in, err
	}
	name, err := CleanSignUpName(in.Name)
	if err != nil {
		return in, err
	}
	if in.Follow != nil {
		follow, err := s.cleanFollow(ctx, in.Follow)
		if err != nil {
			return in, err
		}
		return SignUp{Email: email, Name: name, Follow: follow}, nil
	}
	cats, err := s.cleanCategories(ctx, in.Categories)
	if err != nil {
		return in, err
	}
	return SignUp{Email: email, Name: name, Categories: cats}, nil
}

// Subscribe handles a sign-up. Whatever the address's state, the caller
// shows the same answer ("check your inbox"), and one email goes out: a
// confirmation link for a new, pending, unsubscribed or bounced address,
// a note with the preferences link for one already confirmed. A new
// address is stored pending with the name, newsletters and categories
// given; an existing record is left as it is (a later sign-up, by anyone,
// changes neither a pending reader's name nor their choices), except that
// a reader who left keeps the newsletters and categories given for the day
// they confirm (store SetReturnChoice; the latest sign-up's choice wins).
// At most MailsPerDay emails go to one address in 24 hours.
// Errors are *InputError for bad input, otherwise internal.
func (s *Service) Subscribe(ctx context.Context, in SignUp) error {
	in, err := s.Validate(ctx, in)
	if err != nil {
		return err
	}
	sub := &store.Subscriber{Email: in.Email, Name: in.Name, Categories: in.Categories,
		Status: store.StatusPending, Source: store.SourceForm, Follow: in.Follow}
	_, err = s.st.AddSubscriber(ctx, sub)
	switch {
	case errors.Is(err, store.ErrUnsubscribed):
		// sub holds the stored record; confirming will bring it back,
		// following what this form chose.
		follow := in.Follow
		if follow == nil {
			follow = []store.Subscription{{Categories: in.Categories}}
		}
		if err := s.st.SetReturnChoice(ctx, sub.ID, follow); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	case errors.Is(err, store.ErrBounced):
		// sub holds the stored record; confirming will bring it back.
	case err != nil:
		return fmt.Errorf("subscribe: %w", err)
	}
	return s.mailConfirm(ctx, sub)
}

// mailConfirm sends sub's confirmation email (sendConfirm) unless the
// address had MailsPerDay of them in the last 24 hours.
func (s *Service) mailConfirm(ctx context.Context, sub *store.Subscriber) error {
	ok, err := s.Allow(ctx, "confirm-mail:"+store.EmailKey(sub.Email), 24*time.Hour, s.o.MailsPerDay)
	if err != nil {
		return err
	}
	if !ok {
		s.o.Log.Info("confirmation email withheld (too many for this address today)", "subscriber", sub.ID)
		return nil
	}
	return s.sendConfirm(ctx, sub)
}

// ResendConfirm answers a genuine confirmation link, expired or not, with
// a fresh email to the address it names: a new confirmation link, or the
// preferences link for a reader already confirmed (as a sign-up would,
// within the same per-address limit). The link's holder gets no new link
// on the page; only the mailbox does. A tampered link gives
// ErrInvalidToken.
func (s *Service) ResendConfirm(ctx context.Context, token string) error {
	_, sub, err := s.lookup(ctx, token, PurposeConfirm)
	if err != nil && !errors.Is(err, ErrExpiredToken) {
		return err
	}
	return s.mailConfirm(ctx, sub)
}

// sendConfirm mails sub a confirmation link, or the preferences link when
// already confirmed. The email names no one: whoever signed up may have
// typed any name, and it is not the reader's until they confirm.
func (s *Service) sendConfirm(ctx context.Context, sub *store.Subscriber) error {
	now := s.o.Now()
	d := templates.ConfirmData{SiteTitle: s.o.SiteTitle, BaseURL: s.o.BaseURL, Valid: s.o.TokenTTL}
	kind := "confirm"
	if sub.Status == store.StatusConfirmed {
		d.PreferencesURL = s.links.Preferences(sub)
		kind = "already"
	} else {
		d.ConfirmURL = s.ConfirmURL(sub)
	}
	html, text, err := s.mail.Render(d)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	raw, err := s.comp.Render(mailer.Message{
		FromAddr: s.o.FromAddr, FromName: s.o.FromName, ReplyTo: s.o.ReplyTo,
		To:      sub.Email,
		Subject: d.Subject(), Text: text, HTML: html,
		MessageID: mailer.MessageID(kind+"/"+now.Format(time.RFC3339Nano), sub.Email, s.o.MessageDomain),
		Date:      now,
	})
	if err != nil {
		return fmt.Errorf("subscribe: compose confirmation: %w", err)
	}
	if err := s.tr.Send(ctx, mailer.Envelope{From: s.o.FromAddr, To: []string{sub.Email}}, raw); err != nil {
		return fmt.Errorf("subscribe: send confirmation: %w", err)
	}
	return nil
}

// Allow spends one request of the rate-limit bucket key, which holds burst
// requests and regains one every interval, in the database: every process
// on it shares the bucket.
func (s *Service) Allow(ctx context.Context, key string, every time.Duration, burst int) (bool, error) {
	ok, err := s.st.TakeRate(ctx, key, every, burst, s.o.Now())
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	return ok, nil
}

// Purge erases the sign-ups left unconfirmed for longer than PendingTTL
// and forgets the rate-limit buckets that are full again; serve runs it
// every hour. It returns how many sign-ups it erased.
func (s *Service) Purge(ctx context.Context) (int, error) {
	now := s.o.Now()
	n, err := s.st.PurgePending(ctx, now.Add(-s.o.PendingTTL))
	if err != nil {
		return 0, fmt.Errorf("subscribe: purge: %w", err)
	}
	if _, err := s.st.PurgeRates(ctx, now); err != nil {
		return n, fmt.Errorf("subscribe: purge: %w", err)
	}
	return n, nil
}

// ConfirmURL is the double opt-in link of sub, valid for TokenTTL.
func (s *Service) ConfirmURL(sub *store.Subscriber) string {
	t := s.tokens.Issue(PurposeConfirm, sub.ID, sub.Email, s.o.Now(), s.o.TokenTTL)
	return s.o.BaseURL + "/confirm?t=" + url.QueryEscape(t)
}

// Outcome says what a confirmation did.
type Outcome int

// Confirmation outcomes.
const (
	// Confirmed: a pending subscriber is now confirmed.
	Confirmed Outcome = iota
	// AlreadyConfirmed: the link was used before (a replay); nothing changed.
	AlreadyConfirmed
	// Rejoined: an address that had left or bounced is confirmed again.
	Rejoined
	// LeftSince: the link predates the reader's unsubscribing; nothing changed.
	LeftSince
)

// lookup parses token, loads the subscriber it names and verifies it for
// purpose p. An expired but genuine token returns the subscriber with
// ErrExpiredToken.
func (s *Service) lookup(ctx context.Context, token string, p Purpose) (*Token, *store.Subscriber, error) {
	tok, err := Parse(token)
	if err != nil {
		return nil, nil, err
	}
	sub, err := s.st.GetSubscriber(ctx, tok.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("subscribe: %w", err)
	}
	if err := s.tokens.Verify(tok, p, sub.Email, s.o.Now()); err != nil {
		if errors.Is(err, ErrExpiredToken) {
			return tok, sub, err
		}
		return nil, nil, err
	}
	return tok, sub, nil
}

// CheckConfirm says what Confirm would do with token, changing nothing.
// The page behind a confirmation link calls it and shows a button; only the
// button's POST confirms, so that mail scanners and link previews, which
// open every link in a message, subscribe no one.
func (s *Service) CheckConfirm(ctx context.Context, token string) (Outcome, *store.Subscriber, error) {
	return s.confirmOutcome(ctx, token)
}

// Confirm applies a confirmation link. A replayed link gives
// AlreadyConfirmed while it is valid; an expired one gives ErrExpiredToken
// whatever the reader's state. A link issued after the reader
// unsubscribed (they signed up again) brings them back; an older one does
// not.
func (s *Service) Confirm(ctx context.Context, token string) (Outcome, *store.Subscriber, error) {
	out, sub, err := s.confirmOutcome(ctx, token)
	if err != nil || (out != Confirmed && out != Rejoined) {
		return out, sub, err
	}
	sub.Status, sub.ConfirmedAt, sub.UnsubscribedAt = store.StatusConfirmed, time.Time{}, time.Time{}
	sub.Bounces, sub.Paused = 0, false
	if err := s.st.UpdateSubscriber(ctx, sub); err != nil {
		return 0, nil, fmt.Errorf("subscribe: confirm: %w", err)
	}
	return out, sub, nil
}

// confirmOutcome is what a confirmation link does to the subscriber it
// names in their current state.
func (s *Service) confirmOutcome(ctx context.Context, token string) (Outcome, *store.Subscriber, error) {
	tok, sub, err := s.lookup(ctx, token, PurposeConfirm)
	if err != nil {
		return 0, nil, err
	}
	switch sub.Status {
	case store.StatusConfirmed:
		return AlreadyConfirmed, sub, nil
	case store.StatusUnsubscribed:
		if tok.Issued.Before(sub.UnsubscribedAt.Truncate(time.Millisecond)) {
			return LeftSince, sub, nil
		}
		return Rejoined, sub, nil
	case store.StatusBounced:
		return Rejoined, sub, nil
	}
	return Confirmed, sub, nil
}

// Preferences returns the subscriber a preferences link names.
func (s *Service) Preferences(ctx context.Context, token string) (*store.Subscriber, error) {
	_, sub, err := s.lookup(ctx, token, PurposePreferences)
	return sub, err
}

// ErrNotSubscribed: preferences cannot be saved for someone who left.
var ErrNotSubscribed = errors.New("subscribe: not subscribed")

// Prefs is what the preferences form sends.
type Prefs struct {
	// Categories are the default newsletter's when Follow is nil (the
	// form of a site with one newsletter).
	Categories []string
	// Follow lists the newsletters the reader keeps, each with its
	// categories (as SignUp.Follow); the others are left.
	Follow []store.Subscription
	Paused bool
}

// SavePreferences sets the newsletters, their categories (none = all) and
// the pause of the subscriber a preferences link names. Only confirmed
// subscribers (paused or not) have preferences: others get
// ErrNotSubscribed.
func (s *Service) SavePreferences(ctx context.Context, token string, p Prefs) (*store.Subscriber, error) {
	_, sub, err := s.lookup(ctx, token, PurposePreferences)
	if err != nil {
		return sub, err
	}
	if sub.Status != store.StatusConfirmed {
		return sub, ErrNotSubscribed
	}
	if p.Follow == nil {
		cats, err := s.cleanCategories(ctx, p.Categories)
		if err != nil {
			return sub, err
		}
		sub.Categories, sub.Paused = cats, p.Paused
		if err := s.st.UpdateSubscriber(ctx, sub); err != nil {
			return nil, fmt.Errorf("subscribe: preferences: %w", err)
		}
		return sub, nil
	}
	follow, err := s.cleanFollow(ctx, p.Follow)
	if err != nil {
		return sub, err
	}
	sub.Paused = p.Paused
	if err := s.st.UpdateSubscriber(ctx, sub); err != nil {
		return nil, fmt.Errorf("subscribe: preferences: %w", err)
	}
	if err := s.setFollow(ctx, sub, follow); err != nil {
		return nil, fmt.Errorf("subscribe: preferences: %w", err)
	}
	cur, err := s.st.GetSubscriber(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: preferences: %w", err)
	}
	return cur, nil
}

// LeaveAll takes the "leave all" button of the preferences page: the
// subscriber a preferences link names leaves every newsletter and is
// marked unsubscribed (the record stays).
func (s *Service) LeaveAll(ctx context.Context, token string) (*store.Subscriber, error) {
	_, sub, err := s.lookup(ctx, token, PurposePreferences)
	if err != nil {
		return sub, err
	}
	if sub.Status == store.StatusUnsubscribed {
		return sub, nil
	}
	sub.Status, sub.UnsubscribedAt, sub.Paused = store.StatusUnsubscribed, time.Time{}, false
	if err := s.st.UpdateSubscriber(ctx, sub); err != nil {
		return nil, fmt.Errorf("subscribe: leave all: %w", err)
	}
	subs, err := s.st.Subscriptions(ctx, sub.ID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: leave all: %w", err)
	}
	for _, f := range subs {
		if f.Status != store.Subscribed {
			continue
		}
		if _, err := s.st.Unsubscribe(ctx, sub.ID, f.Newsletter); err != nil {
			return nil, fmt.Errorf("subscribe: leave all: %w", err)
		}
	}
	s.o.Log.Info("unsubscribed from every newsletter", "subscriber", sub.ID)
	return sub, nil
}

// CheckUnsubscribe returns the subscriber an unsubscribe link names,
// without changing anything (the page with the button).
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (*store.Subscriber, error) {
	_, sub, err := s.lookup(ctx, token, PurposeUnsubscribe)
	return sub, err
}

// Unsubscribe applies an unsubscribe link: the subscriber leaves the
// newsletter the link names (the default one for a link that names none,
// as every link did before there were several), and the record is marked
// unsubscribed when it was the last one. Doing it twice is harmless;
// already reports that nothing changed (the reader had left that
// newsletter, or never followed it).
func (s *Service) Unsubscribe(ctx context.Context, token string) (sub *store.Subscriber, already bool, err error) {
	tok, sub, err := s.lookup(ctx, token, PurposeUnsubscribe)
	if err != nil {
		return sub, false, err
	}
	if sub.Status == store.StatusUnsubscribed {
		return sub, true, nil
	}
	left, err := s.leave(ctx, sub, s.nls.StoreSlug(tok.Newsletter))
	if err != nil {
		return nil, false, fmt.Errorf("subscribe: unsubscribe: %w", err)
	}
	if left {
		s.o.Log.Info("unsubscribed", "subscriber", sub.ID, "newsletter", s.nls.ConfigSlug(tok.Newsletter))
	}
	return sub, !left, nil
}

// UnsubscribeNewsletter is the newsletter an unsubscribe link leaves.
func (s *Service) UnsubscribeNewsletter(token string) Newsletter {
	tok, err := Parse(token)
	if err != nil {
		return s.nls[0]
	}
	n, ok := s.nls.Find(tok.Newsletter)
	if !ok {
		return Newsletter{Slug: tok.Newsletter, Name: tok.Newsletter}
	}
	return n
}

// ResendConfirmation sends a pending subscriber a fresh confirmation
// email (for the console: a reader whose first one got lost).
func (s *Service) ResendConfirmation(ctx context.Context, sub *store.Subscriber) error {
	return s.sendConfirm(ctx, sub)
}
