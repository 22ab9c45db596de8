// Command relaysink is an SMTP server that accepts every message after a
// fixed delay, like a remote relay: bench/send-pg.sh uses it (RELAY_MS) to
// compare one and two nashra processes where the relay, not the CPU, is the
// limit — issue 6's "work really spreads" setting. It keeps nothing; on
// SIGTERM it prints how many messages it accepted.
//
//	go run ./bench/relaysink -addr 127.0.0.1:25262 -delay 20ms
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

type backend struct {
	delay    time.Duration
	accepted atomic.Int64
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct{ b *backend }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }

func (s *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	time.Sleep(s.b.delay)
	s.b.accepted.Add(1)
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:25262", "listen address")
	delay := flag.Duration("delay", 20*time.Millisecond, "wait before accepting each message")
	flag.Parse()
	b := &backend{delay: *delay}
	srv := smtp.NewServer(b)
	srv.Addr = *addr
	srv.Domain = "relay.bench"
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.AllowInsecureAuth = true
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && err != smtp.ErrServerClosed {
		log.Fatalf("relaysink: %v", err)
	}
	fmt.Printf("relaysink: %d messages accepted\n", b.accepted.Load())
}
