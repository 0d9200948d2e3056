package testscript

import (
	"errors"
	"math/rand/v2"
	"strconv"

	ts "github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// cmdSysvshm makes a System V shared memory segment on the host, removed
// when the script ends, and sets VAR to its key as /proc/sysvipc/shm
// shows it: sysvshm VAR.
func cmdSysvshm(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! sysvshm")
	}
	if len(args) != 1 {
		s.Fatalf("usage: sysvshm VAR")
	}
	// Keys are shared by the whole host: try another on a collision.
	for range 16 {
		// Positive and at most 9 digits: /proc/sysvipc/shm prints it
		// right-aligned in 10 columns, so a space always comes before it.
		key := 1 + rand.IntN(999_999_999)
		id, err := unix.SysvShmGet(key, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			s.Fatalf("sysvshm: create segment: %v", err)
		}
		s.Defer(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
		s.Setenv(args[0], strconv.Itoa(key))
		return
	}
	s.Fatalf("sysvshm: create segment: every key tried is taken")
}
