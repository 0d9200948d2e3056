package cgroup

import (
	"errors"
	"fmt"
)

var (
	// ErrNoCgroup2 is a host without a cgroup2 mount.
	ErrNoCgroup2 = errors.New("no cgroup2 file system is mounted")
	// ErrUnavailable is a controller that cgroup v2 cannot use on this host.
	ErrUnavailable = errors.New("controller not available in cgroup v2")
	// ErrNotDelegated is an unprivileged caller without a cgroup of its own.
	ErrNotDelegated = errors.New("cgroup not delegated to this user")
	// ErrExists is a cgroup that already exists where a new one was asked for.
	ErrExists = errors.New("cgroup already exists")
	// ErrInvalid is a limit docker would refuse.
	ErrInvalid = errors.New("invalid resource limit")
	// ErrNotEmpty is a cgroup that still held processes when its removal gave up.
	ErrNotEmpty = errors.New("cgroup still has processes")
)

// UnavailableError says why a controller a limit needs cannot be used.
type UnavailableError struct {
	Controller string // as cgroup v2 names it: memory, cpu, io, pids, cpuset
	Mount      string // the cgroup2 mount
	Why        string
	Flag       string // the docker flag that asked for it, if known
}

func (e *UnavailableError) Error() string {
	s := e.Controller
	if e.Flag != "" {
		s = e.Flag + " needs the " + e.Controller + " controller"
	}
	return fmt.Sprintf("%s, which cgroup v2 cannot use here (cgroup2 mounted at %s): %s", s, e.Mount, e.Why)
}

func (e *UnavailableError) Unwrap() error { return ErrUnavailable }
