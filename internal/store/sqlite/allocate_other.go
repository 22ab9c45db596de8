//go:build !linux

package sqlite

import "os"

// allocate gives f capacity bytes of disk by writing zeros.
func allocate(f *os.File, capacity int64) error {
	return writeZeros(f, capacity)
}
