package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"
)

// MonitorArgs start a detached container's monitor: the minidocker binary
// again (argv[0] "minidocker", as for the init: see ns.InitArgs), with the
// root and the container's ID after them.
var MonitorArgs = []string{"minidocker", "monitor"}

// watchArgs is what the monitor re-executes itself as once the container
// runs: see Monitor.
var watchArgs = []string{"minidocker", "monitor-watch"}

// monitorEnv is the monitor's whole environment. GOMAXPROCS=1: it is one
// goroutine in poll(2), and every P costs memory; memprofilerate=0: no
// allocation profile, whose bucket table would be its largest allocation.
var monitorEnv = []string{"GOMAXPROCS=1", "GODEBUG=memprofilerate=0", "PATH=" + ns.DefaultPath}

// monitorMsg is what the monitor tells the command that started it, over
// a socket pair (its fd 3), once: the container runs, or why not.
type monitorMsg struct {
	Type  string `json:"type"` // "started" or "error"
	Pid   int    `json:"pid,omitempty"`
	Code  int    `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// Start starts the created or exited container c detached, as docker
// start: under a monitor process of its own that outlives this one. It
// returns once the container's command runs, or with the reason it could
// not be started (an *ns.StartError carries docker's exit code).
func (e *Engine) Start(ctx context.Context, c *Container) error {
	if c.Running() {
		return fmt.Errorf("container %s %w", c.ID[:12], ErrRunning)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "monitor"), os.NewFile(uintptr(fds[1]), "monitor")
	defer ours.Close()
	cmd := exec.Command("/proc/self/exe", append(MonitorArgs[1:], e.Root, c.ID)...)
	cmd.Args[0] = MonitorArgs[0]
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Dir = "/" // it outlives us: it holds no directory of ours
	cmd.Env = monitorEnv
	if point := os.Getenv(crashEnv); point != "" {
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], crashEnv+"="+point)
	}
	if c.sandboxed() {
		b, _ := json.Marshal(e.netCfg)
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], netConfigEnv+"="+string(b))
	}
	// Its own session: no terminal's signals reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	// Reaped by init once it is reparented; we do not wait for its end.
	go cmd.Wait()
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(int(ours.Fd()), buf, 0)
	if err != nil || n == 0 {
		return fmt.Errorf("start container %s: the monitor exited before it started the container", c.ID[:12])
	}
	var m monitorMsg
	if err := json.Unmarshal(buf[:n], &m); err != nil {
		return fmt.Errorf("start container %s: %w", c.ID[:12], err)
	}
	if m.Type == "error" {
		return &ns.StartError{Code: m.Code, Msg: m.Error}
	}
	c.State.Status, c.State.Pid = Running, m.Pid
	return nil
}

// Monitor is `minidocker monitor ROOT ID`: it starts the container and
// tells the starter on fd 3. Then it executes itself again as
// `minidocker monitor-watch`, keeping its children and the files it
// needs (an exec keeps both): what watches the container for the rest of
// its life is a fresh program, whose memory holds nothing of the work of
// starting it. If it is killed, the container's init (its child) dies
// with it; `ps` shows the container dead and `rm -f` removes what is
// left.
func Monitor(args []string) int {
	// The init's parent-death signal fires when the thread that cloned it
	// ends, and an exec ends every thread but the one that calls it: clone
	// and exec on this one.
	runtime.LockOSThread()
	ctl := 3
	tell := func(m monitorMsg) {
		b, _ := json.Marshal(m)
		unix.Sendto(ctl, b, unix.MSG_NOSIGNAL, nil)
		unix.Close(ctl)
	}
	if len(args) != 2 {
		tell(monitorMsg{Type: "error", Code: ns.ExitEngine, Error: "monitor: usage: minidocker monitor ROOT ID"})
		return ns.ExitEngine
	}
	e, err := Open(args[0], WithNetworkConfig(netConfigFromEnv()))
	var c *Container
	if err == nil {
		c, err = e.load(args[1])
	}
	var s *supervisor
	if err == nil {
		s, err = e.begin(context.Background(), c, Attach{}, false)
	}
	if err != nil {
		tell(monitorMsg{Type: "error", Code: ExitEngineCode(err), Error: err.Error()})
		return ns.ExitEngine
	}
	tell(monitorMsg{Type: "started", Pid: s.p.Pid})
	s.reexec()
	// Still here: the exec failed; watch in this process.
	s.watch()
	if _, err := s.finish(); err != nil {
		var fe *FinishError
		if !errors.As(err, &fe) || len(fe.Errs) > 0 {
			return ns.ExitEngine
		}
	}
	return 0
}

// reexec executes monitor-watch with s's files: monitor.lock, the log,
// the init's pidfd, its output streams, the held stdin. It returns only
// if the exec failed.
func (s *supervisor) reexec() error {
	fd := func(f *os.File) string {
		if f == nil {
			return "-"
		}
		return strconv.Itoa(int(f.Fd()))
	}
	pty := "-"
	if s.p.Pty != nil {
		pty = fd(s.p.Pty)
	}
	args := append(watchArgs[:len(watchArgs):len(watchArgs)], s.e.Root, s.c.ID, strconv.Itoa(s.p.Pid),
		strconv.Itoa(s.p.PidFD()), fd(s.monitorLock), fd(s.log), pty, fd(s.keepStdin), s.cgroupPath())
	keep := []int{s.p.PidFD(), int(s.monitorLock.Fd()), int(s.log.Fd())}
	for _, o := range s.outs {
		args = append(args, o.stream.name+"="+strconv.Itoa(o.fd))
		keep = append(keep, o.fd)
	}
	if s.keepStdin != nil {
		keep = append(keep, int(s.keepStdin.Fd()))
	}
	for _, f := range []struct {
		name string
		f    *os.File
	}{{"stdin-fifo", s.fifo}, {"stdin-hold", s.fifoHold}} {
		if f.f != nil {
			args = append(args, f.name+"="+strconv.Itoa(int(f.f.Fd())))
			keep = append(keep, int(f.f.Fd()))
		}
	}
	for _, f := range keep {
		if _, err := unix.FcntlInt(uintptr(f), unix.F_SETFD, 0); err != nil {
			return err
		}
	}
	env := monitorEnv
	if point := os.Getenv(crashEnv); point != "" {
		env = append(env[:len(env):len(env)], crashEnv+"="+point)
	}
	return unix.Exec("/proc/self/exe", args, env)
}

func (s *supervisor) cgroupPath() string {
	if s.cg == nil {
		return "-"
	}
	return s.cg.Path()
}

// MonitorWatch is `minidocker monitor-watch`, the monitor after its exec:
// it rebuilds the supervisor from the files it inherited, watches the
// container and records its end.
func MonitorWatch(args []string) int {
	if len(args) < 9 {
		return ns.ExitEngine
	}
	num := func(s string) int {
		if s == "-" {
			return -1
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	file := func(s, name string) *os.File {
		n := num(s)
		if n < 0 {
			return nil
		}
		unix.CloseOnExec(n)
		return os.NewFile(uintptr(n), name)
	}
	e := &Engine{Root: args[0], logf: func(string, ...any) {}}
	id := args[1]
	pidfd := num(args[3])
	if pidfd >= 0 {
		unix.CloseOnExec(pidfd)
	}
	s := &supervisor{e: e, id: id, c: &Container{Dir: e.containersDir() + "/" + id}, stdin: -1,
		monitorLock: file(args[4], "monitor.lock"), log: file(args[5], "log"), keepStdin: file(args[7], "stdin")}
	s.p = ns.Adopt(num(args[2]), pidfd, file(args[6], "pty"))
	if args[8] != "-" {
		s.cgPath = args[8]
	}
	for _, a := range args[9:] {
		name, n, _ := strings.Cut(a, "=")
		fd := num(n)
		unix.CloseOnExec(fd)
		switch name {
		case "stdin-fifo":
			s.fifo, s.stdin = os.NewFile(uintptr(fd), "stdin-fifo"), fd
		case "stdin-hold":
			s.fifoHold = os.NewFile(uintptr(fd), "stdin-fifo")
		default:
			s.outs = append(s.outs, &output{fd: fd, stream: logStream{name: name}, sink: -1})
		}
	}
	if s.monitorLock == nil || s.log == nil {
		return ns.ExitEngine
	}
	dropCodePages()
	s.watch()
	if _, err := s.finish(); err != nil {
		var fe *FinishError
		if !errors.As(err, &fe) || len(fe.Errs) > 0 {
			return ns.ExitEngine
		}
	}
	return 0
}
