package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"syscall"
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

// containerCgroup is a running container's cgroup, nil when it has none
// (rootless without delegation).
type containerCgroup struct {
	*cgroup.Cgroup
	limits  *cgroup.Resources
	cleaner *exec.Cmd // see startCleaner
	release *os.File  // the write end of its stdin
}

// createCgroup makes the container's cgroup, parent/ID under the cgroup2
// mount, with its limits, and sets cfg.Cgroup so that the init is cloned
// straight into it. A limit this host cannot enforce is an error, never a
// container run without it.
func (c *cgroupOptions) createCgroup(id string, cfg *ns.Config) (*containerCgroup, error) {
	limits, err := c.resources()
	if err != nil {
		return nil, err
	}
	parent := c.parent
	if parent == "" {
		parent = cgroup.DefaultParent
	}
	host, err := cgroup.Detect()
	if errors.Is(err, cgroup.ErrNoCgroup2) && limits.Empty() {
		return nil, nil // nothing to enforce, nowhere to measure
	}
	if err != nil {
		return nil, fmt.Errorf("resource limits: %w", err)
	}
	if cfg.Rootless && !delegated(host, parent) {
		if !limits.Empty() {
			return nil, fmt.Errorf("resource limits need root, or a cgroup delegated to uid %d (%s in %s writable by it): %w",
				os.Geteuid(), parent, host.Mount, cgroup.ErrNotDelegated)
		}
		return nil, nil
	}
	if err := limits.Check(host); err != nil {
		return nil, err
	}
	// pids.max counts threads, and the init is a Go program until it
	// execs: the limit is written when it is about to, not before.
	early := *limits
	early.PidsLimit = 0
	cg, err := cgroup.Create(host, path.Join("/", parent, id), &early)
	if err != nil {
		return nil, err
	}
	// Docker's device allow list: root in the container may make a node
	// for the host's disk (CAP_MKNOD) but not open it. (A rootless
	// container cannot make device nodes at all, nor attach BPF programs.)
	if !cfg.Rootless {
		err = cg.AllowDevices(cgroup.DefaultDevices)
	}
	var cleaner *exec.Cmd
	var release *os.File
	if err == nil {
		cleaner, release, err = startCleaner(cg)
	}
	if err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cg.Remove(ctx)
		return nil, err
	}
	cfg.Cgroup = cg
	if limits.PidsLimit > 0 {
		cfg.BeforeExec = func() error { return cg.Update(&cgroup.Resources{PidsLimit: limits.PidsLimit}) }
	}
	return &containerCgroup{Cgroup: cg, limits: limits, cleaner: cleaner, release: release}, nil
}

// delegated reports whether an unprivileged caller may create cgroups
// under parent: its nearest existing directory is writable by it.
func delegated(h *cgroup.Host, parent string) bool {
	for p := path.Clean("/" + parent); ; p = path.Dir(p) {
		dir := cgroup.Load(h, p).Dir()
		if _, err := os.Stat(dir); err == nil {
			return unix.Access(dir, unix.W_OK) == nil
		}
		if p == "/" {
			return false
		}
	}
}

// finish runs after the container's init exits, whatever the outcome:
// it reports an OOM kill and removes the cgroup, killing any process
// still in it.
func (cg *containerCgroup) finish(code int, err error, stderr io.Writer) (int, error) {
	if cg == nil {
		return code, err
	}
	if cg.OOMKilled() {
		fmt.Fprintf(stderr, "minidocker: the container ran out of memory: the kernel's OOM killer killed a process in it (memory limit %d bytes; memory.events oom_kill)\n", cg.limits.Memory)
	}
	if populated, _ := cg.Populated(); populated {
		cg.Kill()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if rerr := cg.Remove(ctx); rerr != nil {
		// The container's own exit code still stands.
		fmt.Fprintf(stderr, "minidocker: remove the container's cgroup: %v\n", rerr)
	}
	cg.release.Close() // nothing left for it to do: it ends at once
	cg.cleaner.Wait()
	return code, err
}

// startCleaner starts a process that removes the cgroup if this one dies
// without doing it (SIGKILL): `minidocker cgroup-cleanup PATH`, in its own
// process group, out of the terminal's reach. It waits for end of file on
// its stdin, whose write end only this process holds: the kernel closes it
// however we end. Docker has the same job done by containerd's shim.
func startCleaner(cg *cgroup.Cgroup) (*exec.Cmd, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", "cgroup-cleanup", cg.Path())
	cmd.Args[0] = "minidocker" // as for the init: see ns.InitArgs
	cmd.Stdin = r
	cmd.Dir = "/" // it may outlive run: it holds no directory of the caller's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	return cmd, w, nil
}

// cgroupCleanup is the cleaner's side: after end of file on stdin, kill
// whatever is left in the cgroup and remove it. It only ever removes a
// container's cgroup, one named by a container ID, under any parent
// (--cgroup-parent): never the parent, nor a cgroup that is not ours.
func cgroupCleanup(args []string, stdin io.Reader) int {
	if len(args) != 1 || !idRE.MatchString(path.Base(path.Clean("/"+args[0]))) {
		return ExitEngine
	}
	phase.Mark("cleaner: main")
	io.Copy(io.Discard, stdin)
	host, err := cgroup.Detect()
	if err != nil {
		return ExitEngine
	}
	cg := cgroup.Load(host, args[0])
	if _, err := os.Stat(cg.Dir()); err != nil {
		return 0 // removed by minidocker run, as it should be
	}
	cg.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cg.Remove(ctx) != nil {
		return ExitEngine
	}
	return 0
}
