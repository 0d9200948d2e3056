package ns

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Namespaces is the set of namespaces every container gets. A rootless
// container adds CLONE_NEWUSER, which the kernel creates first, so the other
// namespaces belong to it and the caller is root inside them.
const Namespaces = unix.CLONE_NEWNS | // mount table
	unix.CLONE_NEWUTS | // hostname
	unix.CLONE_NEWIPC | // SysV IPC and POSIX message queues
	unix.CLONE_NEWPID | // process IDs: the child is PID 1
	unix.CLONE_NEWNET | // network devices, addresses, ports
	unix.CLONE_NEWCGROUP // the view of /proc/self/cgroup

// cloneArgs is struct clone_args from <linux/sched.h>, the argument of clone3.
type cloneArgs struct {
	flags      uint64
	pidfd      uint64 // where the kernel stores a pidfd (CLONE_PIDFD)
	childTID   uint64
	parentTID  uint64
	exitSignal uint64 // signal sent to the parent when the child dies
	stack      uint64
	stackSize  uint64
	tls        uint64
	setTID     uint64
	setTIDSize uint64
	cgroup     uint64 // cgroup directory fd (CLONE_INTO_CGROUP)
}

// cloneExec starts path as a new process in new namespaces (flags), with
// argv and env, and fds[i] as its file descriptor i. If cgroupFD >= 0 the
// child is born inside that cgroup. If wait[0] >= 0 the child reads one
// byte from that pipe (read end wait[0], write end wait[1]) before exec: a
// user namespace must have its ID maps before exec, or exec computes the
// capabilities of an unmapped user (none). It returns the child's PID and a
// pidfd for it (-1 where the kernel has no clone3). With a keeper, the
// keeper clones it (see Keeper).
//
// It is fork+exec written out by hand: what os/exec does with
// SysProcAttr.Cloneflags, without the parts a container does not need.
func cloneExec(path string, argv, env []string, fds []int, flags uint64, cgroupFD int, wait [2]int, k *Keeper) (pid, pidfd int, err error) {
	// After clone the child may not allocate or grow its stack (it is a copy
	// of one thread of a Go program), so every C string is made here.
	pathp, err := unix.BytePtrFromString(path)
	if err != nil {
		return 0, -1, err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return 0, -1, err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return 0, -1, err
	}
	// Move the fds above len(fds) so the child can dup them into place
	// without one overwriting another.
	high := make([]int, len(fds))
	for i, fd := range fds {
		if high[i], err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, len(fds)); err != nil {
			closeAll(high[:i])
			return 0, -1, fmt.Errorf("dup fd %d: %w", fd, err)
		}
	}
	defer closeAll(high)

	pidfd32 := int32(-1)
	args := cloneArgs{
		flags:      flags | unix.CLONE_PIDFD,
		pidfd:      uint64(uintptr(unsafe.Pointer(&pidfd32))),
		exitSignal: uint64(unix.SIGCHLD),
	}
	if cgroupFD >= 0 {
		args.flags |= unix.CLONE_INTO_CGROUP
		args.cgroup = uint64(cgroupFD)
	}

	// The child runs on a copy of this thread: lock it, keep other
	// goroutines from making fds that are not close-on-exec (ForkLock), and
	// block signals so no Go signal handler runs in the child before exec.
	if k != nil {
		grow()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		return 0, -1, fmt.Errorf("block signals: %w", err)
	}
	fork := func() (uintptr, syscall.Errno) {
		if k == nil {
			return forkExec(&args, pathp, &argvp[0], &envp[0], high, wait, &old)
		}
		r, errno := keeperFork(k, &args, &pidfd32, pathp, &argvp[0], &envp[0], high, wait, &old)
		if errno != 0 {
			return 0, errno
		}
		init, errno := k.report(int(r))
		return uintptr(init), errno
	}
	r, errno := fork()
	if errno == unix.ENOSYS && cgroupFD < 0 {
		// No clone3 (before Linux 5.3, or a seccomp filter hides it): clone.
		args.flags &^= unix.CLONE_PIDFD
		pidfd32 = -1
		r, errno = fork()
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	runtime.KeepAlive(argvp)
	runtime.KeepAlive(envp)
	if errno != 0 {
		return 0, -1, fmt.Errorf("clone3: %w", errno)
	}
	if k != nil {
		// The keeper has the init's pidfd; this process opens its own.
		pidfd32 = -1
		if args.flags&unix.CLONE_PIDFD != 0 {
			if fd, err := unix.PidfdOpen(int(r), 0); err == nil {
				pidfd32 = int32(fd)
			}
		}
	}
	return int(r), int(pidfd32), nil
}

// forkExec is clone3 (or clone without CLONE_PIDFD) and, in the child, exec.
// The child runs until exec on a copy of the parent's memory with no Go
// runtime behind it: only raw system calls, no allocation, no stack growth
// (go:nosplit), nothing that could take a lock another thread held.
//
//go:nosplit
//go:norace
func forkExec(args *cloneArgs, path *byte, argv, env **byte, fds []int, wait [2]int, mask *unix.Sigset_t) (uintptr, syscall.Errno) {
	var pid uintptr
	var errno syscall.Errno
	if args.flags&unix.CLONE_PIDFD != 0 {
		pid, _, errno = syscall.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(args)), unsafe.Sizeof(*args), 0)
	} else {
		pid, _, errno = syscall.RawSyscall6(unix.SYS_CLONE, uintptr(args.flags)|uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	}
	if errno != 0 || pid != 0 {
		return pid, errno // the parent
	}

	// The child. Die with the parent: a foreground container must not
	// outlive its CLI, nor wait below for a parent that is gone.
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
	// Wait for the parent's go-ahead. Our copy of the write end goes first:
	// then a parent that died, before or after the prctl, reads as EOF.
	if wait[0] >= 0 {
		syscall.RawSyscall(unix.SYS_CLOSE, uintptr(wait[1]), 0, 0)
		var b [1]byte
		if n, _, _ := syscall.RawSyscall(unix.SYS_READ, uintptr(wait[0]), uintptr(unsafe.Pointer(&b[0])), 1); n != 1 {
			childExit(unix.EPIPE)
		}
	}
	// Its fds: fds[i] becomes i, not close-on-exec.
	for i := 0; i < len(fds); i++ {
		if _, _, errno = syscall.RawSyscall(unix.SYS_DUP3, uintptr(fds[i]), uintptr(i), 0); errno != 0 {
			childExit(errno)
		}
	}
	// Go's signal handlers point into the parent's runtime: reset them all,
	// then restore the parent's signal mask, then exec.
	RawSignals(mask, false)
	_, _, errno = syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(argv)), uintptr(unsafe.Pointer(env)))
	childExit(errno)
	return 0, 0
}

// childExit ends the child before exec; the parent reads errno from the
// exit status.
//
//go:nosplit
func childExit(errno syscall.Errno) {
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, uintptr(errno), 0, 0)
	}
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
