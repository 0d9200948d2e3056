package ns

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// JoinArgs is how a process joining a running container starts: the
// running binary again, named minidocker, as for the init.
var JoinArgs = []string{"minidocker", "exec-init"}

// joinOrder is the order in which a joining process enters the
// container's namespaces: the user namespace first (it grants the rights
// to enter the others, rootless), the mount namespace before the PID
// namespace's /proc is needed, and the PID namespace, which only the
// process's children enter, last.
var joinOrder = []struct {
	file string
	flag int
}{
	{"user", unix.CLONE_NEWUSER}, {"mnt", unix.CLONE_NEWNS}, {"uts", unix.CLONE_NEWUTS},
	{"ipc", unix.CLONE_NEWIPC}, {"net", unix.CLONE_NEWNET}, {"cgroup", unix.CLONE_NEWCGROUP},
	{"pid", unix.CLONE_NEWPID},
}

// Join starts cfg.Args in the namespaces and the cgroup of the running
// container whose init is pid: what `docker exec` does.
//
// A Go program cannot enter a mount namespace (or a user namespace):
// setns(CLONE_NEWNS) refuses a process whose threads share their file
// system context, and every Go program has several threads from its
// start. runc solves it with C that runs before the Go runtime does
// (nsenter). Join needs no C: it clones a child by hand, as Start does,
// and that child is a single thread, a copy of the one that cloned it,
// running no Go runtime. There, with raw system calls only, it enters
// each namespace, then clones once more, since a PID namespace takes
// only the children of the process that enters it. The grandchild, a
// child of ours (CLONE_PARENT), executes minidocker exec-init, which
// starts in the container's namespaces as a whole new program and, like
// the init, takes its config over the sync socket, sets the user, the
// capabilities and the terminal, and executes the command.
func Join(pid int, cg Cgroup, cfg *Config, stdio Stdio) (*Process, error) {
	var nsfds []int
	var flags []int
	defer func() { closeAll(nsfds) }()
	for _, n := range joinOrder {
		if n.flag == unix.CLONE_NEWUSER && !cfg.Rootless {
			continue // a container run as root has the host's user namespace
		}
		fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/"+n.file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open the container's %s namespace: %w", n.file, err)
		}
		nsfds, flags = append(nsfds, fd), append(flags, n.flag)
	}
	exe, err := unix.Open("/proc/self/exe", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /proc/self/exe: %w", err)
	}
	defer unix.Close(exe)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("create sync socket: %w", err)
	}
	parent, child := fds[0], fds[1]
	defer unix.Close(parent)
	stdfds := []int{int(stdio.Stdin.Fd()), int(stdio.Stdout.Fd()), int(stdio.Stderr.Fd()), child}
	gpid, err := joinClone(cg, exe, nsfds, flags, stdfds)
	unix.Close(child)
	if err != nil {
		return nil, fmt.Errorf("join container: %w", err)
	}
	pidfd, err := unix.PidfdOpen(gpid, 0) // our unreaped child: its PID is its own
	if err != nil {
		pidfd = -1
	}
	p := &Process{Pid: gpid, pidfd: pidfd}
	if err := p.handshake(cfg, parent, -1); err != nil {
		p.Signal(unix.SIGKILL)
		status, _ := p.Wait()
		if err == errInitGone && status > 0 && status < 128 {
			err = fmt.Errorf("join container: %w", unix.Errno(status))
		}
		p.Close()
		return nil, err
	}
	return p, nil
}

// joinClone makes the child that enters the namespaces and the
// grandchild that executes exec-init; it returns the grandchild's PID,
// which the child sends back over a pipe before it exits.
func joinClone(cg Cgroup, exe int, nsfds, flags []int, stdfds []int) (int, error) {
	argvp, err := syscall.SlicePtrFromStrings(JoinArgs)
	if err != nil {
		return 0, err
	}
	envp, err := syscall.SlicePtrFromStrings(nil)
	if err != nil {
		return 0, err
	}
	empty, _ := unix.BytePtrFromString("")
	high := make([]int, len(stdfds))
	for i, fd := range stdfds {
		if high[i], err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, len(stdfds)); err != nil {
			closeAll(high[:i])
			return 0, fmt.Errorf("dup fd %d: %w", fd, err)
		}
	}
	defer closeAll(high)
	var report [2]int
	if err := unix.Pipe2(report[:], unix.O_CLOEXEC); err != nil {
		return 0, fmt.Errorf("create pipe: %w", err)
	}
	defer unix.Close(report[0])
	args := cloneArgs{exitSignal: uint64(unix.SIGCHLD)}
	if cg != nil {
		dir, err := cg.Open()
		if err != nil {
			unix.Close(report[1])
			return 0, err
		}
		defer dir.Close()
		args.flags |= unix.CLONE_INTO_CGROUP
		args.cgroup = uint64(dir.Fd())
	}
	runtime.LockOSThread()
	syscall.ForkLock.Lock()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old)
	child, errno := joinFork(&args, exe, empty, &argvp[0], &envp[0], nsfds, flags, high, report[1], &old)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	syscall.ForkLock.Unlock()
	runtime.UnlockOSThread()
	unix.Close(report[1])
	runtime.KeepAlive(argvp)
	runtime.KeepAlive(envp)
	if errno != 0 {
		return 0, fmt.Errorf("clone3: %w", errno)
	}
	// The child exits once it has cloned: its status is the errno of
	// what failed, 0 if the grandchild runs.
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(int(child), &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	var b [8]byte
	n, _ := unix.Read(report[0], b[:])
	if ws.ExitStatus() != 0 || n != 8 {
		return 0, fmt.Errorf("enter the container's namespaces: %w", unix.Errno(ws.ExitStatus()))
	}
	return int(*(*int64)(unsafe.Pointer(&b[0]))), nil
}

// joinFork is the clone of the child and, in it, everything up to the
// grandchild's exec: raw system calls on a copy of this thread, with no Go
// runtime behind them (see forkExec).
//
//go:nosplit
//go:norace
func joinFork(args *cloneArgs, exe int, empty *byte, argv, env **byte, nsfds, flags []int, fds []int, report int, mask *unix.Sigset_t) (uintptr, syscall.Errno) {
	pid, _, errno := syscall.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(args)), unsafe.Sizeof(*args), 0)
	if errno != 0 || pid != 0 {
		return pid, errno // the parent
	}
	// The child: one thread, its own file system context. Enter each
	// namespace, the user namespace first.
	for i := 0; i < len(nsfds); i++ {
		if _, _, errno = syscall.RawSyscall(unix.SYS_SETNS, uintptr(nsfds[i]), uintptr(flags[i]), 0); errno != 0 {
			childExit(errno)
		}
	}
	// The grandchild, born in the PID namespace; our parent's child (its
	// exit signal, SIGCHLD, is ours: clone3 wants none given).
	gargs := cloneArgs{flags: unix.CLONE_PARENT}
	gpid, _, errno := syscall.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&gargs)), unsafe.Sizeof(gargs), 0)
	if errno != 0 {
		childExit(errno)
	}
	if gpid != 0 {
		v := int64(gpid)
		syscall.RawSyscall(unix.SYS_WRITE, uintptr(report), uintptr(unsafe.Pointer(&v)), 8)
		childExit(0)
	}
	// The grandchild. Die with the caller, as the init does.
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
	for i := 0; i < len(fds); i++ {
		if _, _, errno = syscall.RawSyscall(unix.SYS_DUP3, uintptr(fds[i]), uintptr(i), 0); errno != 0 {
			childExit(errno)
		}
	}
	RawSignals(mask, false)
	_, _, errno = syscall.RawSyscall6(unix.SYS_EXECVEAT, uintptr(exe), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(argv)), uintptr(unsafe.Pointer(env)), unix.AT_EMPTY_PATH, 0)
	childExit(errno)
	return 0, 0
}

// ExecInit is `minidocker exec-init`, the grandchild of Join: already in
// the container's namespaces and cgroup, it sets the terminal, the user
// and the capabilities from its config and executes the command, or tells
// the parent why not.
func ExecInit() (code int) {
	runtime.LockOSThread()
	if t, err := unix.GetsockoptInt(syncFd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_SEQPACKET {
		fmt.Fprintf(os.Stderr, "minidocker: %v\n", ErrInitInternal)
		return ExitEngine
	}
	defer func() {
		if r := recover(); r != nil {
			code = report(fmt.Errorf("exec-init: internal error: %v", r))
		}
	}()
	cfg, err := readConfig()
	if err == nil {
		err = execJoined(cfg)
	}
	return report(err)
}

func execJoined(cfg *Config) error {
	// Only stdio and the sync socket (closed by the exec) cross into the
	// command.
	unix.CloseRange(syncFd, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if cfg.Tty {
		if err := setupTty(cfg.ConsoleSize); err != nil {
			return err
		}
	}
	u, err := resolveUser(cfg.User)
	if err != nil {
		return err
	}
	env := withDefault(cfg.Env, "HOME", u.Home)
	if err := unix.Chdir(cfg.Cwd); err != nil {
		return &StartError{Code: ExitCannotInvoke, Msg: fmt.Sprintf("chdir to working directory %s: %v", cfg.Cwd, err)}
	}
	if err := limitCapabilities(cfg.Capabilities); err != nil {
		return err
	}
	if err := setUser(u, cfg.Rootless); err != nil {
		return err
	}
	path, err := lookPath(cfg.Args[0], env)
	if err != nil {
		return err
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &unix.Sigset_t{}, nil)
	return execError(cfg.Args[0], unix.Exec(path, cfg.Args, env))
}
