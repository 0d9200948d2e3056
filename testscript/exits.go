package testscript

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// cmdExits runs a program like exec and wants exactly its exit status:
// exits N CMD [ARGS...].
func cmdExits(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! exits")
	}
	const usage = "usage: exits N CMD [ARGS...] (N from 0 to 255)"
	if len(args) < 2 {
		s.Fatalf(usage)
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 || want > 255 {
		s.Fatalf(usage)
	}
	err = s.Exec(args[1], args[2:]...)
	if err != nil {
		s.Logf("[%v]", err)
	}
	got, ok := exitStatus(err)
	if !ok {
		s.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		s.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// exitStatus returns the status a shell reports for a finished command:
// its exit code, or 128+N if signal N killed it. ok is false if err says
// the command did not run or did not finish.
func exitStatus(err error) (status int, ok bool) {
	if err == nil {
		return 0, true
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	if ws, isWS := ee.Sys().(syscall.WaitStatus); isWS && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ee.ExitCode(), true
}

// childExit is the exit code of a program that ran cmd for the script:
// cmd's own status, else 127 or 126 as a shell says "not found" or
// "cannot run", with the reason on stderr.
func childExit(prog string, err error) int {
	if status, ok := exitStatus(err); ok {
		return status
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return 127
	}
	return 126
}
