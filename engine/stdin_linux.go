package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// A detached container with -i reads its stdin from a pipe its monitor
// holds. To give it input later (docker attach, docker run -i through a
// daemon), the monitor also reads a FIFO in the container's directory,
// containers/ID/stdin, and copies what comes into that pipe (or into the
// terminal, with -t): whoever can open the FIFO can type into the
// container, as with containerd's shim, whose stdio are FIFOs too. The
// monitor holds the FIFO open for writing itself, so that a writer that
// leaves does not end the container's stdin; with StdinOnce (docker run
// -i) it does not, and the first writer's end is the container's EOF.

func stdinFifo(dir string) string { return filepath.Join(dir, "stdin") }

// openFifo makes the container's stdin FIFO afresh and opens it.
func (s *supervisor) openFifo() error {
	path := stdinFifo(s.c.Dir)
	os.Remove(path)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return fmt.Errorf("make stdin FIFO: %w", err)
	}
	// Non-blocking: opening for reading does not wait for a writer, and
	// poll(2) reports nothing until one has come (then POLLHUP once it
	// has gone).
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open stdin FIFO: %w", err)
	}
	s.fifo, s.stdin = os.NewFile(uintptr(fd), "stdin-fifo"), fd
	if !s.c.StdinOnce {
		hold, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			s.closeFifo()
			return fmt.Errorf("open stdin FIFO: %w", err)
		}
		s.fifoHold = os.NewFile(uintptr(hold), "stdin-fifo")
	}
	return nil
}

func (s *supervisor) closeFifo() {
	if s.fifo != nil {
		s.fifo.Close()
		s.fifo = nil
	}
	if s.fifoHold != nil {
		s.fifoHold.Close()
		s.fifoHold = nil
	}
}

// OpenStdin opens the running container's stdin for writing: what is
// written there, the container reads. Closing it ends the container's
// stdin if it was created with StdinOnce.
func (e *Engine) OpenStdin(c *Container) (*os.File, error) {
	if !c.OpenStdin {
		return nil, fmt.Errorf("%w: container %s was not created with -i: it has no stdin to write to", ErrInvalid, c.ID[:12])
	}
	// Non-blocking, the open fails (ENXIO) unless a monitor reads it.
	fd, err := unix.Open(stdinFifo(c.Dir), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("open stdin of container %s: %w", c.ID[:12], err)
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err == nil {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open stdin of container %s: %w", c.ID[:12], err)
	}
	return os.NewFile(uintptr(fd), "stdin"), nil
}
