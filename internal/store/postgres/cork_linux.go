package postgres

import "syscall"

// cork sets TCP_CORK on the socket: while on, written bytes short of a
// full segment stay in the kernel; turning it off, or closing the socket,
// sends them.
func cork(rc syscall.RawConn, on bool) error {
	v := 0
	if on {
		v = 1
	}
	var err error
	if cerr := rc.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, v)
	}); cerr != nil {
		return cerr
	}
	return err
}
