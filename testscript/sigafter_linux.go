package testscript

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const sigafterUsage = "usage: sigafter SIG CMD [ARGS...]"

// sigafter runs CMD and sends it signal SIG once it has printed a line, so
// a transcript signals a command only when it is ready for it.
func sigafter(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, sigafterUsage)
		return 2
	}
	sig, err := parseSignal(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "sigafter: %v\n%s\n", err, sigafterUsage)
		return 2
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sigafter: %v\n", err)
		return 125
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, w, os.Stderr
	err = cmd.Start()
	w.Close()
	if err != nil {
		return childExit("sigafter", err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sent := false
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			os.Stdout.Write(buf[:n])
			if !sent && bytes.IndexByte(buf[:n], '\n') >= 0 {
				sent = true
				cmd.Process.Signal(sig)
			}
			if err != nil {
				return
			}
		}
	}()
	err = cmd.Wait()
	// A child of CMD may hold the pipe open: do not wait for it long.
	select {
	case <-copied:
	case <-time.After(time.Second):
	}
	return childExit("sigafter", err)
}

// parseSignal reads a signal as a number or a name, with or without SIG.
func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("no signal %d", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("no signal %q", s)
}
