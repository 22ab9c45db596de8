package feeds

import (
	"context"
	"net"
	"syscall"
)

// connKey is the context key under which ConnContext stores a connection.
type connKey struct{}

// ConnContext is for http.Server.ConnContext: it records each TCP
// connection in its requests' context so that serving a file can send the
// header and the body as one TCP push (see cork) instead of two.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return ctx
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, rc)
}

// rawConn returns the connection ConnContext recorded, or nil.
func rawConn(ctx context.Context) syscall.RawConn {
	rc, _ := ctx.Value(connKey{}).(syscall.RawConn)
	return rc
}
