// Package delivery sends the daily digest exactly once per subscriber on
// the River job queue.
//
// An edition job (EditionArgs, periodic on digest.schedule in the site time
// zone, or inserted by `nashra digest send`) builds the day's edition once,
// records it in the store's ledger, enqueues a ledger delivery for every
// confirmed, non-paused subscriber and inserts one send job (SendArgs) per
// subscriber, unique per (edition, subscriber). A send job claims its
// delivery in the ledger, renders the message (the edition filtered by the
// subscriber's categories, a deterministic Message-ID, signed unsubscribe
// links) and hands it to a mailer.Transport, recording the message's ID
// (the commit mark) just before the SMTP end of data. Which faults that
// survives, on each backend, and what the remaining windows cost is in
// docs/delivery.md.
package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
	"github.com/nashra/nashra/templates"
)

// ErrNoEdition is returned by Prepare when the day has no new articles
// (and digest.send_empty is off): there is nothing to send.
var ErrNoEdition = errors.New("delivery: no edition: no new articles")

// Options configure a Service. Zero values get the defaults noted.
type Options struct {
	// SiteTitle and BaseURL are site.title and site.base_url.
	SiteTitle, BaseURL string
	// FromAddr, FromName and ReplyTo come from mail.from, mail.from_name
	// and mail.reply_to.
	FromAddr, FromName, ReplyTo string
	// MessageDomain is the right-hand side of Message-IDs; "" = the
	// domain of FromAddr.
	MessageDomain string
	// ListID is the List-Id header; "" = "SiteTitle <daily.DOMAIN>".
	ListID string
	// MaxAttempts bounds the attempts per delivery (mail.max_attempts,
	// default 8); the last temporary failure marks it failed.
	MaxAttempts int
	// MaxBounces is mail.max_bounces: permanent failures before a
	// subscriber is marked bounced (0 = never).
	MaxBounces int
	// RetryBackoff is the wait before the first retry (default 1m); each
	// further retry waits twice as long, up to MaxBackoff (default 6h).
	RetryBackoff, MaxBackoff time.Duration
	// Digest builds editions (location, window, cap, related links…).
	Digest digest.Options
	// BatchSize is the number of subscribers enqueued per batch (default 500).
	BatchSize int
	// RequireApproval is digest.approval: required. An edition is then
	// held when built and goes out only once an editor approves it.
	RequireApproval bool
	// Newsletters are the site's newsletters, the default one first; none
	// means one, the single digest of Digest, RequireApproval, FromName
	// and ListID.
	Newsletters []Newsletter
	// MaxRendered bounds the messages Deliver holds rendered at once, from
	// rendering until the transport is done with them (0 = no bound).
	// Sending runs many more workers than SMTP connections, so that River
	// fetches and completes jobs in batches; without a bound each of them
	// would hold a rendered message while it waits for a connection.
	MaxRendered int
	// Now is the clock that decides editions' cut-offs (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Minute
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 6 * time.Hour
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MessageDomain == "" {
		if _, d, ok := strings.Cut(o.FromAddr, "@"); ok {
			o.MessageDomain = d
		}
	}
	if o.ListID == "" {
		d := o.MessageDomain
		if d == "" {
			d = "localhost"
		}
		o.ListID = "daily." + d
		if o.SiteTitle != "" {
			o.ListID = o.SiteTitle + " <daily." + d + ">"
		}
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

// Service renders and sends editions. It is safe for concurrent use.
type Service struct {
	st    store.Store
	tr    mailer.Transport
	comp  *mailer.Composer
	tpl   *templates.Set
	links Links
	o     Options
	nls   []Newsletter // Options.Newsletters with defaults, the default first

	gate gate // edition states as the workers see them
	// rendered holds a token per message rendered and not yet handed
	// back by the transport (Options.MaxRendered); nil: no bound.
	rendered chan struct{}

	mu       sync.Mutex
	editions map[string]*digest.Edition
	// parts caches, per edition and category choice, the filtered edition
	// and its prerendered email (templates.EditionEmail).
	parts map[partsKey]*editionParts
}

type partsKey struct {
	e    *digest.Edition
	cats string
}

// editionParts is an edition as the readers of one category choice get it.
type editionParts struct {
	fe      *digest.Edition
	subject string
	email   *templates.EditionEmail
}

// maxParts bounds the parts cache (editions × category choices).
const maxParts = 1024

// New returns a Service sending through tr.
func New(st store.Store, tr mailer.Transport, comp *mailer.Composer, tpl *templates.Set, links Links, o Options) (*Service, error) {
	if st == nil || comp == nil || tpl == nil || links == nil {
		return nil, errors.New("delivery: store, composer, templates and links are required")
	}
	if _, err := mail.ParseAddress(o.FromAddr); err != nil {
		return nil, fmt.Errorf("delivery: from address %q: %w", o.FromAddr, err)
	}
	o = o.withDefaults()
	s := &Service{st: st, tr: tr, comp: comp, tpl: tpl, links: links, o: o, nls: newslettersWithDefaults(o),
		editions: map[string]*digest.Edition{}, parts: map[partsKey]*editionParts{}}
	if o.MaxRendered > 0 {
		s.rendered = make(chan struct{}, o.MaxRendered)
	}
	return s, nil
}

// Options returns the options in effect (defaults filled).
func (s *Service) Options() Options { return s.o }

// Build builds the edition id (store.EditionID: a day for the default
// newsletter) over its window as if cut now, without storing anything
// (see Window).
func (s *Service) Build(ctx context.Context, id string) (*digest.Edition, error) {
	return s.BuildNow(ctx, id)
}

// Edition returns the recorded edition id, building and recording it
// when there is none yet (or only a state set ahead of the build). The
// first recorded copy wins: every later call, in any process, sends that
// one. A new edition starts scheduled; one held or approved ahead keeps
// its state.
func (s *Service) Edition(ctx context.Context, id string) (*store.Edition, *digest.Edition, error) {
	n, _, err := s.split(id)
	if err != nil {
		return nil, nil, err
	}
	se, err := s.st.GetEdition(ctx, id)
	if err == nil && se.Built() {
		e, err := s.decode(se)
		return se, e, err
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("delivery: %w", err)
	}
	built, err := s.BuildNow(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(built)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery: encode edition: %w", err)
	}
	sendAt, err := s.ScheduledCutoff(id)
	if err != nil {
		return nil, nil, err
	}
	se = &store.Edition{ID: id, Newsletter: n.Key(), Subject: digest.Subject(built, s.title(n)), Body: body,
		State: store.EditionScheduled, From: built.From, To: built.To, SendAt: sendAt}
	if _, err := s.st.CreateEdition(ctx, se); err != nil {
		return nil, nil, fmt.Errorf("delivery: %w", err)
	}
	e, err := s.decode(se)
	return se, e, err
}

// decode parses a recorded edition, caching it.
func (s *Service) decode(se *store.Edition) (*digest.Edition, error) {
	s.mu.Lock()
	e := s.editions[se.ID]
	s.mu.Unlock()
	if e != nil {
		return e, nil
	}
	e = new(digest.Edition)
	if err := json.Unmarshal(se.Body, e); err != nil {
		return nil, fmt.Errorf("delivery: edition %s: %w", se.ID, err)
	}
	s.mu.Lock()
	if len(s.editions) > 8 {
		clear(s.editions)
	}
	s.editions[se.ID] = e
	s.mu.Unlock()
	return e, nil
}

func (s *Service) edition(ctx context.Context, id string) (*digest.Edition, error) {
	s.mu.Lock()
	e := s.editions[id]
	s.mu.Unlock()
	if e != nil {
		return e, nil
	}
	se, err := s.st.GetEdition(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	return s.decode(se)
}

// JobInserter inserts one send job per subscriber of an edition, skipping
// jobs that exist already (Queue implements it on River).
type JobInserter interface {
	InsertSends(ctx context.Context, edition string, subs []store.Subscriber, maxAttempts int) error
}

// Prepared reports what Prepare did.
type Prepared struct {
	Edition *store.Edition
	// Enqueued counts deliveries added to the ledger by this call.
	Enqueued int
	// Recipients counts confirmed, non-paused subscribers seen.
	Recipients int
	// Started: this call moved the edition to sending (from scheduled or
	// approved); false when it was sending already (or paused, or sent),
	// so that a caller who asked to send it knows someone else did.
	Started bool
}

// Prepare records the edition id (building it once), moves it to
// sending as its state allows (ErrHeld when it waits for approval,
// ErrCancelled when cancelled) and enqueues a delivery and a send job for
// every recipient of its newsletter (store.Newsletters.ListRecipients),
// paging by ID in batches. It is idempotent: deliveries and jobs that exist already are skipped, so
// running it again after a crash completes what was missing and repeats
// nothing.
func (s *Service) Prepare(ctx context.Context, q JobInserter, id string) (*Prepared, error) {
	se, _, err := s.Edition(ctx, id)
	if err != nil {
		return nil, err
	}
	se, started, err := s.startMoved(ctx, se)
	if err != nil {
		return &Prepared{Edition: se}, err
	}
	p := &Prepared{Edition: se, Started: started}
	var after int64
	for {
		subs, err := s.st.ListRecipients(ctx, store.RecipientQuery{Newsletter: se.Newsletter, AfterID: after, Limit: s.o.BatchSize})
		if err != nil {
			return nil, fmt.Errorf("delivery: prepare %s: %w", id, err)
		}
		if len(subs) == 0 {
			break
		}
		after = subs[len(subs)-1].ID
		n, err := s.st.EnqueueDeliveries(ctx, id, subs)
		if err != nil {
			return nil, fmt.Errorf("delivery: prepare %s: %w", id, err)
		}
		p.Enqueued += n
		p.Recipients += len(subs)
		if err := q.InsertSends(ctx, id, subs, s.o.MaxAttempts); err != nil {
			return nil, fmt.Errorf("delivery: prepare %s: %w", id, err)
		}
	}
	if se2, err := s.st.GetEdition(ctx, id); err == nil {
		p.Edition = se2
	}
	return p, nil
}

// editionNewsletter is the slug of the newsletter an edition ID belongs to
// ("" = the default one, also for an ID of no known form): the newsletter
// its unsubscribe links leave.
func editionNewsletter(id string) string {
	nl, _, err := store.SplitEditionID(id)
	if err != nil {
		return ""
	}
	return nl
}

// messageID is the deterministic Message-ID of an edition for a subscriber.
func (s *Service) messageID(edition string, sub int64) string {
	return mailer.MessageID(edition, strconv.FormatInt(sub, 10), s.o.MessageDomain)
}

// Parts renders the HTML and text parts of edition e for subscriber sub
// (e already filtered) and returns the template data used.
func (s *Service) Parts(e *digest.Edition, sub *store.Subscriber) (html, text string, data templates.EmailData, err error) {
	n := s.newsletterOf(e)
	data = templates.EmailData{
		Edition:        e,
		SiteTitle:      s.title(n),
		BaseURL:        s.o.BaseURL,
		PreferencesURL: s.links.Preferences(sub),
		UnsubscribeURL: s.links.Unsubscribe(sub, editionNewsletter(e.ID)),
		Recipient:      sub.Name,
	}
	html, text, err = s.tpl.Email(data)
	if err != nil {
		return "", "", data, fmt.Errorf("delivery: render: %w", err)
	}
	return html, text, data, nil
}

// partsFor returns edition e filtered by the categories cats (e itself
// when there are none) and its prerendered email, cached.
func (s *Service) partsFor(e *digest.Edition, cats []string) *editionParts {
	var kb strings.Builder
	for _, c := range cats {
		kb.WriteString(strconv.Itoa(len(c)))
		kb.WriteByte(':')
		kb.WriteString(c)
	}
	k := partsKey{e: e, cats: kb.String()}
	s.mu.Lock()
	p := s.parts[k]
	s.mu.Unlock()
	if p != nil {
		return p
	}
	fe := e
	if len(cats) > 0 {
		fe = e.Filter(cats)
	}
	title := s.title(s.newsletterOf(e))
	p = &editionParts{
		fe:      fe,
		subject: templates.EmailData{Edition: fe, SiteTitle: title}.Subject(),
		email: s.tpl.NewEditionEmail(templates.EmailData{
			Edition: fe, SiteTitle: title, BaseURL: s.o.BaseURL,
		}),
	}
	s.mu.Lock()
	if q := s.parts[k]; q != nil {
		p = q
	} else {
		if len(s.parts) >= maxParts {
			clear(s.parts)
		}
		s.parts[k] = p
	}
	s.mu.Unlock()
	return p
}

// Render returns the message of edition e for subscriber sub and its
// Message-ID. ok is false when the subscriber's categories leave nothing.
// The parts are those of Parts (the same bytes), from the edition's
// prerendered email (templates.EditionEmail).
func (s *Service) Render(e *digest.Edition, sub *store.Subscriber) (msg []byte, messageID string, ok bool, err error) {
	return s.RenderAs(e, sub, RenderOptions{})
}

// RenderOptions vary a message from what the edition's reader gets: test
// sends, resends and previews.
type RenderOptions struct {
	// SubjectPrefix goes before the subject ("[تجربة] ").
	SubjectPrefix string
	// MessageID replaces the deterministic one (a resend needs its own:
	// receivers drop a repeated Message-ID).
	MessageID string
	// Headers are added to the message.
	Headers map[string]string
}

// RenderAs is Render with the variations of o.
func (s *Service) RenderAs(e *digest.Edition, sub *store.Subscriber, o RenderOptions) (msg []byte, messageID string, ok bool, err error) {
	p := s.partsFor(e, sub.Categories)
	if p.fe.Count == 0 && e.Count > 0 {
		return nil, "", false, nil
	}
	n, nl := s.newsletterOf(e), editionNewsletter(e.ID)
	unsub := s.links.Unsubscribe(sub, nl)
	html, text, err := p.email.Email(s.links.Preferences(sub), unsub, sub.Name)
	if err != nil {
		return nil, "", false, fmt.Errorf("delivery: render: %w", err)
	}
	mid := o.MessageID
	if mid == "" {
		mid = s.messageID(e.ID, sub.ID)
	}
	headers := map[string]string{"X-Nashra-Edition": e.ID}
	for k, v := range o.Headers {
		headers[k] = v
	}
	raw, err := s.comp.Render(mailer.Message{
		FromAddr:          s.o.FromAddr,
		FromName:          n.FromName,
		To:                sub.Email,
		ToName:            sub.Name,
		ReplyTo:           s.o.ReplyTo,
		Subject:           o.SubjectPrefix + p.subject,
		Text:              text,
		HTML:              html,
		MessageID:         mid,
		ListID:            n.ListID,
		UnsubscribeURL:    unsub,
		UnsubscribeMailto: s.links.Mailto(sub, nl),
		Headers:           headers,
	})
	if err != nil {
		return nil, "", false, fmt.Errorf("delivery: render: %w", err)
	}
	return raw, mid, true, nil
}

// MessageIDFor is a Message-ID on the site's domain for an edition and a
// key other than a subscriber's (a test send, a resend).
func (s *Service) MessageIDFor(edition, key string) string {
	return mailer.MessageID(edition, key, s.o.MessageDomain)
}

// SendNow hands one message to the transport at once, outside the queue
// and the ledger (test sends and resends; the caller records them).
func (s *Service) SendNow(ctx context.Context, to string, msg []byte) error {
	if s.tr == nil {
		return errors.New("delivery: no transport")
	}
	if err := s.tr.Send(ctx, mailer.Envelope{From: s.o.FromAddr, To: []string{to}}, msg); err != nil {
		return fmt.Errorf("delivery: send to %s: %w", to, err)
	}
	return nil
}

// Decode returns the built edition a recorded one holds.
func (s *Service) Decode(se *store.Edition) (*digest.Edition, error) { return s.decode(se) }

// Links returns the per-subscriber links the service puts in messages.
func (s *Service) Links() Links { return s.links }
