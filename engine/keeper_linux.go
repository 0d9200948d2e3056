package engine

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/ns"
)

// A detached container is kept by a fork of its monitor that runs no Go
// (ns.Keeper): the monitor starts the container, hands the keeper its
// streams and exits. The keeper is the init's parent; it logs the output,
// copies the stdin FIFO in, and when the init has exited and its output
// is drained it executes `minidocker monitor-finish`, which records the
// end. Its memory is keeperMem and the few pages ns.Shed keeps: no Go
// runtime, no heap, no package's init.

// keeperHdr is what the monitor hands the keeper, followed by strs: the
// arguments, then the environment, of monitor-finish, each NUL-ended.
// The fds come in this order: monitor.lock, the log, the outputs, then
// those of Fifo, Hold and Keep that are not -1.
type keeperHdr struct {
	Nouts            int32
	Stderr           [2]int32 // output i is stderr, else stdout
	Fifo, Hold, Keep int32    // the stdin FIFO, its writer held open, the held stdin pipe: fd index, or -1
	Pty              int32    // the output is the terminal's master: stdin goes there
	Status           int32    // where, in strs, the 10 digits of the init's wait status go
	Env              int32    // where, in Ptrs, the environment starts
	// Ptrs are execve's two NULL-ended arrays, argv then envp, as offsets
	// in strs (-1 for NULL): the keeper adds its strs' address.
	Ptrs [128]int32
}

// keeperMem is all the keeper writes.
type keeperMem struct {
	hdr  keeperHdr
	strs [16 << 10]byte
	argv [128]uintptr // hdr.Ptrs made pointers, for execve
	maps [64 << 10]byte
	msg  [32 << 10]byte // the handoff, received
	fds  [16]int
	in   [maxLogLine]byte
	outs [2]logStream
	bufs [2][2 * maxLogLine]byte // the outs' buffers
	out  [8 * maxLogLine]byte    // log lines, written out before the next could overflow it
}

// newKeeper maps the keeper's memory, for a monitor to start its
// container with (ns.Config.Keeper). Never unmapped: the monitor exits.
func newKeeper() (*ns.Keeper, error) {
	if !ns.KeeperSupported {
		return nil, nil
	}
	b, err := unix.Mmap(-1, 0, int(unsafe.Sizeof(keeperMem{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("map the keeper's memory: %w", err)
	}
	m := (*keeperMem)(unsafe.Pointer(&b[0]))
	for i := range m.outs {
		m.outs[i].buf = m.bufs[i][:]
	}
	return &ns.Keeper{Run: keep, Mem: unsafe.Pointer(m), Msg: m.msg[:], FDs: m.fds[:]}, nil
}

// handoff gives the keeper s's files and the command line that records
// the end; this process may exit then.
func (s *supervisor) handoff() error {
	h := keeperHdr{Nouts: int32(len(s.outs)), Fifo: -1, Hold: -1, Keep: -1}
	fds := []int{int(s.monitorLock.Fd()), int(s.log.Fd())}
	for i, o := range s.outs {
		if o.stream.name == "stderr" {
			h.Stderr[i] = 1
		}
		fds = append(fds, o.fd)
	}
	if s.p.Pty != nil {
		h.Pty = 1
	}
	for _, f := range []struct {
		f   *os.File
		idx *int32
	}{{s.fifo, &h.Fifo}, {s.fifoHold, &h.Hold}, {s.keepStdin, &h.Keep}} {
		if f.f != nil {
			*f.idx = int32(len(fds))
			fds = append(fds, int(f.f.Fd()))
		}
	}
	cg := s.cgroupPath()
	args := append(finishArgs[:len(finishArgs):len(finishArgs)], s.e.Root, s.c.ID, strconv.Itoa(s.p.Pid), "0000000000", cg)
	env := os.Environ()
	if len(args)+len(env)+2 > len(h.Ptrs) {
		return fmt.Errorf("hand off to the keeper: environment too large")
	}
	var strs strings.Builder
	ptrs := h.Ptrs[:0] // appended to in place: the room is checked
	add := func(a string) {
		ptrs = append(ptrs, int32(strs.Len()))
		strs.WriteString(a)
		strs.WriteByte(0)
	}
	for i, a := range args {
		if i == len(args)-2 {
			h.Status = int32(strs.Len())
		}
		add(a)
	}
	ptrs = append(ptrs, -1)
	h.Env = int32(len(ptrs))
	for _, a := range env {
		add(a)
	}
	ptrs = append(ptrs, -1)
	if strs.Len() > len(keeperMem{}.strs) || strs.Len()+int(unsafe.Sizeof(h)) >= len(keeperMem{}.msg) {
		return fmt.Errorf("hand off to the keeper: environment too large")
	}
	msg := append(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unsafe.Sizeof(h)), strs.String()...)
	return s.p.Handoff(msg, fds)
}

// finishArgs is how the keeper executes its last step.
var finishArgs = []string{"minidocker", "monitor-finish"}

// keep is the keeper's life (ns.Keeper.Run): s.watch again, on raw system
// calls, over the streams handed off, then the end recorded by
// monitor-finish. It allocates nothing and stores no pointer: every
// variable is on the stack or in mem.
func keep(memp unsafe.Pointer, pid, pidfd int, msg []byte, handed []int) {
	m := (*keeperMem)(memp)
	hdr := unsafe.Slice((*byte)(unsafe.Pointer(&m.hdr)), unsafe.Sizeof(m.hdr))
	copy(m.strs[:], msg[copy(hdr, msg):])
	var fds [16]int
	nfd := copy(fds[:], handed)
	ns.Shed(memp, unsafe.Sizeof(*m), m.maps[:])
	if nfd < 2+int(m.hdr.Nouts) {
		ns.RawWait(pid)
		return
	}
	lock, log := fds[0], fds[1]
	var outs [2]int
	nouts := min(int(m.hdr.Nouts), 2)
	for i := 0; i < nouts; i++ {
		outs[i] = fds[2+i]
	}
	at := func(i int32) int {
		if i < 0 || int(i) >= nfd {
			return -1
		}
		return fds[i]
	}
	fifo, keepIn := at(m.hdr.Fifo), at(m.hdr.Keep)
	stdinTo := keepIn
	if m.hdr.Pty != 0 {
		stdinTo = outs[0]
	}
	out := m.out[:0]
	exited := pidfd < 0
	for {
		var pfd [4]unix.PollFd
		n := 0
		for i := 0; i < nouts; i++ {
			if outs[i] >= 0 {
				pfd[n] = unix.PollFd{Fd: int32(outs[i]), Events: unix.POLLIN}
				n++
			}
		}
		if n == 0 && exited {
			break
		}
		if fifo >= 0 {
			pfd[n] = unix.PollFd{Fd: int32(fifo), Events: unix.POLLIN}
			n++
		}
		if !exited {
			pfd[n] = unix.PollFd{Fd: int32(pidfd), Events: unix.POLLIN}
			n++
		}
		if _, _, errno := syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd[0])), uintptr(n), 0, 0, 0, 0); errno != 0 {
			if errno == unix.EINTR {
				continue
			}
			break
		}
		for _, p := range pfd[:n] {
			fd := int(p.Fd)
			switch {
			case p.Revents == 0:
			case fd == pidfd:
				exited = true // and with the init, every process of the container
			case fd == fifo:
				r := rawRead(fifo, m.in[:])
				if r > 0 && stdinTo >= 0 {
					ns.RawWrite(stdinTo, m.in[:r])
				} else if r <= 0 && r != -int(unix.EINTR) && r != -int(unix.EAGAIN) {
					// StdinOnce (no writer held): the FIFO's writer left;
					// the container reads EOF.
					fifo = -1
					if keepIn >= 0 {
						syscall.RawSyscall(unix.SYS_CLOSE, uintptr(keepIn), 0, 0)
						keepIn, stdinTo = -1, -1
					}
				}
			default:
				i := 0
				if nouts > 1 && fd == outs[1] {
					i = 1
				}
				r := rawRead(fd, m.in[:])
				if r == -int(unix.EINTR) || r == -int(unix.EAGAIN) {
					continue
				}
				flush := r <= 0 // EOF, or EIO from a terminal whose last user has gone
				if r > 0 {
					m.outs[i].add(m.in[:r])
				} else {
					outs[i] = -1
				}
				name := "stdout"
				if m.hdr.Stderr[i] != 0 {
					name = "stderr"
				}
				var ts [2]int64
				syscall.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_REALTIME, uintptr(unsafe.Pointer(&ts)), 0)
				for l := m.outs[i].next(flush); l != nil; l = m.outs[i].next(flush) {
					if cap(out)-len(out) < 6*len(l)+64+len(name) {
						ns.RawWrite(log, out)
						out = out[:0]
					}
					out = appendLogLine(out, l, name, ts[0], ts[1])
				}
				ns.RawWrite(log, out)
				out = out[:0]
			}
		}
	}
	status := ns.RawWait(pid)
	// The status into its ten digits, then monitor-finish.
	digits := m.strs[m.hdr.Status : m.hdr.Status+10]
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + status%10)
		status /= 10
	}
	for i, off := range m.hdr.Ptrs {
		m.argv[i] = 0
		if off >= 0 && int(off) < len(m.strs) {
			m.argv[i] = uintptr(unsafe.Pointer(&m.strs[off]))
		}
	}
	path := [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 'e', 'x', 'e', 0}
	ns.KeeperExec(lock, &path[0], &m.argv[0], &m.argv[m.hdr.Env])
}

// rawRead is read(2): the count, or minus the errno.
func rawRead(fd int, b []byte) int {
	n, _, errno := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return -int(errno)
	}
	return int(n)
}

// MonitorFinish is `minidocker monitor-finish ROOT ID PID STATUS CGROUP`,
// the keeper's last step, with monitor.lock as fd 3: it records the end
// of the container whose init PID exited with wait status STATUS.
func MonitorFinish(args []string) int {
	if len(args) != 5 {
		return ns.ExitEngine
	}
	pid, err1 := strconv.Atoi(args[2])
	status, err2 := strconv.Atoi(args[3])
	if err1 != nil || err2 != nil {
		return ns.ExitEngine
	}
	unix.CloseOnExec(3)
	e := &Engine{Root: args[0], logf: func(string, ...any) {}}
	s := &supervisor{e: e, id: args[1], c: &Container{Dir: e.containersDir() + "/" + args[1]}, stdin: -1,
		monitorLock: os.NewFile(3, "monitor.lock"), p: ns.Adopt(pid, -1, nil)}
	if args[4] != "-" {
		s.cgPath = args[4]
	}
	ws := unix.WaitStatus(status)
	code := ws.ExitStatus()
	if ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	if _, err := s.finish(code, nil); err != nil {
		var fe *FinishError
		if !errors.As(err, &fe) || len(fe.Errs) > 0 {
			return ns.ExitEngine
		}
	}
	return 0
}
