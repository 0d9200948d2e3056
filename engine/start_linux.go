package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/ns"
	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/mount"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// snapshots opens the snapshot store under the root, with the container's
// storage driver.
func (e *Engine) snapshots(driver string) (*unionfs.Store, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.stores[driver]; ok {
		return s, nil // opened once: its note on a fallback to vfs is said once
	}
	s, err := unionfs.New(e.Root, unionfs.WithDriver(driver), unionfs.WithLogf(e.logf))
	if err != nil {
		return nil, err
	}
	if e.stores == nil {
		e.stores = map[string]*unionfs.Store{}
	}
	e.stores[driver] = s
	return s, nil
}

// prepareRootfs makes the container's writable snapshot, keyed by its ID,
// on its layers or its image's snapshot. A --rootfs directory needs none.
func (e *Engine) prepareRootfs(ctx context.Context, c *Container) error {
	if c.Rootfs != "" {
		return nil
	}
	s, err := e.snapshots(c.Driver)
	if err != nil {
		return err
	}
	if len(c.Layers) > 0 {
		_, err = s.PrepareLayers(ctx, c.ID, c.Layers)
	} else {
		_, err = s.Prepare(ctx, c.ID, c.Parent)
	}
	return err
}

// rootfs is the container's root directory and the mounts that make it
// (none for a --rootfs directory; the snapshot's otherwise, which the
// init performs in the container's own mount namespace).
func (e *Engine) rootfs(ctx context.Context, c *Container) (string, []mount.Mount, error) {
	if c.Rootfs != "" {
		// It was there at create; it may be gone since.
		_, err := checkDir("rootfs", c.Rootfs)
		return c.Rootfs, nil, err
	}
	s, err := e.snapshots(c.Driver)
	if err != nil {
		return "", nil, err
	}
	ms, err := s.Mounts(ctx, c.ID)
	if errors.Is(err, unionfs.ErrNotFound) {
		// Created by a process that died before it made the snapshot.
		if err = e.prepareRootfs(ctx, c); err == nil {
			ms, err = s.Mounts(ctx, c.ID)
		}
	}
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(c.Dir, "rootfs"), ms, nil
}

// nsConfig is what the container's init gets.
func nsConfig(c *Container) (*ns.Config, error) {
	caps, err := ns.Capabilities(c.CapAdd, c.CapDrop)
	if err != nil {
		return nil, err
	}
	cwd := c.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	cfg := &ns.Config{
		Args:          append([]string{c.Path}, c.Args...),
		Env:           c.Env,
		Cwd:           cwd,
		User:          c.User,
		Hostname:      c.Hostname,
		Tty:           c.Tty,
		Init:          c.Init,
		ReadOnly:      c.ReadOnly,
		Capabilities:  caps,
		MaskedPaths:   ns.DefaultMaskedPaths,
		ReadonlyPaths: ns.DefaultReadonlyPaths,
	}
	if euid := os.Geteuid(); euid != 0 {
		// Rootless: a user namespace in which the caller is root.
		cfg.Rootless = true
		cfg.UIDMap = []ns.IDMap{{ContainerID: 0, HostID: euid, Size: 1}}
		cfg.GIDMap = []ns.IDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	return cfg, nil
}

// supervisor watches one running container: it owns its stdio, logs its
// output, and records its end. The monitor process runs one; so does an
// attached `run`, in the CLI's own process.
type supervisor struct {
	e   *Engine
	c   *Container
	p   *ns.Process
	cg  *cgroup.Cgroup
	log *os.File

	outs      []*output // the container's stdout and stderr pipes, or its terminal
	stdin     int       // attached terminal, or the stdin FIFO: copied to the container's stdin; -1 for none
	keepStdin *os.File  // -d -i: the pipe's write end, held so the container never reads EOF
	fifo      *os.File  // -d -i: the stdin FIFO, read (see OpenStdin)
	fifoHold  *os.File  // and held open for writing, so it never ends: unless StdinOnce

	monitorLock *os.File // flock'ed monitor.lock: closed once the container's end is recorded
	stopCleaner func()
	cgPath      string // the container's cgroup, for a supervisor that has only its path
	id          string // the container's, for one that has not read its config yet
}

// network gives the container its network: the host's (--network host),
// only its loopback (none), or its sandbox: docker's /etc files
// bind-mounted (unless the container mounts its own there), and its
// interfaces and published ports once its init exists and before its
// command runs (the prestart hook).
func (s *supervisor) network(cfg *ns.Config) error {
	c := s.c
	if c.NetworkMode == "host" {
		cfg.HostNetwork = true
	}
	if !c.sandboxed() {
		return nil
	}
	m, sb, err := s.e.sandbox(c)
	if err != nil {
		return err
	}
	for _, f := range sb.Files() {
		if !slices.ContainsFunc(cfg.Mounts, func(m ns.Mount) bool { return filepath.Clean(m.Destination) == f.Destination }) {
			cfg.Mounts = append(cfg.Mounts, ns.Mount{Type: "bind", Source: f.Source, Destination: f.Destination})
		}
	}
	cfg.Prestart = func(pid int) error {
		init, err := network.ProcessOf(pid)
		if err != nil {
			return err
		}
		owner, err := network.ProcessOf(os.Getpid())
		if k := s.e.keeper; k != nil && err == nil {
			owner, err = network.ProcessOf(k.Pid()) // it outlives this process
		}
		if err != nil {
			return err
		}
		if err := m.StartOwned(c.ID, init, owner); err != nil {
			return err
		}
		phase.Mark("cli: network started")
		return nil
	}
	return nil
}

// output is one stream of the container: read, logged and, attached,
// copied to the caller.
type output struct {
	fd     int
	stream logStream
	sink   int // -1: not attached
}

// begin starts the container under s: monitor.lock taken, root
// filesystem, cgroup, stdio, the init started, the state "running".
func (e *Engine) begin(ctx context.Context, c *Container, a Attach, cleaner bool) (s *supervisor, err error) {
	lf, err := lockfile.Open(filepath.Join(c.Dir, "monitor.lock"), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("lock container %s: %w", c.ID[:12], err)
	}
	s = &supervisor{e: e, c: c, monitorLock: lf, stdin: -1}
	defer func() {
		if err != nil {
			s.abort(err)
		}
	}()
	// Holding monitor.lock, we know no other monitor runs it: a state that
	// says running is a dead one's (load, which asks that lock, would say
	// running still: we hold it).
	if _, err := os.Stat(filepath.Join(c.Dir, "config.json")); err != nil {
		return s, err
	}
	cfg, err := nsConfig(c)
	if err != nil {
		return s, err
	}
	if cfg.Rootfs, cfg.RootfsMounts, err = e.rootfs(ctx, c); err != nil {
		return s, err
	}
	if cfg.Mounts, err = nsMounts(c); err != nil {
		return s, err
	}
	if err := s.network(cfg); err != nil {
		return s, err
	}
	if s.cg, err = createCgroup(c, cfg); err != nil {
		return s, err
	}
	phase.Mark("cli: cgroup ready")
	crashAt("monitor-cgroup")
	if s.cg != nil && cleaner {
		netRoot := ""
		if c.sandboxed() {
			netRoot = e.Root
		}
		if s.stopCleaner, err = startCleaner(s.cg, netRoot); err != nil {
			return s, err
		}
	}
	// The log is appended to: a container started again keeps its
	// earlier output, as docker's does.
	if s.log, err = os.OpenFile(c.LogPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_CLOEXEC, 0o640); err != nil {
		return s, fmt.Errorf("open log: %w", err)
	}
	stdio, closeAfter, err := s.stdio(cfg, a)
	if err != nil {
		return s, err
	}
	if cfg.Tty {
		cfg.ConsoleSize = consoleSize(a.Stdout, a.Stdin)
		if cfg.ConsoleSize == (ns.ConsoleSize{}) {
			cfg.ConsoleSize = c.ConsoleSize
		}
	}
	cfg.Keeper = e.keeper
	s.p, err = ns.Start(cfg, stdio)
	for _, f := range closeAfter {
		f.Close()
	}
	if err != nil {
		return s, err
	}
	crashAt("monitor-started")
	if cfg.Tty {
		sink := -1
		if a.Stdout != nil {
			sink = int(a.Stdout.Fd())
		}
		s.outs = append(s.outs, &output{fd: int(s.p.Pty.Fd()), stream: logStream{name: "stdout"}, sink: sink})
		if a.Stdin != nil && c.OpenStdin {
			s.stdin = int(a.Stdin.Fd())
		}
	}
	if c.OpenStdin && a.Stdin == nil {
		if err := s.openFifo(); err != nil {
			s.p.Signal(unix.SIGKILL)
			s.p.Wait()
			return s, err
		}
	}
	start, _ := procStart(s.p.Pid)
	cgPath := ""
	if s.cg != nil {
		cgPath = s.cg.Path()
	}
	monitor := os.Getpid()
	if k := s.p.KeeperPid(); k != 0 {
		monitor = k
	}
	err = e.update(c, func(st *State) error {
		*st = State{Status: Running, Pid: s.p.Pid, PidStart: start, MonitorPid: monitor,
			StartedAt: time.Now().UTC(), Cgroup: cgPath}
		return nil
	})
	if err == nil {
		e.emit(c.Config, "start", nil)
	}
	return s, err
}

// stdio makes the container's streams: pipes for stdout and stderr that
// this process reads; stdin the caller's (attached, -i), a pipe held
// open (detached, -i) or /dev/null. closeAfter are this side's copies of
// the container's ends, closed once it has them.
func (s *supervisor) stdio(cfg *ns.Config, a Attach) (ns.Stdio, []*os.File, error) {
	var closeAfter []*os.File
	fail := func(err error) (ns.Stdio, []*os.File, error) {
		for _, f := range closeAfter {
			f.Close()
		}
		for _, o := range s.outs {
			unix.Close(o.fd)
		}
		s.outs = nil
		return ns.Stdio{}, nil, fmt.Errorf("container stdio: %w", err)
	}
	var stdio ns.Stdio
	switch {
	case a.Stdin != nil && s.c.OpenStdin && !cfg.Tty:
		stdio.Stdin = a.Stdin
	case s.c.OpenStdin && !cfg.Tty:
		r, w, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		stdio.Stdin, s.keepStdin = r, w
		closeAfter = append(closeAfter, r)
	default:
		null, err := os.Open(os.DevNull)
		if err != nil {
			return fail(err)
		}
		stdio.Stdin = null
		closeAfter = append(closeAfter, null)
	}
	if cfg.Tty {
		// The init makes the terminal and sends us its master; stdout and
		// stderr are ignored.
		stdio.Stdout, stdio.Stderr = stdio.Stdin, stdio.Stdin
		return stdio, closeAfter, nil
	}
	for i, name := range []string{"stdout", "stderr"} {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return fail(err)
		}
		w := os.NewFile(uintptr(p[1]), name)
		closeAfter = append(closeAfter, w)
		sink := -1
		if f := [2]*os.File{a.Stdout, a.Stderr}[i]; f != nil {
			sink = int(f.Fd())
		}
		s.outs = append(s.outs, &output{fd: p[0], stream: logStream{name: name}, sink: sink})
		if i == 0 {
			stdio.Stdout = w
		} else {
			stdio.Stderr = w
		}
	}
	return stdio, closeAfter, nil
}

// abort undoes a begin that failed: the init never ran, the container
// stays created, with the error (and docker's exit code) recorded.
func (s *supervisor) abort(cause error) {
	for _, o := range s.outs {
		unix.Close(o.fd)
	}
	if s.keepStdin != nil {
		s.keepStdin.Close()
	}
	s.closeFifo()
	if s.log != nil {
		s.log.Close()
	}
	if s.cg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.cg.Remove(ctx)
		cancel()
	}
	if s.stopCleaner != nil {
		s.stopCleaner()
	}
	if s.c.sandboxed() {
		// The prestart hook may have run: its interfaces and ports go.
		if m, err := s.e.Networks(); err == nil {
			m.Stop(s.c.ID)
		}
	}
	code := ExitEngineCode(cause)
	s.e.update(s.c, func(st *State) error {
		// Created stays created, exited stays exited; "running" left by a
		// monitor that was killed is over.
		if st.Status == Running || st.Status == Paused {
			st.Status = Exited
		}
		st.Pid, st.PidStart, st.MonitorPid = 0, 0, 0
		st.Error, st.ExitCode = cause.Error(), code
		return nil
	})
	s.monitorLock.Close()
}

// procStart is a process's start time in clock ticks after boot, field 22
// of /proc/PID/stat: with the PID, it names one process, never a later
// one given the same PID.
func procStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// consoleSize is the size of the first of files that is a terminal, or
// zero.
func consoleSize(files ...*os.File) ns.ConsoleSize {
	for _, f := range files {
		if f == nil {
			continue
		}
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			return ns.ConsoleSize{Rows: ws.Row, Cols: ws.Col}
		}
	}
	return ns.ConsoleSize{}
}

// nsMounts are the container's mounts as the init makes them: a volume
// is a bind of its directory, copied into from the image when new.
func nsMounts(c *Container) ([]ns.Mount, error) {
	var out []ns.Mount
	for _, m := range c.Mounts {
		nm := ns.Mount{Type: m.Type, Source: m.Source, Destination: m.Destination, Options: m.Options, ReadOnly: !m.RW}
		switch m.Type {
		case "volume":
			nm.Type, nm.CopyUp = "bind", !m.NoCopy
		case "bind", "tmpfs":
		default:
			return nil, fmt.Errorf("mount on %s: unknown type %q", m.Destination, m.Type)
		}
		out = append(out, nm)
	}
	return out, nil
}
