package mailer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// TLS policies for SMTPOptions.TLS.
const (
	TLSNone          = "none"          // plain SMTP, never STARTTLS
	TLSOpportunistic = "opportunistic" // STARTTLS when offered, certificate not checked (RFC 7435)
	TLSMandatory     = "mandatory"     // STARTTLS required, certificate verified
)

// SMTPOptions configures an SMTPTransport. The Password is never logged or
// printed: String redacts it.
type SMTPOptions struct {
	Host               string
	Port               int
	Username, Password string
	TLS                string        // none | opportunistic | mandatory (default mandatory)
	Pool               int           // connections kept open and used at once (default 4)
	Timeout            time.Duration // per SMTP step: dial, each command, the data (default 30s)
	HELO               string        // EHLO name (default: the host name)
	Rate               float64       // messages per second for this transport; 0 = unlimited

	// Limiter, when set, replaces Rate: plug a limiter shared by several
	// transports or workers here.
	Limiter Limiter
	// TLSConfig, when set, is used for STARTTLS (trusted roots, client
	// certificates); ServerName defaults to Host.
	TLSConfig *tls.Config
}

// String describes the options with the password redacted.
func (o SMTPOptions) String() string {
	pw := ""
	if o.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("smtp://%s@%s tls=%s pool=%d timeout=%s rate=%g password=%s",
		o.Username, net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), o.TLS, o.Pool, o.Timeout, o.Rate, pw)
}

// GoString redacts the password from %#v too.
func (o SMTPOptions) GoString() string { return "mailer.SMTPOptions{" + o.String() + "}" }

// SMTPTransport sends messages over a pool of reusable SMTP connections.
// It is safe for concurrent use; at most Pool sends run at once. A
// connection that fails is dropped and the next send dials a new one. The
// client is go-mail's smtp package (a net/smtp fork): go-mail's Client only
// sends *mail.Msg, while this writes the signed bytes unchanged.
type SMTPTransport struct {
	o       SMTPOptions
	addr    string
	limiter Limiter
	slots   chan struct{}

	mu     sync.Mutex
	idle   []*smtpConn
	closed bool

	// stepByStep turns PIPELINING off (tests of the step-by-step dialogue).
	stepByStep bool
}

type smtpConn struct {
	c    *smtp.Client
	raw  net.Conn
	tls  bool
	sent int
	// pipelining: the server offers PIPELINING; mailParams are the MAIL
	// FROM parameters go-mail's client would add (" BODY=8BITMIME").
	pipelining bool
	mailParams string
}

// NewSMTPTransport checks the options and returns a transport; it does not
// connect until the first Send.
func NewSMTPTransport(o SMTPOptions) (*SMTPTransport, error) {
	if o.Host == "" {
		return nil, errors.New("mailer: smtp: no host")
	}
	if o.Port == 0 {
		o.Port = 25
	}
	if o.Port < 1 || o.Port > 65535 {
		return nil, fmt.Errorf("mailer: smtp: port must be 1-65535, got %d", o.Port)
	}
	switch o.TLS {
	case "":
		o.TLS = TLSMandatory
	case TLSNone, TLSOpportunistic, TLSMandatory:
	default:
		return nil, fmt.Errorf("mailer: smtp: tls must be none, opportunistic or mandatory, got %q", o.TLS)
	}
	if o.Pool <= 0 {
		o.Pool = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.HELO == "" {
		o.HELO, _ = os.Hostname()
		if o.HELO == "" {
			o.HELO = "localhost"
		}
	}
	if strings.ContainsAny(o.HELO, " \r\n") {
		return nil, fmt.Errorf("mailer: smtp: invalid HELO name %q", o.HELO)
	}
	if o.Rate < 0 {
		return nil, fmt.Errorf("mailer: smtp: rate must be >= 0, got %g", o.Rate)
	}
	t := &SMTPTransport{
		o:       o,
		addr:    net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
		limiter: o.Limiter,
		slots:   make(chan struct{}, o.Pool),
	}
	if t.limiter == nil && o.Rate > 0 {
		t.limiter = NewRateLimiter(o.Rate)
	}
	return t, nil
}

// Send delivers msg to env.To. With several recipients, those accepted get
// the message and the refused ones come back as joined *SendErrors.
func (t *SMTPTransport) Send(ctx context.Context, env Envelope, msg []byte) error {
	return t.SendCommit(ctx, env, msg, nil)
}

// SendCommit is Send with a commit hook (see Committer): commit runs after
// the whole message is written and before the end-of-data mark.
func (t *SMTPTransport) SendCommit(ctx context.Context, env Envelope, msg []byte, commit func() error) error {
	if len(env.To) == 0 {
		return &SendError{Stage: "rcpt", Err: errors.New("no recipients")}
	}
	for _, a := range append([]string{env.From}, env.To...) {
		if strings.ContainsAny(a, "<>\r\n \t") {
			return &SendError{Stage: "mail", Err: fmt.Errorf("invalid envelope address %q", a)}
		}
	}
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("mailer: smtp: waiting for a connection: %w", ctx.Err())
	}
	defer func() { <-t.slots }()
	// The rate limit is taken once a connection slot is ours, so that the
	// message leaves right after its turn instead of queueing behind the
	// pool and going out in a burst with others.
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("mailer: smtp: rate limit: %w", err)
		}
	}

	for {
		sc, reused, err := t.get(ctx)
		if err != nil {
			return err
		}
		committed := false
		hook := func() error {
			if commit == nil {
				return nil
			}
			committed = true
			return commit()
		}
		broken, err := t.transact(ctx, sc, env, msg, hook)
		if broken {
			sc.raw.Close()
		} else {
			t.put(sc)
		}
		// A pooled connection the server has closed meanwhile fails at
		// MAIL FROM, before anything was accepted: take the next one or
		// dial. Each round drops one idle connection, so this ends.
		var se *SendError
		if !committed && reused && broken && ctx.Err() == nil &&
			errors.As(err, &se) && se.Stage == "mail" && (se.Code == 0 || se.Code == 421) {
			continue
		}
		return err
	}
}

// get returns an idle connection or dials a new one.
func (t *SMTPTransport) get(ctx context.Context) (*smtpConn, bool, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, false, ErrClosed
	}
	if n := len(t.idle); n > 0 {
		sc := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return sc, true, nil
	}
	t.mu.Unlock()
	sc, err := t.dial(ctx)
	return sc, false, err
}

func (t *SMTPTransport) put(sc *smtpConn) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		quit(sc, t.o.Timeout)
		return
	}
	t.idle = append(t.idle, sc)
	t.mu.Unlock()
}

// dial connects, says EHLO, starts TLS and authenticates as configured.
func (t *SMTPTransport) dial(ctx context.Context) (sc *smtpConn, err error) {
	d := net.Dialer{Timeout: t.o.Timeout}
	raw, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, &SendError{Stage: "connect", Temporary: true, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err()
		}
		if err != nil {
			raw.Close()
			if ctx.Err() != nil {
				err = fmt.Errorf("mailer: smtp: connect: %w", ctx.Err())
			}
		}
	}()
	raw.SetDeadline(time.Now().Add(t.o.Timeout))
	c, err := smtp.NewClient(raw, t.o.Host)
	if err != nil {
		return nil, replyError("connect", "", err, true)
	}
	c.SkipSMTPUTF8(true)
	if err := c.Hello(t.o.HELO); err != nil {
		return nil, replyError("connect", "", err, true)
	}
	sc = &smtpConn{c: c, raw: raw}
	if t.o.TLS != TLSNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			cfg := &tls.Config{ServerName: t.o.Host, MinVersion: tls.VersionTLS12}
			if t.o.TLSConfig != nil {
				cfg = t.o.TLSConfig.Clone()
				if cfg.ServerName == "" {
					cfg.ServerName = t.o.Host
				}
			}
			if t.o.TLS == TLSOpportunistic && t.o.TLSConfig == nil {
				// Encryption without authentication beats plain text.
				cfg.InsecureSkipVerify = true
			}
			raw.SetDeadline(time.Now().Add(t.o.Timeout))
			if err := c.StartTLS(cfg); err != nil {
				return nil, replyError("tls", "", err, true)
			}
			sc.tls = true
		} else if t.o.TLS == TLSMandatory {
			return nil, &SendError{Stage: "tls", Temporary: true,
				Err: fmt.Errorf("server %s does not offer STARTTLS and tls is mandatory", t.addr)}
		}
	}
	if t.o.Username != "" {
		raw.SetDeadline(time.Now().Add(t.o.Timeout))
		if err := t.auth(c); err != nil {
			return nil, err
		}
	}
	sc.pipelining, _ = c.Extension("PIPELINING")
	sc.pipelining = sc.pipelining && !t.stepByStep
	if ok, _ := c.Extension("8BITMIME"); ok {
		sc.mailParams = " BODY=8BITMIME"
	}
	raw.SetDeadline(time.Time{})
	return sc, nil
}

func (t *SMTPTransport) auth(c *smtp.Client) error {
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return &SendError{Stage: "auth", Temporary: true,
			Err: fmt.Errorf("server %s does not offer AUTH but a username is set", t.addr)}
	}
	var a smtp.Auth
	fields := strings.Fields(strings.ToUpper(mechs))
	has := func(m string) bool {
		for _, f := range fields {
			if f == m {
				return true
			}
		}
		return false
	}
	// go-mail's PLAIN and LOGIN refuse to send the password over a
	// connection that is neither TLS nor to localhost.
	switch {
	case has("PLAIN"):
		a = smtp.PlainAuth("", t.o.Username, t.o.Password, t.o.Host, false)
	case has("LOGIN"):
		a = smtp.LoginAuth(t.o.Username, t.o.Password, t.o.Host, false)
	default:
		return &SendError{Stage: "auth", Temporary: true,
			Err: fmt.Errorf("server %s offers AUTH %s; PLAIN or LOGIN needed", t.addr, mechs)}
	}
	if err := c.Auth(a); err != nil {
		// The error carries the server's reply, never the password.
		return replyError("auth", "", err, true)
	}
	return nil
}

// transact runs MAIL, RCPT… and DATA on sc, calling commit between the
// message and the end-of-data mark. broken reports that sc must not be
// reused.
func (t *SMTPTransport) transact(ctx context.Context, sc *smtpConn, env Envelope, msg []byte, commit func() error) (broken bool, err error) {
	stop := context.AfterFunc(ctx, func() { sc.raw.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			// ctx ended during the transaction: the connection is in an
			// unknown state. Report the cancellation unless the message
			// was already accepted.
			broken = true
			if err != nil {
				err = fmt.Errorf("mailer: smtp: %w (%w)", ctx.Err(), err)
			}
		}
	}()
	step := func() { sc.raw.SetDeadline(time.Now().Add(t.o.Timeout)) }

	if sc.pipelining {
		return t.pipelined(sc, env, msg, commit, step)
	}
	step()
	if err := sc.c.Mail("<" + env.From + ">"); err != nil {
		return isNetErr(err), replyError("mail", "", err, true)
	}
	refused, accepted, broken, err := rcptReplies(env.To, step, func(rcpt string) error { return sc.c.Rcpt("<" + rcpt + ">") })
	if err != nil {
		return broken, err
	}
	if accepted == 0 {
		return sc.endRefused(step, refused)
	}
	step()
	w, err := sc.c.Data()
	if err != nil {
		return isNetErr(err) || code(err) == 421, replyError("data", "", err, false)
	}
	if _, err := w.Write(msg); err != nil {
		return true, replyError("data", "", err, false)
	}
	if err := commit(); err != nil {
		// Closing without the end-of-data mark: the server drops it.
		return true, fmt.Errorf("%w: %w", ErrCommit, err)
	}
	// The server may take a while after the final dot (filters, fsync).
	sc.raw.SetDeadline(time.Now().Add(2 * t.o.Timeout))
	if err := w.Close(); err != nil {
		return isNetErr(err) || code(err) == 421, replyError("data", "", err, false)
	}
	sc.raw.SetDeadline(time.Time{})
	sc.sent++
	return false, errors.Join(refused...)
}

// pipelined is transact on a server that offers PIPELINING (RFC 2920):
// MAIL, the RCPTs and DATA go out in one write and their replies are read
// in order, so a message costs two round trips instead of three or more.
// The commands, the replies' meaning and the errors are those of the
// step-by-step dialogue.
func (t *SMTPTransport) pipelined(sc *smtpConn, env Envelope, msg []byte, commit func() error, step func()) (broken bool, err error) {
	text := sc.c.Text
	step()
	w := text.W
	w.WriteString("MAIL FROM:<" + env.From + ">" + sc.mailParams + "\r\n")
	for _, rcpt := range env.To {
		w.WriteString("RCPT TO:<" + rcpt + ">\r\n")
	}
	w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		return true, replyError("mail", "", err, true)
	}

	_, _, mailErr := text.ReadResponse(250)
	if isNetErr(mailErr) {
		return true, replyError("mail", "", mailErr, true)
	}
	if mailErr != nil {
		return drainAfterMail(text, len(env.To), step, mailErr)
	}
	refused, accepted, broken, err := rcptReplies(env.To, step, func(string) error {
		_, _, err := text.ReadResponse(25)
		return err
	})
	if err != nil {
		return broken, err
	}
	step()
	_, _, dataErr := text.ReadResponse(354)
	if accepted == 0 {
		if dataErr == nil || isNetErr(dataErr) {
			return true, errors.Join(refused...)
		}
		// As step by step: end the transaction for the next one.
		return sc.endRefused(step, refused)
	}
	if dataErr != nil {
		return isNetErr(dataErr) || code(dataErr) == 421, replyError("data", "", dataErr, false)
	}

	step()
	if err := writeData(text, msg); err != nil {
		return true, replyError("data", "", err, false)
	}
	// The message is on the wire; the end-of-data mark waits in the
	// buffer (three bytes: nothing flushes it) and the deadline for the
	// reply is set (the server may take a while after the final dot:
	// filters, fsync), so that once the commit mark is durable the next
	// thing this goroutine does is the write that ends the data.
	sc.raw.SetDeadline(time.Now().Add(2 * t.o.Timeout))
	w.WriteString(".\r\n")
	if err := commit(); err != nil {
		// Closing without the end-of-data mark (still in the buffer,
		// dropped with the connection): the server drops the message.
		return true, fmt.Errorf("%w: %w", ErrCommit, err)
	}
	if err := w.Flush(); err != nil {
		return true, replyError("data", "", err, false)
	}
	if _, _, err := text.ReadResponse(250); err != nil {
		return isNetErr(err) || code(err) == 421, replyError("data", "", err, false)
	}
	sc.raw.SetDeadline(time.Time{})
	sc.sent++
	return false, errors.Join(refused...)
}

// endRefused ends a transaction in which every recipient was refused
// with RSET, so that the connection serves the next one; the refusals are
// the error. The connection is broken if RSET fails.
func (sc *smtpConn) endRefused(step func(), refused []error) (broken bool, err error) {
	step()
	if err := sc.c.Reset(); err != nil {
		return true, errors.Join(refused...)
	}
	sc.raw.SetDeadline(time.Time{})
	return false, errors.Join(refused...)
}

// drainAfterMail reads, after a pipelined MAIL was refused with mailErr,
// the server's answers to the rcpts RCPTs and to DATA (errors, 503), so
// that the connection can serve again. A server that wants the message
// after all is stopped by closing the connection.
func drainAfterMail(text *textproto.Conn, rcpts int, step func(), mailErr error) (broken bool, err error) {
	for range rcpts {
		step()
		if _, _, err := text.ReadResponse(25); isNetErr(err) {
			return true, replyError("mail", "", mailErr, true)
		}
	}
	step()
	_, _, dataErr := text.ReadResponse(354)
	return dataErr == nil || isNetErr(dataErr) || code(mailErr) == 421, replyError("mail", "", mailErr, true)
}

// writeData writes msg as the DATA content up to, not including, the
// end-of-data mark, and flushes it: the bytes of textproto's DotWriter
// (leading dots doubled, bare LF as CRLF), ending with CRLF. A message
// with CRLF line ends and no line starting with a dot, as the Composer
// writes them, goes out as it is.
func writeData(text *textproto.Conn, msg []byte) error {
	if plainData(msg) {
		if _, err := text.W.Write(msg); err != nil {
			return err
		}
		return text.W.Flush()
	}
	// The general case: DotWriter's bytes, less its ".\r\n", which
	// Close writes last (it flushes everything before it).
	var b bytes.Buffer
	dw := textproto.NewWriter(bufio.NewWriter(&b)).DotWriter()
	if _, err := dw.Write(msg); err != nil {
		return err
	}
	if err := dw.Close(); err != nil {
		return err
	}
	if _, err := text.W.Write(bytes.TrimSuffix(b.Bytes(), []byte(".\r\n"))); err != nil {
		return err
	}
	return text.W.Flush()
}

// plainData reports whether DotWriter would send msg unchanged with CRLF
// ending it: every LF preceded by CR, every CR followed by LF, no line
// (the first included) starting with a dot, the last line ended.
func plainData(msg []byte) bool {
	if len(msg) < 2 || msg[0] == '.' || !bytes.HasSuffix(msg, []byte("\r\n")) {
		return false
	}
	lf := 0
	for i := 0; ; {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			break
		}
		i += j
		if i == 0 || msg[i-1] != '\r' || (i+1 < len(msg) && msg[i+1] == '.') {
			return false
		}
		lf++
		i++
	}
	return bytes.Count(msg, []byte{'\r'}) == lf
}

// rcptReplies takes the reply to each RCPT (reply sends it, or reads its
// pipelined answer). A refused recipient is collected and the others go
// on; a network error or a 421 ends the transaction (broken: the
// connection is not reused).
func rcptReplies(to []string, step func(), reply func(rcpt string) error) (refused []error, accepted int, broken bool, err error) {
	for _, rcpt := range to {
		step()
		if err := reply(rcpt); err != nil {
			if isNetErr(err) {
				return refused, accepted, true, replyError("rcpt", rcpt, err, false)
			}
			refused = append(refused, replyError("rcpt", rcpt, err, false))
			if code(err) == 421 {
				return refused, accepted, true, errors.Join(refused...)
			}
			continue
		}
		accepted++
	}
	return refused, accepted, false, nil
}

// Close quits the idle connections; sends in flight finish and their
// connections are closed after them. Send returns ErrClosed afterwards.
func (t *SMTPTransport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, sc := range idle {
		quit(sc, t.o.Timeout)
	}
	return nil
}

func quit(sc *smtpConn, timeout time.Duration) {
	sc.raw.SetDeadline(time.Now().Add(timeout))
	_ = sc.c.Quit()
	sc.raw.Close()
}

// replyError maps an SMTP reply or a network error to a *SendError. A 4xx
// reply is temporary, a 5xx permanent, except at the stages that are not
// about the recipient or the message (connect, tls, auth, mail: notAboutRcpt),
// which are always reported as temporary so that no subscriber is marked
// failed because of a configuration or server problem.
func replyError(stage, rcpt string, err error, notAboutRcpt bool) *SendError {
	se := &SendError{Stage: stage, Rcpt: rcpt, Temporary: true, Err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
		se.Enhanced = enhancedCode(te.Msg)
		se.Temporary = notAboutRcpt || te.Code/100 != 5
	}
	return se
}

// enhancedCode returns the RFC 3463 status code at the start of a reply text.
func enhancedCode(msg string) string {
	f, _, _ := strings.Cut(msg, " ")
	parts := strings.Split(f, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return ""
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil || len(p) == 0 || len(p) > 3 {
			return ""
		}
	}
	return f
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// isNetErr reports an error that is not an SMTP reply: the connection is
// unusable.
func isNetErr(err error) bool {
	var te *textproto.Error
	return err != nil && !errors.As(err, &te)
}
