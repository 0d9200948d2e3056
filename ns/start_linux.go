package ns

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

// Stdio are the container's standard streams. With Config.Tty they are
// ignored: the command gets a pseudo-terminal and Process.Pty is its master.
type Stdio struct {
	Stdin, Stdout, Stderr *os.File
}

// Process is a started container: its init's PID on the host.
type Process struct {
	Pid   int
	Pty   *os.File // the terminal's master side, when Config.Tty
	pidfd int      // -1 when the kernel has no clone3

	keeper *Keeper // the init's parent, when not this process
}

// InitArgs is how the container's init is started: the running binary, named
// minidocker (so a test binary that dispatches on argv[0] runs minidocker too).
var InitArgs = []string{"minidocker", "init"}

// InitEnv is the init's environment: empty, but for the startup
// benchmark's phase marks (internal/phase) when it asks for them.
var InitEnv = phase.Environ()

// Start clones the container's init into new namespaces, finishes the
// parent's part (user namespace maps), hands it the config and waits until
// the command has been executed in the container, or has failed to be.
func Start(cfg *Config, stdio Stdio) (*Process, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("create sync socket: %w", err)
	}
	parent, child := fds[0], fds[1]
	defer unix.Close(parent)

	flags := uint64(Namespaces)
	if cfg.HostNetwork {
		flags &^= unix.CLONE_NEWNET
	}
	wait := [2]int{-1, -1}
	if cfg.Rootless {
		flags |= unix.CLONE_NEWUSER
		if err := unix.Pipe2(wait[:], unix.O_CLOEXEC); err != nil {
			return nil, fmt.Errorf("create sync pipe: %w", err)
		}
		defer unix.Close(wait[0])
		defer unix.Close(wait[1])
	}
	if k := cfg.Keeper; k != nil {
		if err := k.open(); err != nil {
			return nil, err
		}
		defer unix.Close(k.peer)
	}
	stdfds := []int{int(stdio.Stdin.Fd()), int(stdio.Stdout.Fd()), int(stdio.Stderr.Fd()), child}
	pid, pidfd, joined, err := cloneInto(cfg.Cgroup, stdfds, flags, wait, cfg.Keeper)
	unix.Close(child)
	if err != nil {
		if cfg.Keeper != nil {
			unix.Close(cfg.Keeper.sock)
		}
		return nil, fmt.Errorf("start container init: %w", err)
	}
	p := &Process{Pid: pid, pidfd: pidfd, keeper: cfg.Keeper}
	if !joined {
		// Still before the init has its config (or, rootless, its go-ahead):
		// it runs none of the container's code outside the cgroup.
		err = cfg.Cgroup.AddProc(pid)
	}
	if err == nil {
		err = p.handshake(cfg, parent, wait[1])
	}
	if err != nil {
		p.Signal(unix.SIGKILL)
		status, _ := p.Wait()
		if err == errInitGone && status > 0 && status < 128 {
			// Init reports every failure it can; silence means its exec
			// failed, and the child's exit status is the errno.
			err = fmt.Errorf("start container init: exec /proc/self/exe: %w", unix.Errno(status))
		}
		p.Close()
		return nil, err
	}
	return p, nil
}

// cloneInto clones the init straight into cg with clone3's
// CLONE_INTO_CGROUP (Linux 5.7): it is never outside the cgroup, not even
// for the instant between fork and a write to cgroup.procs, so no process of
// the container ever runs unlimited. On an older kernel it clones outside
// and reports joined=false: the caller moves it before releasing it.
func cloneInto(cg Cgroup, stdfds []int, flags uint64, wait [2]int, k *Keeper) (pid, pidfd int, joined bool, err error) {
	if cg == nil {
		pid, pidfd, err = cloneExec("/proc/self/exe", InitArgs, InitEnv, stdfds, flags, -1, wait, k)
		return pid, pidfd, true, err
	}
	dir, err := cg.Open()
	if err != nil {
		return 0, -1, false, err
	}
	defer dir.Close()
	pid, pidfd, err = cloneExec("/proc/self/exe", InitArgs, InitEnv, stdfds, flags, int(dir.Fd()), wait, k)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.E2BIG) || errors.Is(err, unix.EINVAL) {
		// No clone3, or one without CLONE_INTO_CGROUP (Linux 5.3 to 5.6).
		pid, pidfd, err = cloneExec("/proc/self/exe", InitArgs, InitEnv, stdfds, flags, -1, wait, k)
		return pid, pidfd, false, err
	}
	return pid, pidfd, true, err
}

func (p *Process) handshake(cfg *Config, sock, goAhead int) error {
	if cfg.Rootless && goAhead >= 0 { // (Join: the user namespace exists, mapped)
		if err := writeIDMaps(p.Pid, cfg); err != nil {
			return err
		}
		if _, err := unix.Write(goAhead, []byte{0}); err != nil {
			return fmt.Errorf("release container init: %w", err)
		}
	}
	cfg.WaitBeforeExec = cfg.BeforeExec != nil || cfg.Prestart != nil
	b, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := unix.Send(sock, b, 0); err != nil {
		if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
			return errInitGone
		}
		return fmt.Errorf("send config to container init: %w", err)
	}
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read from container init: %w", err)
		}
		if n == 0 && oobn == 0 {
			if p.Pty == nil && cfg.Tty {
				return errInitGone
			}
			return nil // the socket closed on exec: the command runs
		}
		var m message
		if err := json.Unmarshal(buf[:n], &m); err != nil {
			return fmt.Errorf("read from container init: %w", err)
		}
		switch m.Type {
		case "error":
			return &StartError{Code: m.Code, Msg: m.Error}
		case "exec":
			// The init waits for this byte to exec; an error kills it.
			if cfg.Prestart != nil {
				if err := cfg.Prestart(p.Pid); err != nil {
					return err
				}
			}
			if cfg.BeforeExec != nil {
				if err := cfg.BeforeExec(); err != nil {
					return err
				}
			}
			if err := unix.Send(sock, []byte{0}, 0); err != nil {
				return fmt.Errorf("release container init: %w", err)
			}
		case "pty":
			f, err := recvFile(oob[:oobn], "pty-master")
			if err != nil {
				return err
			}
			p.Pty = f
		default:
			return fmt.Errorf("read from container init: unknown message %q", m.Type)
		}
	}
}

func recvFile(oob []byte, name string) (*os.File, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive %s: bad control message", name)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive %s: bad control message", name)
	}
	return os.NewFile(uintptr(fds[0]), name), nil
}

// writeIDMaps maps the container's IDs to the host's. An unprivileged caller
// may map only its own uid and gid, and for the gid only after denying
// setgroups (else it could drop a group that restricts it).
func writeIDMaps(pid int, cfg *Config) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	if err := os.WriteFile(dir+"setgroups", []byte("deny"), 0); err != nil {
		return fmt.Errorf("write %ssetgroups: %w", dir, err)
	}
	for _, m := range []struct {
		file string
		ids  []IDMap
	}{{"uid_map", cfg.UIDMap}, {"gid_map", cfg.GIDMap}} {
		var b strings.Builder
		for _, id := range m.ids {
			fmt.Fprintf(&b, "%d %d %d\n", id.ContainerID, id.HostID, id.Size)
		}
		if err := os.WriteFile(dir+m.file, []byte(b.String()), 0); err != nil {
			return fmt.Errorf("write %s%s: %w", dir, m.file, err)
		}
	}
	return nil
}

// Signal sends sig to the container's init (through its pidfd, so never to
// a recycled PID).
func (p *Process) Signal(sig unix.Signal) error {
	if p.pidfd >= 0 {
		return unix.PidfdSendSignal(p.pidfd, sig, nil, 0)
	}
	return unix.Kill(p.Pid, sig)
}

// Wait waits for the container's init to exit and returns its status as a
// shell reports it: the exit code, or 128+N when killed by signal N.
func (p *Process) Wait() (int, error) {
	ws, err := p.wait()
	if err != nil {
		return 0, err
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// wait is the init's wait status: from wait4, or from its keeper, whose
// child it is.
func (p *Process) wait() (unix.WaitStatus, error) {
	if p.keeper != nil {
		return p.keeper.wait()
	}
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(p.Pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("wait for container init %d: %w", p.Pid, err)
		}
		return ws, nil
	}
}

// Close releases the pidfd and the terminal.
func (p *Process) Close() {
	if p.keeper != nil && p.keeper.sock >= 0 {
		// Before a Handoff: the keeper ends the init.
		unix.Close(p.keeper.sock)
		p.keeper.sock = -1
	}
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
	}
	if p.Pty != nil {
		p.Pty.Close()
	}
}
