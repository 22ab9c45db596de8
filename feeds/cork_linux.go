package feeds

import "syscall"

// cork holds back (on) or pushes (off) a partial TCP segment: net/http
// writes the header and a large body in two write calls, and with the
// connection corked they leave in one push, as nginx's writev does.
func cork(rc syscall.RawConn, on bool) {
	if on {
		rc.Control(corkOn) //nolint:errcheck // a connection that cannot cork is served uncorked
	} else {
		rc.Control(corkOff) //nolint:errcheck
	}
}

func corkOn(fd uintptr)  { syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1) } //nolint:errcheck
func corkOff(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 0) } //nolint:errcheck
