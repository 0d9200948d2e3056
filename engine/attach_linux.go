package engine

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// Session is a container started attached: this process supervises it
// (docker run without -d, docker start -a). Its end is this process's
// to record, so the container dies with it (the init's parent-death
// signal) and a cleaner removes its cgroup if this process is killed.
type Session struct {
	s   *supervisor
	Pid int      // the init's
	Pty *os.File // the terminal's master, with -t: resize it to follow ours
}

// StartAttached starts the created or exited container c with a's files
// as its stdio.
func (e *Engine) StartAttached(ctx context.Context, c *Container, a Attach) (*Session, error) {
	s, err := e.begin(ctx, c, a, true)
	if err != nil {
		return nil, err
	}
	return &Session{s: s, Pid: s.p.Pid, Pty: s.p.Pty}, nil
}

// Signal sends sig to the container's init (through its pidfd: never to
// a process that took its PID after it).
func (ss *Session) Signal(sig unix.Signal) error { return ss.s.p.Signal(sig) }

// Wait copies the container's output until it exits, records its end and
// returns its exit code.
func (ss *Session) Wait() (int, error) {
	ss.s.watch()
	return ss.s.finish(ss.s.p.Wait())
}
