//go:build !linux

package feeds

import "syscall"

// cork does nothing where TCP_CORK is missing: the body follows its header
// in a second push.
func cork(syscall.RawConn, bool) {}
