package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// allocate gives f capacity bytes of disk: fallocate(2), or zeros written
// where the file system does not offer it.
func allocate(f *os.File, capacity int64) error {
	err := syscall.Fallocate(int(f.Fd()), 0, 0, capacity)
	if !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
		return err
	}
	return writeZeros(f, capacity)
}
