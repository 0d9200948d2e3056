package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"
)

// MonitorArgs start a detached container's monitor: the minidocker binary
// again (argv[0] "minidocker", as for the init: see ns.InitArgs), with the
// root and the container's ID after them.
var MonitorArgs = []string{"minidocker", "monitor"}

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
	// Its own session: no terminal's signals reach it. GOMAXPROCS=1: it
	// is one goroutine in poll(2), and every P costs memory.
	cmd.Env = []string{"GOMAXPROCS=1", "PATH=" + ns.DefaultPath}
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

// Monitor is `minidocker monitor ROOT ID`: it starts the container,
// tells the starter on fd 3, then supervises it until it exits. The
// container's init is its child and dies with it; if it is killed, `ps`
// shows the container dead and `rm -f` removes what is left.
func Monitor(args []string) int {
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
	e, err := Open(args[0])
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
	// From here on the monitor waits: give back what starting took.
	runtime.GC()
	debug.FreeOSMemory()
	s.watch()
	if _, err := s.finish(); err != nil {
		var fe *FinishError
		if !errors.As(err, &fe) || len(fe.Errs) > 0 {
			return ns.ExitEngine
		}
	}
	return 0
}
