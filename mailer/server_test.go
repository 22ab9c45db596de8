package mailer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test SMTP server got it.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// serverOpts configures a test SMTP server.
type serverOpts struct {
	TLS        bool           // offer STARTTLS with a self-signed certificate
	AuthMechs  []string       // "PLAIN", "LOGIN"; non-empty means AUTH is required
	User, Pass string         // accepted credentials
	RcptCodes  map[string]int // recipient -> reply code (451, 550…)
	DataCode   int            // reply to the final dot, 0 = 250
	DataDelay  chan struct{}  // when set, DATA waits for it to be closed
}

// testServer is a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1:0 that records what it receives.
type testServer struct {
	t    *testing.T
	o    serverOpts
	srv  *smtp.Server
	Host string
	Port int
	Pool *x509.CertPool // trusts the self-signed certificate

	mu        sync.Mutex
	msgs      []received
	sessions  int
	open      int
	maxOpen   int
	conns     []*smtp.Conn
	seen      map[*smtp.Conn]bool
	authFails int
}

func startServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	s := &testServer{t: t, o: o}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "mx.test.example"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxRecipients = 50
	if o.TLS {
		cert, pool := selfSigned(t)
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.Pool = pool
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	go s.srv.Serve(l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Messages returns a copy of what was received so far.
func (s *testServer) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *testServer) stats() (sessions, maxOpen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, s.maxOpen
}

// killConnections drops every open connection, as a restarting server would.
func (s *testServer) killConnections() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (s *testServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	// go-smtp starts a new session after STARTTLS on the same connection:
	// count connections, not sessions.
	if s.seen == nil {
		s.seen = map[*smtp.Conn]bool{}
	}
	if !s.seen[c] {
		s.seen[c] = true
		s.sessions++
	}
	s.open++
	if s.open > s.maxOpen {
		s.maxOpen = s.open
	}
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return &session{s: s, c: c}, nil
}

type session struct {
	s    *testServer
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (se *session) AuthMechanisms() []string { return se.s.o.AuthMechs }

func (se *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != se.s.o.User || pass != se.s.o.Pass {
			se.s.mu.Lock()
			se.s.authFails++
			se.s.mu.Unlock()
			return smtp.ErrAuthFailed
		}
		se.user = user
		return nil
	}
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case "LOGIN":
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(se.s.o.AuthMechs) > 0 && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if code := se.s.o.RcptCodes[to]; code != 0 {
		ec := smtp.EnhancedCode{code / 100, 1, 1}
		if code/100 == 4 {
			ec = smtp.EnhancedCode{4, 2, 1}
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: "test says no to " + to}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.s.o.DataDelay != nil {
		<-se.s.o.DataDelay
	}
	if c := se.s.o.DataCode; c != 0 {
		return &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{c / 100, 6, 0}, Message: "test refuses the message"}
	}
	_, isTLS := se.c.TLSConnectionState()
	se.s.mu.Lock()
	se.s.msgs = append(se.s.msgs, received{From: se.from, To: se.to, Data: data, TLS: isTLS, User: se.user})
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error {
	se.s.mu.Lock()
	se.s.open--
	se.s.mu.Unlock()
	return nil
}

// loginServer is the server side of AUTH LOGIN (go-sasl only has the client).
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if resp != nil {
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, true, errors.New("unexpected LOGIN step")
}

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test.example"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// transportFor returns an SMTPTransport to s, closed at the end of the test.
func transportFor(t *testing.T, s *testServer, o SMTPOptions) *SMTPTransport {
	t.Helper()
	o.Host, o.Port = s.Host, s.Port
	if o.TLS == "" {
		o.TLS = TLSNone
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.HELO == "" {
		o.HELO = "sender.test.example"
	}
	if s.Pool != nil && o.TLSConfig == nil && o.TLS == TLSMandatory {
		o.TLSConfig = &tls.Config{RootCAs: s.Pool}
	}
	tr, err := NewSMTPTransport(o)
	if err != nil {
		t.Fatal(err)
	}
	tr.stepByStep = testStepByStep
	t.Cleanup(func() { tr.Close() })
	return tr
}

func addrs(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i) + "@example.org"
	}
	return out
}
