package engine

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/ns"
)

// startCleaner starts a process that removes the cgroup if this one dies
// without doing it (SIGKILL): `minidocker cgroup-cleanup PATH [ROOT]`, in
// its own process group, out of the terminal's reach. With ROOT, it also
// opens the root's network layer, which stops the dead container's
// sandbox (its published ports). Docker has the same job done by
// containerd's shim; a detached container's monitor needs none (rm -f
// does it, or the next command that opens the network layer).
//
// Most runs end well, and a second Go program starting beside the
// container's init cost 2 to 4 ms of its start on two cores. So the
// process is a fork that runs no Go: it waits, on raw system calls, on a
// pipe whose write end only this process holds. stop writes a byte (all
// done: it exits); if this process dies, the kernel closes the pipe, and
// on end of file the fork executes the cleaner proper.
func startCleaner(cg *cgroup.Cgroup, netRoot string) (stop func(), err error) {
	args := append([]string{CleanerArgs[0]}, CleanerArgs[1:]...)
	args = append(args, cg.Path())
	if netRoot != "" {
		args = append(args, netRoot)
	}
	c, err := newCleanerExec(args)
	if err != nil {
		return nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	pid, err := c.fork(p[0])
	unix.Close(p[0])
	if err != nil {
		unix.Close(p[1])
		return nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	return func() {
		unix.Write(p[1], []byte{0})
		unix.Close(p[1])
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
				return
			}
		}
	}, nil
}

// cleanerExec is what the fork needs, made before it: after the fork
// nothing may be allocated.
type cleanerExec struct {
	path, root, devNull *byte
	argv, env           []*byte
	maxFD               int
}

func newCleanerExec(args []string) (*cleanerExec, error) {
	var c cleanerExec
	var err error
	for _, s := range []struct {
		p **byte
		v string
	}{{&c.path, "/proc/self/exe"}, {&c.root, "/"}, {&c.devNull, "/dev/null"}} {
		if *s.p, err = unix.BytePtrFromString(s.v); err != nil {
			return nil, err
		}
	}
	if c.argv, err = syscall.SlicePtrFromStrings(args); err != nil {
		return nil, err
	}
	if c.env, err = syscall.SlicePtrFromStrings(os.Environ()); err != nil {
		return nil, err
	}
	var rl unix.Rlimit
	c.maxFD = 1024
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil && rl.Cur < 1<<20 {
		c.maxFD = int(rl.Cur)
	}
	return &c, nil
}

// fork starts the waiting child with in, the pipe's read end.
func (c *cleanerExec) fork(in int) (int, error) {
	// As ns.cloneExec: the child runs on a copy of this thread, with no
	// fd made meanwhile and no Go signal handler to run in it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		return 0, err
	}
	pid, errno := cleanerChild(c, in, &old)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	runtime.KeepAlive(c)
	if errno != 0 {
		return 0, errno
	}
	return int(pid), nil
}

// cleanerChild forks; the child waits for the byte or the end of file
// and, on the end of file, executes the cleaner. Raw system calls only,
// no allocation, no stack growth: there is no Go runtime behind it.
//
//go:nosplit
//go:norace
func cleanerChild(c *cleanerExec, in int, mask *unix.Sigset_t) (uintptr, syscall.Errno) {
	pid, _, errno := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 || pid != 0 {
		return pid, errno // the parent
	}
	syscall.RawSyscall(unix.SYS_SETPGID, 0, 0, 0)
	syscall.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(c.root)), 0, 0)
	// The pipe as stdin, /dev/null as stdout and stderr, nothing else: not
	// the write end (or the end of file never comes), nor a lock file.
	syscall.RawSyscall(unix.SYS_DUP3, uintptr(in), 0, 0)
	null, _, errno := syscall.RawSyscall6(unix.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(c.devNull)), unix.O_RDWR, 0, 0, 0)
	if errno == 0 {
		syscall.RawSyscall(unix.SYS_DUP3, null, 1, 0)
		syscall.RawSyscall(unix.SYS_DUP3, null, 2, 0)
	}
	if _, _, errno = syscall.RawSyscall(unix.SYS_CLOSE_RANGE, 3, ^uintptr(0), 0); errno != 0 {
		for fd := 3; fd < c.maxFD; fd++ { // before Linux 5.9
			syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
		}
	}
	ns.RawSignals(mask, false)
	var b [1]byte
	for {
		n, _, errno := syscall.RawSyscall(unix.SYS_READ, 0, uintptr(unsafe.Pointer(&b[0])), 1)
		if errno == unix.EINTR {
			continue
		}
		if n == 1 {
			cleanerExit(0) // the byte: all done
		}
		break
	}
	// The end of file: the process that made the cgroup is gone.
	syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(c.path)), uintptr(unsafe.Pointer(&c.argv[0])), uintptr(unsafe.Pointer(&c.env[0])))
	cleanerExit(127)
	return 0, 0
}

// atFDCWD is AT_FDCWD, a negative constant, for a system call's argument.
var atFDCWD = unix.AT_FDCWD

//go:nosplit
func cleanerExit(code uintptr) {
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, code, 0, 0)
	}
}
