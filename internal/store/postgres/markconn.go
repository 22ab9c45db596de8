package postgres

import (
	"crypto/tls"
	"net"
	"syscall"
)

// markConn is a connection to the server (under TLS, if any) whose output
// the kernel can be told to hold (hold, TCP_CORK) and then send (release).
// The commit mark is written held, so that writing it wakes nothing: a
// write the server reads at once wakes its backend, and on a busy host the
// sending thread can lose its CPU to it until long after, before it writes
// the SMTP end of data; a kill meanwhile skipped the reader
// (docs/delivery.md). Held bytes still leave if the process dies: closing
// the socket sends them with its FIN. Linux holds them for at most 200 ms;
// a release later than that finds them sent already, as before holding.
type markConn struct {
	net.Conn
	rc syscall.RawConn // nil: no file descriptor, nothing can be held
}

func newMarkConn(c net.Conn) *markConn {
	mc := &markConn{Conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		mc.rc, _ = sc.SyscallConn()
	}
	return mc
}

// markConnOf returns the markConn under c (pgconn's connection), or nil.
func markConnOf(c net.Conn) *markConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	mc, _ := c.(*markConn)
	return mc
}

// hold makes the kernel keep what is written next until release, and
// reports whether it will (a Unix socket, or another system, cannot).
func (c *markConn) hold() bool {
	return c != nil && c.rc != nil && cork(c.rc, true) == nil
}

// release sends what was held and writes as usual again.
func (c *markConn) release() error {
	return cork(c.rc, false)
}
