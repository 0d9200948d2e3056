package ns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stackGuard is the runtime's stack guard (stackGuard in runtime/stack.go
// on Linux without the race detector): a function whose frame would come
// nearer the stack's end than this grows the stack first.
const stackGuard = 928

func (k *Keeper) open() error {
	if !KeeperSupported {
		return fmt.Errorf("create keeper: %w", errors.ErrUnsupported)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("create keeper socket: %w", err)
	}
	k.sock, k.peer = fds[0], fds[1]
	return nil
}

// Pid is the keeper's PID.
func (k *Keeper) Pid() int { return k.pid }

// grow makes the goroutine's stack deep enough for the keeper's life
// before the fork: in the keeper, a stack that must grow is a crash.
//
//go:noinline
func grow() byte {
	var pad [64 << 10]byte
	pad[len(pad)-1] = 1
	return pad[len(pad)-1] + pad[0]
}

// keeperFork forks the keeper, which clones the init (forkExec) and
// lives on in keeperLife. The parent gets the keeper's PID.
//
//go:nosplit
//go:norace
func keeperFork(k *Keeper, args *cloneArgs, pidfdp *int32, path *byte, argv, env **byte, fds []int, wait [2]int, mask *unix.Sigset_t) (uintptr, syscall.Errno) {
	run, mem, msg, fds0, sock, peer := k.Run, k.Mem, k.Msg, k.FDs, k.sock, k.peer
	pid, _, errno := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 || pid != 0 {
		return pid, errno // the caller
	}
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(sock), 0, 0)
	init, errno := forkExec(args, path, argv, env, fds, wait, mask)
	pidfd := -1
	if errno == 0 && args.flags&unix.CLONE_PIDFD != 0 {
		pidfd = int(*pidfdp)
	}
	// The copied goroutine's stack guard may hold the scheduler's request
	// to preempt it, which its next call would act on: set it to the
	// stack's own bound (g.stack.lo at offset 0, g.stackguard0 at 16).
	g := (*[3]uintptr)(getg())
	g[2] = g[0] + stackGuard
	keeperLife(run, mem, msg, fds0, peer, int(init), pidfd, errno)
	return 0, 0
}

// keeperLife is the keeper after the clone: it reports the init's PID (or
// the clone's errno) to the caller, drops what it holds of the caller's
// (fds, signal handlers), and waits for the caller's word: a Handoff runs
// Run; a wait request, or the caller gone, ends the init and the keeper.
func keeperLife(run func(unsafe.Pointer, int, int, []byte, []int), mem unsafe.Pointer, buf []byte, fds []int, sock, init, pidfd int, errno syscall.Errno) {
	var report [8]byte
	binary.LittleEndian.PutUint32(report[:], uint32(init))
	binary.LittleEndian.PutUint32(report[4:], uint32(errno))
	RawWrite(sock, report[:])
	if errno != 0 {
		rawExit(0)
	}
	var none unix.Sigset_t
	RawSignals(&none, true)
	// Every fd but the socket and the pidfd: the caller's, and its copies
	// of the init's (a pipe's write end held here would never end).
	closeAllBut(sock, pidfd)

	var oob [256]byte
	n, nfd := rawRecv(sock, buf, oob[:])
	if n > 0 && buf[0] == 'h' {
		nfd = min(nfd, len(fds))
		for i := 0; i < nfd; i++ {
			fds[i] = int(binary.LittleEndian.Uint32(oob[16+4*i:]))
		}
		run(mem, init, pidfd, buf[1:n], fds[:nfd])
		rawExit(0)
	}
	// The caller gave up (it asks for the status), or died: the init goes.
	if n <= 0 {
		if pidfd >= 0 {
			syscall.RawSyscall6(unix.SYS_PIDFD_SEND_SIGNAL, uintptr(pidfd), uintptr(unix.SIGKILL), 0, 0, 0, 0)
		} else {
			syscall.RawSyscall(unix.SYS_KILL, uintptr(init), uintptr(unix.SIGKILL), 0)
		}
	}
	status := RawWait(init)
	binary.LittleEndian.PutUint32(report[:], uint32(status))
	RawWrite(sock, report[:4])
	rawExit(0)
}

// RawWait waits for the child pid and returns its wait status, on raw
// system calls (a keeper's).
func RawWait(pid int) int {
	var status int32
	for {
		_, _, errno := syscall.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&status)), 0, 0, 0, 0)
		if errno != unix.EINTR {
			return int(status)
		}
	}
}

// RawWrite writes all of b to fd on raw system calls (a keeper's); it
// gives up on an error.
func RawWrite(fd int, b []byte) {
	for len(b) > 0 {
		n, _, errno := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return
		}
		b = b[n:]
	}
}

func rawExit(code int) {
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}
}

// msghdr is struct msghdr with no Go pointer in it: a keeper stores none.
type msghdr struct {
	name       uintptr
	namelen    uint32
	_          uint32
	iov        uintptr
	iovlen     uint64
	control    uintptr
	controllen uint64
	flags      int32
	_          int32
}

// rawRecv receives one message into buf and its fds (SCM_RIGHTS) into
// oob: the message's length (0 at end of file, -1 for an error) and the
// number of fds, each a little-endian int32 from oob[16:].
func rawRecv(sock int, buf, oob []byte) (int, int) {
	iov := [2]uintptr{uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf))}
	for {
		m := msghdr{iov: uintptr(unsafe.Pointer(&iov)), iovlen: 1, control: uintptr(unsafe.Pointer(&oob[0])), controllen: uint64(len(oob))}
		n, _, errno := syscall.RawSyscall(unix.SYS_RECVMSG, uintptr(sock), uintptr(unsafe.Pointer(&m)), unix.MSG_CMSG_CLOEXEC)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, 0
		}
		nfd := 0
		if m.controllen >= 16 {
			// struct cmsghdr { size_t len; int level; int type; } then the fds.
			clen := binary.LittleEndian.Uint64(oob[:8])
			level, typ := binary.LittleEndian.Uint32(oob[8:]), binary.LittleEndian.Uint32(oob[12:])
			if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS && clen >= 16 && clen <= m.controllen {
				nfd = int(clen-16) / 4
			}
		}
		return int(n), nfd
	}
}

// closeAllBut closes every fd from 3 up but a and b (b may be -1).
func closeAllBut(a, b int) {
	if b >= 0 && b < a {
		a, b = b, a
	}
	from := uintptr(3)
	for _, keep := range [2]int{a, b} {
		if keep < 3 {
			continue
		}
		if uintptr(keep) > from {
			closeRange(from, uintptr(keep)-1)
		}
		from = uintptr(keep) + 1
	}
	closeRange(from, ^uintptr(0)>>1)
}

func closeRange(lo, hi uintptr) {
	if _, _, errno := syscall.RawSyscall(unix.SYS_CLOSE_RANGE, lo, hi, 0); errno == unix.ENOSYS {
		for fd := lo; fd <= hi && fd < 1024; fd++ { // before Linux 5.9
			syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
		}
	}
}

// report reads what the keeper (PID kpid) says after its clone: the
// init's PID, or the clone's errno, then the keeper is gone.
func (k *Keeper) report(kpid int) (int, syscall.Errno) {
	k.pid = kpid
	var b [8]byte
	if n, _ := readFull(k.sock, b[:]); n != 8 {
		k.reap()
		return 0, unix.EPIPE // it died before it could say
	}
	if errno := syscall.Errno(binary.LittleEndian.Uint32(b[4:])); errno != 0 {
		k.reap()
		return 0, errno
	}
	return int(binary.LittleEndian.Uint32(b[:])), 0
}

func readFull(fd int, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Read(fd, b[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, nil
		}
		n += m
	}
	return n, nil
}

func (k *Keeper) reap() { RawWait(k.pid) }

// wait is Process.Wait through the keeper, for a caller that gives up
// before its Handoff: the keeper waits for the init (the caller killed
// it), reports its status and exits.
func (k *Keeper) wait() (unix.WaitStatus, error) {
	if _, err := unix.Write(k.sock, []byte{'w'}); err != nil {
		return 0, fmt.Errorf("ask the keeper for the init's status: %w", err)
	}
	var b [4]byte
	n, err := readFull(k.sock, b[:])
	k.reap()
	if n != 4 {
		if err == nil {
			err = unix.EPIPE
		}
		return 0, fmt.Errorf("read the init's status from its keeper: %w", err)
	}
	return unix.WaitStatus(binary.LittleEndian.Uint32(b[:])), nil
}

// Handoff gives the keeper its work: msg and fds, for Run. Then the
// caller's part is done; it may exit.
func (p *Process) Handoff(msg []byte, fds []int) error {
	k := p.keeper
	if k == nil {
		return fmt.Errorf("hand off container %d: it has no keeper", p.Pid)
	}
	b := append([]byte{'h'}, msg...)
	err := unix.Sendmsg(k.sock, b, unix.UnixRights(fds...), nil, 0)
	runtime.KeepAlive(fds)
	if err != nil {
		return fmt.Errorf("hand off to the keeper: %w", err)
	}
	unix.Close(k.sock)
	k.sock = -1
	return nil
}

// KeeperPid is the PID of the init's keeper, or 0 without one.
func (p *Process) KeeperPid() int {
	if p.keeper == nil {
		return 0
	}
	return p.keeper.pid
}
