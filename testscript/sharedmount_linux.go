package testscript

import (
	ts "github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// cmdSharedmount makes DIR a mount of its own with shared propagation, as
// / is on a systemd host, until the script ends: sharedmount DIR. A
// runtime must cope: pivot_root refuses a new root under a shared mount,
// and mounts made there would propagate back to the host.
func cmdSharedmount(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! sharedmount")
	}
	if len(args) != 1 {
		s.Fatalf("usage: sharedmount DIR")
	}
	dir := s.MkAbs(args[0])
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		s.Fatalf("sharedmount: bind %s: %v", dir, err)
	}
	s.Defer(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	if err := unix.Mount("", dir, "", unix.MS_SHARED, ""); err != nil {
		s.Fatalf("sharedmount: make %s shared: %v", dir, err)
	}
}
