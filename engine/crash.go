package engine

import (
	"os"
	"syscall"
)

// crashEnv names a point at which crashAt kills this process: the crash
// tests' fault injection. A kill -9 that lands there by chance leaves the
// same state; the variable makes it land there every time.
const crashEnv = "MINIDOCKER_CRASH_AT"

// crashAt kills this process with SIGKILL, with no chance to clean up,
// if $MINIDOCKER_CRASH_AT is point.
func crashAt(point string) {
	if os.Getenv(crashEnv) == point {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
