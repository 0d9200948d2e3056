package ns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

var initName = []byte("minidocker-init\x00")

// syncFd is where the container's init finds its end of the sync socket.
const syncFd = 3

// Init is the container's first process (`minidocker init`, started by
// Start in the new namespaces). It reads its config from the sync socket,
// sets the container up from the inside and executes the command in its own
// place, as PID 1. It returns only on failure, with the exit code, after
// telling the parent why.
func Init() (code int) {
	// Exec and the credentials set before it act on this thread.
	runtime.LockOSThread()
	// Seen by ps until the command replaces us (and for good with --init).
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&initName[0])), 0, 0, 0)
	if t, err := unix.GetsockoptInt(syncFd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_SEQPACKET {
		// Not started by Start: there is no parent to tell.
		fmt.Fprintf(os.Stderr, "minidocker: %v\n", ErrInitInternal)
		return ExitEngine
	}
	// The parent takes a closed socket without a message for a started
	// command, so every failure, a panic too, must send one.
	defer func() {
		if r := recover(); r != nil {
			code = report(fmt.Errorf("init: internal error: %v", r))
		}
	}()
	cfg, err := readConfig()
	if err == nil {
		err = initContainer(cfg)
	}
	return report(err)
}

// report sends err to the parent, which prints it, and returns the exit code.
func report(err error) int {
	if err == nil { // initContainer returns only on failure
		err = errors.New("init: internal error: returned without executing the command")
	}
	code := ExitEngine
	var se *StartError
	if errors.As(err, &se) {
		code = se.Code
	}
	b, _ := json.Marshal(message{Type: "error", Code: code, Error: err.Error()})
	if unix.Send(syncFd, b, 0) != nil {
		fmt.Fprintf(os.Stderr, "minidocker: %v\n", err)
	}
	return code
}

func readConfig() (*Config, error) {
	phase.Mark("init: main")
	defer phase.Mark("init: config read")
	buf := make([]byte, 1<<20)
	n, _, err := unix.Recvfrom(syncFd, buf, 0)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var cfg Config
	if err := json.Unmarshal(buf[:n], &cfg); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return &cfg, nil
}

func initContainer(cfg *Config) error {
	// Only stdio and the sync socket may cross into the container: anything
	// else the caller left open is closed on exec.
	unix.CloseRange(syncFd, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	unix.Umask(0) // device nodes and mount points get exactly the modes asked for
	if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("set hostname %q: %w", cfg.Hostname, err)
	}
	if err := loopbackUp(); err != nil {
		return err
	}
	if err := openMountSources(cfg); err != nil {
		return err
	}
	if err := setupRootfs(kernelFS{}, cfg); err != nil {
		return err
	}
	phase.Mark("init: rootfs ready")
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
		return fmt.Errorf("chdir to working directory %s: %w", cfg.Cwd, err)
	}
	unix.Umask(0o022)
	if err := limitCapabilities(cfg.Capabilities); err != nil {
		return err
	}
	if cfg.Init {
		if err := waitBeforeExec(cfg); err != nil {
			return err
		}
		return reap(cfg, u, env)
	}
	if err := setUser(u, cfg.Rootless); err != nil {
		return err
	}
	path, err := lookPath(cfg.Args[0], env)
	if err != nil {
		return err
	}
	if err := waitBeforeExec(cfg); err != nil {
		return err
	}
	// The command starts with no signal blocked, whatever this thread had.
	unix.PthreadSigmask(unix.SIG_SETMASK, &unix.Sigset_t{}, nil)
	phase.Mark("init: exec")
	return execError(cfg.Args[0], unix.Exec(path, cfg.Args, env))
}

// waitBeforeExec tells the parent the init's work is done and waits for
// its go-ahead, if the parent asked for it (Config.BeforeExec).
func waitBeforeExec(cfg *Config) error {
	if !cfg.WaitBeforeExec {
		return nil
	}
	b, _ := json.Marshal(message{Type: "exec"})
	if err := unix.Send(syncFd, b, 0); err != nil {
		return errParentGone
	}
	var ack [1]byte
	if n, _, err := unix.Recvfrom(syncFd, ack[:], 0); err != nil || n != 1 {
		return errParentGone
	}
	return nil
}

func resolveUser(spec string) (ExecUser, error) {
	passwd, _ := os.Open("/etc/passwd")
	group, _ := os.Open("/etc/group")
	defer passwd.Close()
	defer group.Close()
	// A missing file is an empty one: numeric users still work.
	u, err := ResolveUser(spec, fileOrNil(passwd), fileOrNil(group))
	if err != nil {
		return u, fmt.Errorf("resolve user %q: %w", spec, err)
	}
	return u, nil
}

func fileOrNil(f *os.File) io.Reader {
	if f == nil {
		return nil
	}
	return f
}

// setUser drops to the container's user: groups first, then gid, then uid,
// since after setuid nothing else may be changed. Only this (locked) thread
// changes: it is the one that execs, and the others die with the exec, so
// the runtime's all-threads version (a signal to every thread) is not needed.
func setUser(u ExecUser, rootless bool) error {
	if !rootless { // setgroups is denied in a rootless user namespace
		groups := make([]uint32, len(u.Groups)+1) // +1: never a nil pointer
		for i, g := range u.Groups {
			groups[i] = uint32(g)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(u.Groups)), uintptr(unsafe.Pointer(&groups[0])), 0); e != 0 {
			return fmt.Errorf("set groups %v: %w", u.Groups, e)
		}
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("set gid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("set uid %d: %w", u.UID, e)
	}
	return keepParentDeathSignal()
}

// keepParentDeathSignal sets the parent-death signal again: a change of
// credentials clears it, and the container must die with minidocker. If the
// parent died before that, its end of the sync socket is closed.
func keepParentDeathSignal() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("set parent-death signal: %w", err)
	}
	fds := []unix.PollFd{{Fd: syncFd, Events: unix.POLLRDHUP}}
	if n, _ := unix.Poll(fds, 0); n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP) != 0 {
		return errParentGone
	}
	return nil
}

func withDefault(env []string, key, value string) []string {
	for _, kv := range env {
		if len(kv) > len(key) && kv[:len(key)+1] == key+"=" {
			return env
		}
	}
	return append(env, key+"="+value)
}
