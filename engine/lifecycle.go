package engine

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/minidocker/minidocker/ns"
)

// StopTimeout is how long stop waits before SIGKILL: --time, else the
// container's --stop-timeout, else docker's 10 seconds.
func StopTimeout(c *Container, flag *int) time.Duration {
	switch {
	case flag != nil:
		return time.Duration(*flag) * time.Second
	case c.StopTimeout != nil:
		return time.Duration(*c.StopTimeout) * time.Second
	}
	return 10 * time.Second
}

// RemoveOptions are docker rm's flags.
type RemoveOptions struct {
	Force   bool // kill it first if it runs
	Volumes bool // remove its anonymous volumes too
}

// Process is one row of docker top.
type Process struct {
	UID, PID, PPID int
	Start          time.Time
	TTY            string
	CPU            time.Duration
	Cmd            string
}

// Attach is the caller's stdio for an attached container; nil files are
// not attached (a container without -i reads /dev/null).
type Attach struct {
	Stdin, Stdout, Stderr *os.File
}

// ExitEngineCode is the exit code docker gives for err: the init's own
// (126, 127) or 125.
func ExitEngineCode(err error) int {
	var se *ns.StartError
	if errors.As(err, &se) {
		return se.Code
	}
	return ns.ExitEngine
}

// FinishError is what went wrong after the container's command ran: its
// exit code still stands.
type FinishError struct {
	Code  int
	OOM   bool
	Limit int64
	Errs  []error
}

func (e *FinishError) Error() string {
	if e.OOM && len(e.Errs) == 0 {
		return fmt.Sprintf("the container ran out of memory: the kernel's OOM killer killed a process in it (memory limit %d bytes; memory.events oom_kill)", e.Limit)
	}
	return fmt.Sprint(e.Errs)
}

// ExecOptions are docker exec's flags.
type ExecOptions struct {
	Cmd         []string
	Env         []string // KEY=VALUE, on top of the container's
	WorkingDir  string
	User        string
	Tty         bool
	ConsoleSize ns.ConsoleSize
}
