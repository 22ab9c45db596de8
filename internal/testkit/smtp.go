package testkit

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message an SMTPSink accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	// At is when the sink accepted it (after Delay).
	At time.Time
}

// SMTPSink is a real SMTP server (go-smtp) on 127.0.0.1 that records every
// message it accepts. Start it with StartSMTPSink; it closes when the test
// ends.
type SMTPSink struct {
	// Addr is where it listens, host:port; Host and Port are its parts, as
	// an SMTP client's options take them.
	Addr string
	Host string
	Port int
	// Fault, when set, answers RCPT TO for a recipient on its nth attempt
	// (1-based) with an error, or nil to accept.
	Fault func(rcpt string, attempt int) error
	// Delay is how long the server takes to accept each message's data.
	Delay time.Duration
	// OnMessage, when set, is called with each accepted message (its data
	// included) and the number accepted so far, before the server answers.
	OnMessage func(m Message, total int)
	// Discard drops each message's data once OnMessage has seen it (large
	// runs: the sink then keeps envelopes only).
	Discard bool

	mu       sync.Mutex
	msgs     []Message
	attempts map[string]int
}

// StartSMTPSink starts a sink answering with fault (nil: accept all) and
// taking delay over each message.
func StartSMTPSink(t testing.TB, fault func(rcpt string, attempt int) error, delay time.Duration) *SMTPSink {
	t.Helper()
	s := &SMTPSink{Fault: fault, Delay: delay, attempts: map[string]int{}}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	tcp := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = tcp.IP.String(), tcp.Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// NewSession implements smtp.Backend.
func (s *SMTPSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

// SetOnMessage sets OnMessage while the sink may be receiving.
func (s *SMTPSink) SetOnMessage(f func(m Message, total int)) {
	s.mu.Lock()
	s.OnMessage = f
	s.mu.Unlock()
}

// Messages returns a copy of what was accepted, in order.
func (s *SMTPSink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// PerRecipient counts accepted messages by recipient.
func (s *SMTPSink) PerRecipient() map[string]int {
	out := map[string]int{}
	for _, m := range s.Messages() {
		for _, r := range m.To {
			out[r]++
		}
	}
	return out
}

// Attempts counts the RCPT TO commands seen for rcpt, refused ones too.
func (s *SMTPSink) Attempts(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[rcpt]
}

type sinkSession struct {
	s    *SMTPSink
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.attempts[to]++
	n := ss.s.attempts[to]
	ss.s.mu.Unlock()
	if ss.s.Fault != nil {
		if err := ss.s.Fault(to, n); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(ss.s.Delay)
	m := Message{From: ss.from, To: append([]string(nil), ss.to...), Data: b, At: time.Now()}
	ss.s.mu.Lock()
	kept := m
	if ss.s.Discard {
		kept.Data = nil
	}
	ss.s.msgs = append(ss.s.msgs, kept)
	total, f := len(ss.s.msgs), ss.s.OnMessage
	ss.s.mu.Unlock()
	if f != nil {
		f(m, total)
	}
	return nil
}
