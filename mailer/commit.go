package mailer

// This file was added by the delivery work (internal/delivery) for
// exactly-once sends. It belongs with smtp.go; the owner of smtp.go may fold
// transactCommit into transact (transact == transactCommit with a nil hook).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Committer is a Transport that can run a hook at the last moment before
// the server takes responsibility for a message: after the whole message
// has been written and before the end-of-data mark ("." on its own line)
// that makes the server accept it. When commit returns an error the mark is
// never sent and the connection is closed, so the server discards the
// message. A delivery ledger uses it to record "about to be accepted"
// durably, which shrinks the window in which a crash leaves it unsure
// whether the server has the message to the few microseconds between that
// record and one write on the socket.
type Committer interface {
	SendCommit(ctx context.Context, env Envelope, msg []byte, commit func() error) error
}

// ErrCommit wraps the error of a commit hook: the message was not sent.
var ErrCommit = errors.New("mailer: commit hook failed; message not sent")

// SendCommit is Send with a commit hook (see Committer).
func (t *SMTPTransport) SendCommit(ctx context.Context, env Envelope, msg []byte, commit func() error) error {
	if len(env.To) == 0 {
		return &SendError{Stage: "rcpt", Err: errors.New("no recipients")}
	}
	for _, a := range append([]string{env.From}, env.To...) {
		if strings.ContainsAny(a, "<>\r\n \t") {
			return &SendError{Stage: "mail", Err: fmt.Errorf("invalid envelope address %q", a)}
		}
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("mailer: smtp: rate limit: %w", err)
		}
	}
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("mailer: smtp: waiting for a connection: %w", ctx.Err())
	}
	defer func() { <-t.slots }()

	for attempt := 0; ; attempt++ {
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
		broken, err := t.transactCommit(ctx, sc, env, msg, hook)
		if broken {
			sc.raw.Close()
		} else {
			t.put(sc)
		}
		var se *SendError
		if !committed && reused && attempt == 0 && broken && ctx.Err() == nil &&
			errors.As(err, &se) && se.Stage == "mail" && (se.Code == 0 || se.Code == 421) {
			continue
		}
		return err
	}
}

// transactCommit is transact with a hook between the message and the
// end-of-data mark.
func (t *SMTPTransport) transactCommit(ctx context.Context, sc *smtpConn, env Envelope, msg []byte, commit func() error) (broken bool, err error) {
	stop := context.AfterFunc(ctx, func() { sc.raw.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			broken = true
			if err != nil {
				err = fmt.Errorf("mailer: smtp: %w (%w)", ctx.Err(), err)
			}
		}
	}()
	step := func() { sc.raw.SetDeadline(time.Now().Add(t.o.Timeout)) }

	step()
	if err := sc.c.Mail("<" + env.From + ">"); err != nil {
		return isNetErr(err), replyError("mail", "", err, true)
	}
	var refused []error
	accepted := 0
	for _, rcpt := range env.To {
		step()
		if err := sc.c.Rcpt("<" + rcpt + ">"); err != nil {
			if isNetErr(err) {
				return true, replyError("rcpt", rcpt, err, false)
			}
			refused = append(refused, replyError("rcpt", rcpt, err, false))
			if code(err) == 421 {
				return true, errors.Join(refused...)
			}
			continue
		}
		accepted++
	}
	if accepted == 0 {
		step()
		if err := sc.c.Reset(); err != nil {
			return true, errors.Join(refused...)
		}
		sc.raw.SetDeadline(time.Time{})
		return false, errors.Join(refused...)
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
	sc.raw.SetDeadline(time.Now().Add(2 * t.o.Timeout))
	if err := w.Close(); err != nil {
		return isNetErr(err) || code(err) == 421, replyError("data", "", err, false)
	}
	sc.raw.SetDeadline(time.Time{})
	sc.sent++
	return false, errors.Join(refused...)
}
