package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Envelope is the SMTP envelope: the return path and the recipients.
type Envelope struct {
	From string
	To   []string
}

// Transport delivers rendered messages. msg is sent byte for byte (a DKIM
// signature over it stays valid). Implementations are safe for concurrent use.
type Transport interface {
	// Send delivers msg. It must not keep msg, or anything sharing its
	// memory, after it returns: the caller may hand msg back to Recycle.
	Send(ctx context.Context, env Envelope, msg []byte) error
	Close() error
}

// Limiter paces sends. A shared implementation (a global rate across
// workers or processes) can be plugged into SMTPOptions.Limiter.
type Limiter interface {
	Wait(ctx context.Context) error
}

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("mailer: transport closed")

// SendError is a failed delivery attempt. Temporary means trying again later
// may succeed: 4xx replies, network failures, and failures that are not the
// recipient's fault (connecting, TLS, AUTH, MAIL FROM) — those must not mark
// a subscriber as failed. Permanent (not Temporary) is a 5xx reply to RCPT
// or DATA: the server refuses this recipient or this message.
type SendError struct {
	Code      int    // SMTP reply code; 0 for network errors
	Enhanced  string // enhanced status code, "5.1.1"; empty when not given
	Temporary bool
	Stage     string // "connect", "tls", "auth", "mail", "rcpt", "data", "write"
	Rcpt      string // the recipient a RCPT reply concerns
	Err       error
}

func (e *SendError) Error() string {
	s := "mailer: send"
	if e.Stage != "" {
		s += " (" + e.Stage + ")"
	}
	if e.Rcpt != "" {
		s += " to " + e.Rcpt
	}
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": %s %d", kind, e.Code)
		if e.Enhanced != "" {
			s += " " + e.Enhanced
		}
	} else {
		s += ": " + kind
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }

// sendErrors walks err (through Unwrap and joined errors) and returns every
// *SendError in it.
func sendErrors(err error) []*SendError {
	var out []*SendError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if se, ok := e.(*SendError); ok {
			out = append(out, se)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// IsPermanent reports whether err holds SendErrors and all of them are
// permanent: retrying the same message to the same recipients is useless.
func IsPermanent(err error) bool {
	ses := sendErrors(err)
	if len(ses) == 0 {
		return false
	}
	for _, se := range ses {
		if se.Temporary {
			return false
		}
	}
	return true
}

// IsTemporary reports whether err holds a temporary SendError, or is a
// network error or timeout: the send should be retried later. Context
// cancellation is neither temporary nor permanent.
func IsTemporary(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, se := range sendErrors(err) {
		if se.Temporary {
			return true
		}
	}
	if len(sendErrors(err)) > 0 {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// RateLimiter is a Limiter allowing perSecond sends per second, evenly
// spaced (a token bucket of depth one). It is safe for concurrent use and
// may be shared by several transports in one process.
type RateLimiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// NewRateLimiter returns a RateLimiter; perSecond <= 0 returns nil (no limit).
func NewRateLimiter(perSecond float64) *RateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &RateLimiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

// Wait blocks until the caller may send, or ctx ends.
func (l *RateLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if err := WaitSlot(ctx, time.Until(at)); err != nil {
		// Give the slot back if nobody queued behind it.
		l.mu.Lock()
		if l.next.Equal(at.Add(l.interval)) {
			l.next = at
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

// WaitSlot blocks until a slot reserved d from now comes (at once when d
// <= 0), or ctx ends (its error): the second half of a Limiter's Wait,
// after the slot is taken.
func WaitSlot(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
