package cgroup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Freeze stops every process in the cgroup and returns once the kernel
// says they are all stopped (cgroup.events "frozen 1").
func (c *Cgroup) Freeze(ctx context.Context) error {
	return c.setFrozen(ctx, "1", 1)
}

// Thaw lets the cgroup's processes run again.
func (c *Cgroup) Thaw(ctx context.Context) error {
	return c.setFrozen(ctx, "0", 0)
}

func (c *Cgroup) setFrozen(ctx context.Context, v string, want uint64) error {
	if err := writeFile(filepath.Join(c.Dir(), "cgroup.freeze"), []byte(v)); err != nil {
		return fmt.Errorf("write cgroup.freeze: %w", err)
	}
	if err := c.waitEvent(ctx, "frozen", want); err != nil {
		return fmt.Errorf("wait for cgroup.events frozen %d: %w", want, err)
	}
	return nil
}

// Kill sends SIGKILL to every process in the cgroup and below it at once,
// by cgroup.kill (Linux 5.14): no process can fork away meanwhile. Older
// kernels get the same by freezing, killing each and thawing.
func (c *Cgroup) Kill() error {
	err := writeFile(filepath.Join(c.Dir(), "cgroup.kill"), []byte("1"))
	if !errors.Is(err, fs.ErrNotExist) {
		if err != nil {
			return fmt.Errorf("write cgroup.kill: %w", err)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Freeze(ctx); err != nil {
		return err
	}
	pids, err := c.Procs()
	for _, pid := range pids {
		unix.Kill(pid, unix.SIGKILL)
	}
	if terr := c.Thaw(ctx); err == nil {
		err = terr
	}
	return err
}

// Remove waits for the cgroup to be empty and removes it with any cgroups
// below it. rmdir of a cgroup whose last process has exited but not yet
// been released fails with EBUSY for a moment: that is retried.
func (c *Cgroup) Remove(ctx context.Context) error {
	if _, err := os.Stat(c.Dir()); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := c.waitEvent(ctx, "populated", 0); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return fmt.Errorf("remove cgroup %s: %w", c.Dir(), ErrNotEmpty)
		}
		return fmt.Errorf("remove cgroup %s: %w", c.Dir(), err)
	}
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := removeTree(c.Dir())
		if !errors.Is(err, unix.EBUSY) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("remove cgroup %s: %w", c.Dir(), err)
		case <-time.After(delay):
		}
	}
}

// removeTree removes a cgroup and its children, deepest first. A cgroup's
// directory holds only the kernel's interface files, which go with it.
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := unix.Rmdir(dir); err != nil && err != unix.ENOENT {
		return fmt.Errorf("rmdir %s: %w", dir, err)
	}
	return nil
}

// waitEvent waits until cgroup.events has key = want. The kernel signals a
// change of that file as POLLPRI to poll(2) on it (and as IN_MODIFY to
// inotify), so this sleeps in poll until the change, not in a loop. Not
// inotify: closing an inotify instance waits for an SRCU grace period,
// about 15 ms here, on every call. The file is read again after 1, 2, 4 ...
// ms as well: the kernel sends at most one notification per file every
// 10 ms.
func (c *Cgroup) waitEvent(ctx context.Context, key string, want uint64) error {
	file := filepath.Join(c.Dir(), "cgroup.events")
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for wake := time.Millisecond; ; wake = min(2*wake, time.Second) {
		// Reading from the start re-arms the fd: poll reports changes made
		// after the last read.
		n, err := f.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			return fmt.Errorf("read %s: %w", file, err)
		}
		ev, err := parseFlat(file, buf[:n])
		if err != nil {
			return err
		}
		if ev[key] == want {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		timeout := wake // short enough to notice ctx ending, too
		if d, ok := ctx.Deadline(); ok {
			timeout = min(timeout, time.Until(d))
		}
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLPRI}}
		if _, err := unix.Poll(fds, max(int(timeout.Milliseconds()), 1)); err != nil && err != unix.EINTR {
			return fmt.Errorf("poll %s: %w", file, err)
		}
	}
}
