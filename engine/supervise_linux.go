package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/internal/phase"
	"github.com/minidocker/minidocker/network"
)

// watch copies the container's output into its log (and to the attached
// caller) and the caller's terminal input to the container, until the
// container has exited and its output is drained. One poll(2) over every
// stream and the init's pidfd, one goroutine, and buffers made once: the
// monitor spends its life here.
func (s *supervisor) watch() {
	buf := make([]byte, 16<<10)
	var line []byte
	pidfd := s.p.PidFD()
	exited := false
	fds := make([]unix.PollFd, 0, 4)
	for {
		fds = fds[:0]
		for _, o := range s.outs {
			if o.fd >= 0 {
				fds = append(fds, unix.PollFd{Fd: int32(o.fd), Events: unix.POLLIN})
			}
		}
		open := len(fds)
		if open == 0 && (exited || pidfd < 0) {
			return
		}
		if s.stdin >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(s.stdin), Events: unix.POLLIN})
		}
		if !exited && pidfd >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(pidfd), Events: unix.POLLIN})
		}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		for _, pfd := range fds {
			if pfd.Revents == 0 {
				continue
			}
			switch {
			case int(pfd.Fd) == pidfd && !exited:
				// The init is gone, and with it (PID 1 of its namespace)
				// every process in the container: the pipes drain to EOF.
				exited = true
			case int(pfd.Fd) == s.stdin:
				n, err := unix.Read(s.stdin, buf)
				if n <= 0 && err != unix.EINTR && err != unix.EAGAIN {
					s.stdin = -1
					if s.fifo != nil && s.keepStdin != nil {
						// StdinOnce: the FIFO's writer left; the container
						// reads EOF.
						s.keepStdin.Close()
						s.keepStdin = nil
					}
					continue
				}
				if n > 0 {
					if s.p.Pty != nil {
						writeAll(int(s.p.Pty.Fd()), buf[:n])
					} else if s.keepStdin != nil {
						writeAll(int(s.keepStdin.Fd()), buf[:n])
					}
				}
			default:
				o := s.output(int(pfd.Fd))
				n, err := unix.Read(o.fd, buf)
				if n > 0 {
					line = o.stream.write(line[:0], buf[:n], time.Now(), false)
					writeAll(int(s.log.Fd()), line)
					if o.sink >= 0 && writeAll(o.sink, buf[:n]) != nil {
						o.sink = -1 // the caller went away; the log goes on
					}
					continue
				}
				if err == unix.EINTR || err == unix.EAGAIN {
					continue
				}
				// EOF, or EIO from a terminal whose last user has gone.
				line = o.stream.write(line[:0], nil, time.Now(), true)
				writeAll(int(s.log.Fd()), line)
				if o.fd != int(s.p.Pty.Fd()) {
					unix.Close(o.fd)
				}
				o.fd = -1
			}
		}
	}
}

func (s *supervisor) output(fd int) *output {
	for _, o := range s.outs {
		if o.fd == fd {
			return o
		}
	}
	return &output{fd: -1}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// finish records the container's end after watch, given the init's
// status (s.p.Wait, or the keeper's): an
// OOM kill noted, the cgroup removed, the state "exited" with the exit
// code, and with --rm the container removed. monitor.lock is dropped last,
// so a reader that finds it free finds the end recorded.
func (s *supervisor) finish(code int, err error) (int, error) {
	phase.Mark("cli: container exited")
	s.p.Close()
	crashAt("monitor-exited")
	if err != nil {
		code = -1
	}
	if s.keepStdin != nil {
		s.keepStdin.Close()
	}
	s.closeFifo()
	s.log.Close()
	if s.c.Config == nil {
		// monitor-finish (see MonitorFinish): the config is read only now.
		c, err := s.e.load(s.id)
		if err != nil {
			s.monitorLock.Close()
			return code, err
		}
		s.c = c
		if s.cgPath != "" {
			if host, err := detectCgroups(); err == nil {
				s.cg = cgroup.Load(host, s.cgPath)
			}
		}
	}
	oom := false
	var errs []error
	if s.c.sandboxed() && !s.c.AutoRemove { // (--rm: Release does it)
		if m, err := s.e.Networks(); err != nil {
			errs = append(errs, err)
		} else if err := m.Stop(s.c.ID); err != nil && !errors.Is(err, network.ErrNoContainer) {
			errs = append(errs, fmt.Errorf("stop the container's network: %w", err))
		}
		phase.Mark("cli: network stopped")
	}
	if s.cg != nil {
		oom = s.cg.OOMKilled()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if populated, _ := s.cg.Populated(); populated {
			s.cg.Kill()
		}
		if rerr := s.cg.Remove(ctx); rerr != nil {
			errs = append(errs, fmt.Errorf("remove the container's cgroup: %w", rerr))
		}
		cancel()
	}
	phase.Mark("cli: cgroup removed")
	if s.stopCleaner != nil {
		s.stopCleaner()
	}
	uerr := s.e.update(s.c, func(st *State) error {
		st.Status, st.Pid, st.PidStart, st.ExitCode, st.OOMKilled = Exited, 0, 0, code, oom
		st.FinishedAt = time.Now().UTC()
		if len(errs) > 0 {
			st.Error = errs[0].Error()
		} else {
			st.Cgroup = ""
		}
		return nil
	})
	if uerr != nil {
		errs = append(errs, uerr)
	}
	if oom {
		s.e.emit(s.c.Config, "oom", nil)
	}
	s.e.emit(s.c.Config, "die", map[string]string{"exitCode": strconv.Itoa(code)})
	if s.c.AutoRemove {
		// Under the store's lock, as rm: a create's check of names must
		// not see it half gone.
		unlock, rerr := s.e.lockStore()
		if rerr == nil {
			rerr = s.e.removeStopped(context.Background(), s.c, true)
			unlock()
		}
		if rerr != nil {
			errs = append(errs, rerr)
		}
	}
	s.monitorLock.Close()
	if err != nil {
		return code, err
	}
	if len(errs) > 0 {
		return code, &FinishError{Code: code, OOM: oom, Errs: errs}
	}
	if oom {
		return code, &FinishError{Code: code, OOM: true, Limit: s.c.Resources.Memory}
	}
	return code, nil
}
