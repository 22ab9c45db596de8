package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/nashra/nashra/feeds"
)

// FastPath has the server answer GET and HEAD requests for the files of a
// feeds.Handler — the feeds and the index, which readers poll all day — on
// the connection itself, with the response head prepared when the feeds
// were built and header and body written in one call, instead of through
// net/http's per-request parsing, header map and buffered writer. The
// response is the one net/http would give through Server (same headers,
// security headers included, same 304, HEAD and gzip). Anything else it
// hands, with the connection and the bytes read so far, to net/http for
// good: other paths and methods, HTTP/2 or HTTP/0.9, a body, Expect or
// Upgrade, a header it does not parse strictly, a request head over 4 KiB.
type FastPath struct {
	Feeds *feeds.Handler
	// Count, when set, records each request answered here, as Instrument
	// records the others.
	Count RequestCounter
}

// fastBuf is the read buffer of a connection: a request head that does
// not fit goes to net/http.
const fastBuf = 4 << 10

// Connection states, for a graceful shutdown: idle connections (no
// request begun) are closed, active ones finish their response first.
const (
	connIdle int32 = iota
	connActive
	connClosed
)

// fastServer accepts the connections of a listener and serves them with a
// FastPath, handing to http.Server (through handoff) those it does not.
type fastServer struct {
	fp                     *FastPath
	ln                     net.Listener
	handoff                *handoffListener
	header, idle, writeFor time.Duration
	log                    *slog.Logger

	closing atomic.Bool
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	heads   atomic.Pointer[fastExtra]
}

// fastExtra is what every fast response carries besides the file's own
// headers, formatted once a second: the Date line and the security headers;
// withClose adds Connection: close, keepAlive Connection: keep-alive.
type fastExtra struct {
	sec                        int64
	keep, withClose, keepAlive []byte
}

// securityLines are SetSecurityHeaders' headers as wire bytes, but
// X-Content-Type-Options, which the file's prepared head carries.
var securityLines = func() []byte {
	h := http.Header{}
	SetSecurityHeaders(h)
	delete(h, "X-Content-Type-Options")
	var b bytes.Buffer
	h.Write(&b) //nolint:errcheck // a bytes.Buffer does not fail
	return b.Bytes()
}()

func (s *fastServer) extra(now time.Time) *fastExtra {
	sec := now.Unix()
	if e := s.heads.Load(); e != nil && e.sec == sec {
		return e
	}
	b := append([]byte("Date: "), now.UTC().AppendFormat(nil, http.TimeFormat)...)
	b = append(b, "\r\n"...)
	b = append(b, securityLines...)
	e := &fastExtra{sec: sec, keep: b, withClose: append(b[:len(b):len(b)], "Connection: close\r\n"...),
		keepAlive: append(b[:len(b):len(b)], "Connection: keep-alive\r\n"...)}
	s.heads.Store(e)
	return e
}

// serve accepts connections until the listener is closed.
func (s *fastServer) serve() error {
	var delay time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return http.ErrServerClosed
			}
			// Out of file descriptors and the like: wait, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Error("accept", "err", err, "retry_in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		c := &fastConn{s: s, nc: nc, buf: make([]byte, fastBuf), first: true}
		if !s.track(c, true) {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

// track adds or removes c; it refuses new connections once closing.
func (s *fastServer) track(c *fastConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return true
	}
	if s.closing.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*fastConn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

// shutdown stops accepting, closes idle connections, and waits for the
// active ones to finish their response (and go idle) until ctx ends, when
// it closes them all.
func (s *fastServer) shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.ln.Close()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			if c.state.CompareAndSwap(connIdle, connClosed) {
				c.nc.Close()
			}
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for c := range s.conns {
				c.nc.Close()
			}
			s.mu.Unlock()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// fastConn is one connection served by the fast path.
type fastConn struct {
	s     *fastServer
	nc    net.Conn
	buf   []byte // buf[r:w] is read and not yet served
	r, w  int
	out   []byte      // the response head being written
	vecs  [2][]byte   // head and body, for one writev through vec
	vec   net.Buffers // (not reused: WriteTo consumes it)
	state atomic.Int32
	first bool // no request answered yet
	req   feeds.RawRequest
	conn  byte // the request's Connection header (connNone, connClose, connKeepAlive)

	rdKind       int // deadline set for reading: 0 none, 1 idle, 2 a request's head
	rdSet, wdSet time.Time
}

func (c *fastConn) serve() {
	defer func() {
		if c.nc != nil {
			c.state.Store(connClosed)
			c.nc.Close()
		}
		c.s.track(c, false)
	}()
	for {
		if c.r < c.w {
			n, ok := parseHead(c.buf[c.r:c.w], &c.req, &c.conn)
			switch {
			case ok && n > 0:
				if !c.respond(n) {
					return
				}
				continue
			case !ok:
				c.handOff()
				return
			}
			// Incomplete: read more, if there is room.
			if c.r > 0 {
				c.w = copy(c.buf, c.buf[c.r:c.w])
				c.r = 0
			}
			if c.w == len(c.buf) {
				c.handOff()
				return
			}
		}
		if !c.read() {
			return
		}
	}
}

// read waits for more of a request; false when the connection is done.
func (c *fastConn) read() bool {
	now := time.Now()
	waiting := c.r == c.w
	if waiting {
		c.r, c.w = 0, 0
	}
	if waiting && !c.first {
		// Between requests: IdleTimeout, renewed at most once a second.
		if c.rdKind != 1 || now.Sub(c.rdSet) >= time.Second {
			c.nc.SetReadDeadline(now.Add(c.s.idle)) //nolint:errcheck // fails only on a closed connection, which the read reports
			c.rdKind, c.rdSet = 1, now
		}
		c.state.Store(connIdle)
		if c.s.closing.Load() && c.state.CompareAndSwap(connIdle, connClosed) {
			return false
		}
	} else if c.rdKind != 2 {
		// A request's head (or the first one) must arrive within the
		// header timeout from its start.
		c.nc.SetReadDeadline(now.Add(c.s.header)) //nolint:errcheck
		c.rdKind, c.rdSet = 2, now
	}
	n, err := c.nc.Read(c.buf[c.w:])
	if n == 0 {
		return err == nil
	}
	if waiting && !c.state.CompareAndSwap(connIdle, connActive) {
		return false // closed by a shutdown
	}
	c.first = false
	c.w += n
	return true // an error comes again with the next read
}

// respond answers the request head of n bytes at buf[r:]; false when the
// connection is done (closed by request, written to in vain, or handed
// over).
func (c *fastConn) respond(n int) bool {
	now := time.Now()
	e := c.s.extra(now)
	// As net/http: HTTP/1.1 keeps the connection unless asked not to, and
	// says so when it closes; HTTP/1.0 closes it unless asked to keep it,
	// and says so when it keeps it.
	extra, closing := e.keep, c.conn == connClose
	switch {
	case c.req.HTTP10 && c.conn == connKeepAlive:
		extra = e.keepAlive
	case c.req.HTTP10:
		closing = true
	case closing:
		extra = e.withClose
	}
	head, f, status, body := c.s.fp.Feeds.AppendResponse(c.out[:0], &c.req, extra)
	if f == nil {
		c.handOff()
		return false
	}
	c.out = head
	counted := f.Path
	if c.req.Path == "/" {
		counted = "/"
	}
	c.req = feeds.RawRequest{} // its strings point into buf
	c.r += n
	if c.s.fp.Count != nil {
		c.s.fp.Count.Request(counted, status)
	}
	if c.rdKind == 2 {
		c.rdKind = 0 // the next request's head gets a deadline of its own
	}
	if now.Sub(c.wdSet) >= time.Second {
		c.nc.SetWriteDeadline(now.Add(c.s.writeFor)) //nolint:errcheck
		c.wdSet = now
	}
	var err error
	switch {
	case len(body) == 0:
		_, err = c.nc.Write(head)
	case len(body) < 2<<10:
		c.out = append(head, body...)
		_, err = c.nc.Write(c.out)
	default:
		c.vecs = [2][]byte{head, body}
		c.vec = c.vecs[:]
		_, err = c.vec.WriteTo(c.nc)
	}
	if err != nil {
		return false
	}
	if closing {
		c.closeGently()
		return false
	}
	return true
}

// closeGently ends a connection whose client asked for Connection: close:
// FIN first, then what the client still sends is read and dropped for a
// while, so that a reset does not destroy the response before it is read
// (as net/http does).
func (c *fastConn) closeGently() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()                                              //nolint:errcheck
		c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond)) //nolint:errcheck
		for {
			if _, err := c.nc.Read(c.buf); err != nil {
				break
			}
		}
	}
}

// handOff gives the connection, with the bytes read and not served, to
// net/http, which serves it from then on.
func (c *fastConn) handOff() {
	c.req = feeds.RawRequest{}
	rc := &replayConn{Conn: c.nc, pending: c.buf[c.r:c.w]}
	c.s.track(c, false) // before c.nc changes: shutdown reads it
	c.nc = nil
	rc.Conn.SetDeadline(time.Time{}) //nolint:errcheck // net/http sets its own
	select {
	case c.s.handoff.conns <- rc:
	case <-c.s.handoff.done:
		rc.Conn.Close()
	}
}

// handoffListener is the listener http.Server serves: the connections the
// fast path handed over.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// replayConn is a connection whose first bytes (read by the fast path)
// are read again from pending.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// SyscallConn reaches the TCP connection (feeds.ConnContext corks it).
func (c *replayConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// CloseWrite lets net/http half-close the connection after an error
// response, as it does with a TCP connection.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// Values of the Connection header parseHead accepts.
const (
	connNone byte = iota
	connClose
	connKeepAlive
)

// parseHead parses the request head at the start of b strictly: a GET or
// HEAD of an origin-form path in HTTP/1.1 (with a Host header) or HTTP/1.0,
// header lines as RFC 9112 has them, no body, no Expect or Upgrade, and
// Connection only keep-alive or close (conn). n is the head's length (0
// while incomplete); ok is false for anything else, which net/http then
// answers. r's strings point into b.
func parseHead(b []byte, r *feeds.RawRequest, conn *byte) (n int, ok bool) {
	end := bytes.Index(b, crlf2)
	if end < 0 {
		// Line ends other than CRLF are for net/http to judge.
		return 0, !bareLF(b)
	}
	head := b[:end+2] // lines, each ending in CRLF
	if bareLF(head) {
		return 0, false
	}
	*r, *conn = feeds.RawRequest{}, connNone
	line, rest := cutLine(head)
	if !parseRequestLine(line, r) {
		return 0, false
	}
	var seen uint8 // a bit per header parseHeaderLine reads, which may come once
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		if !parseHeaderLine(line, r, conn, &seen) {
			return 0, false
		}
	}
	if seen&hostSeen == 0 && !r.HTTP10 {
		return 0, false
	}
	return end + 4, true
}

// bareLF reports whether b has a line feed without its carriage return.
func bareLF(b []byte) bool {
	for i, ch := range b {
		if ch == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// parseRequestLine reads "GET|HEAD origin-form-path HTTP/1.1|HTTP/1.0"
// into r; false for any other request line.
func parseRequestLine(line []byte, r *feeds.RawRequest) bool {
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		line = line[4:]
	case bytes.HasPrefix(line, []byte("HEAD ")):
		line, r.Head = line[5:], true
	default:
		return false
	}
	target, ok := bytes.CutSuffix(line, []byte(" HTTP/1.1"))
	if !ok {
		target, r.HTTP10 = bytes.CutSuffix(line, []byte(" HTTP/1.0"))
		ok = r.HTTP10
	}
	if !ok || len(target) == 0 || target[0] != '/' {
		return false
	}
	path := target
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		path = target[:i]
		for _, ch := range target[i+1:] {
			if !queryByte[ch] {
				return false
			}
		}
	}
	for _, ch := range path {
		if !pathByte[ch] {
			return false
		}
	}
	r.Path = unsafeString(path)
	return true
}

// The headers parseHeaderLine reads, as bits of its seen set.
const (
	hostSeen uint8 = 1 << iota
	acceptEncodingSeen
	ifNoneMatchSeen
	ifModifiedSinceSeen
	connectionSeen
)

// parseHeaderLine reads one header line into r and conn, marking it in
// seen; false for a malformed line, a repeated header it reads, an empty
// conditional or encoding value, or a header that brings a body, Expect
// or Upgrade.
func parseHeaderLine(line []byte, r *feeds.RawRequest, conn *byte, seen *uint8) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name, value := line[:colon], trimOWS(line[colon+1:])
	for _, ch := range name {
		if !tokenByte[ch] {
			return false
		}
	}
	for _, ch := range value {
		if ch < ' ' && ch != '\t' || ch == 0x7f {
			return false
		}
	}
	var bit uint8
	switch {
	case asciiEqualFold(name, "host"):
		if len(value) == 0 {
			return false
		}
		for _, ch := range value {
			if !hostByte[ch] {
				return false
			}
		}
		bit = hostSeen
	case asciiEqualFold(name, "accept-encoding"):
		bit, r.AcceptEncoding = acceptEncodingSeen, unsafeString(value)
	case asciiEqualFold(name, "if-none-match"):
		bit, r.IfNoneMatch = ifNoneMatchSeen, unsafeString(value)
	case asciiEqualFold(name, "if-modified-since"):
		bit, r.IfModifiedSince = ifModifiedSinceSeen, unsafeString(value)
	case asciiEqualFold(name, "connection"):
		switch {
		case asciiEqualFold(value, "close"):
			*conn = connClose
		case asciiEqualFold(value, "keep-alive"):
			*conn = connKeepAlive
		default:
			return false
		}
		bit = connectionSeen
	case asciiEqualFold(name, "content-length"), asciiEqualFold(name, "transfer-encoding"),
		asciiEqualFold(name, "expect"), asciiEqualFold(name, "upgrade"):
		return false
	}
	if *seen&bit != 0 || (bit&(acceptEncodingSeen|ifNoneMatchSeen|ifModifiedSinceSeen) != 0 && len(value) == 0) {
		return false // repeated, or an empty value net/http would keep
	}
	*seen |= bit
	return true
}

var crlf2 = []byte("\r\n\r\n")

// cutLine splits b (lines each ending in CRLF) after its first line.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	return b[:i-1], b[i+1:]
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// asciiEqualFold compares b with lower, which is lower case.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

// unsafeString views b as a string without copying: the request's strings
// live as long as the bytes they were read into, until the request is
// answered (respond clears them).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Bytes allowed in a path the fast path serves (RFC 3986 pchar and '/',
// without '%': an escaped path goes to net/http), in a query, in a header
// name (RFC 9110 token) and in a Host.
var pathByte, queryByte, tokenByte, hostByte = func() (p, q, t, h [256]bool) {
	for ch := range 256 {
		alnum := 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9'
		p[ch] = alnum || bytes.IndexByte([]byte("-._~!$&'()*+,;=:@/"), byte(ch)) >= 0
		q[ch] = p[ch] || ch == '?' || ch == '%'
		t[ch] = alnum || bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), byte(ch)) >= 0
		h[ch] = alnum || bytes.IndexByte([]byte("-._:[]"), byte(ch)) >= 0
	}
	return
}()
