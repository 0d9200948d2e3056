package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"
)

// MonitorArgs start a detached container's monitor: the minidocker binary
// again (argv[0] "minidocker", as for the init: see ns.InitArgs), with the
// root and the container's ID after them.
var MonitorArgs = []string{"minidocker", "monitor"}

// monitorEnv is the monitor's whole environment (and its keeper's
// monitor-finish). GOMAXPROCS=1: it is one goroutine, and every P costs
// memory; memprofilerate=0: no allocation profile.
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
// tells the starter on fd 3. The container's init is cloned by a keeper
// (see keep), a fork of this process that runs no Go and is the init's
// parent for the rest of its life; once the container runs, the monitor
// hands the keeper its streams and exits. What watches the container
// then costs the few pages the keeper touches, not a Go program's. If
// the keeper is killed, the container's init dies with it (its
// parent-death signal); `ps` shows the container dead and `rm -f` removes
// what is left.
func Monitor(args []string) int {
	// The init's parent-death signal fires when the thread that cloned it
	// ends: without a keeper, this one, kept.
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
	if err == nil {
		e.keeper, err = newKeeper()
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
	crashAt("monitor-handoff")
	if e.keeper != nil && s.handoff() == nil {
		return 0
	}
	// No keeper (or the handoff failed): watch in this process.
	s.watch()
	if _, err := s.finish(s.p.Wait()); err != nil {
		var fe *FinishError
		if !errors.As(err, &fe) || len(fe.Errs) > 0 {
			return ns.ExitEngine
		}
	}
	return 0
}

func (s *supervisor) cgroupPath() string {
	if s.cg == nil {
		return "-"
	}
	return s.cg.Path()
}
