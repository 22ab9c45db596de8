//go:build !linux

package postgres

import (
	"errors"
	"syscall"
)

// cork is TCP_CORK on Linux; elsewhere nothing is held.
func cork(syscall.RawConn, bool) error { return errors.ErrUnsupported }
