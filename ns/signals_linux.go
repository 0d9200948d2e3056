package ns

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RawSignals is a fork of a Go program letting go of Go's signal
// handling: every signal's action back to SIG_DFL (SIGPIPE's to SIG_IGN
// with ignorePipe: a write to a reader that left is then an error, not a
// death), then the signal mask set to mask. The handlers point into the
// parent's runtime, which the fork does not have. Raw system calls only.
//
//go:nosplit
//go:norace
func RawSignals(mask *unix.Sigset_t, ignorePipe bool) {
	var act [4]uint64 // struct sigaction { handler, flags, restorer, mask }
	for sig := uintptr(1); sig <= 64; sig++ {
		act[0] = 0 // SIG_DFL
		if ignorePipe && sig == uintptr(unix.SIGPIPE) {
			act[0] = 1 // SIG_IGN
		}
		syscall.RawSyscall6(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	}
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(mask)), 0, 8, 0, 0)
}
