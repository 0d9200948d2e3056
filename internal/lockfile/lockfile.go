// Package lockfile is how minidocker's stores serialise their changes
// between processes: flock(2) on a file, held as long as the file is
// open (in this process or, inherited across an exec, in the next
// program) and dropped by the kernel however the holder ends.
package lockfile

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Open opens (making it if need be) the lock file at path and locks it
// with how (LOCK_EX or LOCK_SH, waiting for other holders unless with
// LOCK_NB). Closing the file drops the lock.
func Open(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := Flock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Flock is flock(2) on f with how (LOCK_EX, LOCK_SH, with LOCK_NB or
// not), again when a signal interrupts the wait.
func Flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		}
		return nil
	}
}
