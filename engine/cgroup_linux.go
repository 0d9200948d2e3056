package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"sync"
	"syscall"
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

// cgroupPath is where a container's cgroup goes: parent/ID.
func cgroupPath(c *Container) string {
	parent := c.CgroupParent
	if parent == "" {
		parent = cgroup.DefaultParent
	}
	return path.Join("/", parent, c.ID)
}

// createCgroup makes the container's cgroup, parent/ID under the cgroup2
// mount, with its limits, and sets cfg.Cgroup so that the init is cloned
// straight into it. A limit this host cannot enforce is an error, never a
// container run without it. It returns nil where there is nothing to
// enforce and no cgroup to be had (rootless without delegation).
func createCgroup(c *Container, cfg *ns.Config) (*cgroup.Cgroup, error) {
	limits := c.Resources
	host, err := detectCgroups()
	if errors.Is(err, cgroup.ErrNoCgroup2) && limits.Empty() {
		return nil, nil // nothing to enforce, nowhere to measure
	}
	if err != nil {
		return nil, fmt.Errorf("resource limits: %w", err)
	}
	p := cgroupPath(c)
	if cfg.Rootless && !delegated(host, path.Dir(p)) {
		if !limits.Empty() {
			return nil, fmt.Errorf("resource limits need root, or a cgroup delegated to uid %d (%s in %s writable by it): %w",
				os.Geteuid(), path.Dir(p), host.Mount, cgroup.ErrNotDelegated)
		}
		return nil, nil
	}
	if err := limits.Check(host); err != nil {
		return nil, err
	}
	// A cgroup left by a monitor that was killed: empty it, remove it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := removeCgroup(ctx, p); err != nil {
		return nil, err
	}
	// pids.max counts threads, and the init is a Go program until it
	// execs: the limit is written when it is about to, not before.
	early := limits
	early.PidsLimit = 0
	cg, err := cgroup.Create(host, p, &early)
	if err != nil {
		return nil, err
	}
	// Docker's device allow list: root in the container may make a node
	// for the host's disk (CAP_MKNOD) but not open it. (A rootless
	// container cannot make device nodes at all, nor attach BPF programs.)
	if !cfg.Rootless {
		if err := cg.AllowDevices(cgroup.DefaultDevices); err != nil {
			cg.Remove(ctx)
			return nil, err
		}
	}
	cfg.Cgroup = cg
	if limits.PidsLimit > 0 {
		cfg.BeforeExec = func() error { return cg.Update(&cgroup.Resources{PidsLimit: limits.PidsLimit}) }
	}
	return cg, nil
}

// checkLimits refuses limits this host cannot enforce for this user, with
// the errors createCgroup would give when the container starts.
func checkLimits(r *cgroup.Resources, parent string) error {
	if r.Empty() {
		return nil
	}
	host, err := detectCgroups()
	if err != nil {
		return fmt.Errorf("resource limits: %w", err)
	}
	if parent == "" {
		parent = cgroup.DefaultParent
	}
	parent = path.Join("/", parent)
	if os.Geteuid() != 0 && !delegated(host, parent) {
		return fmt.Errorf("resource limits need root, or a cgroup delegated to uid %d (%s in %s writable by it): %w",
			os.Geteuid(), parent, host.Mount, cgroup.ErrNotDelegated)
	}
	return r.Check(host)
}

// removeCgroup kills what is left in the cgroup at p and removes it; a
// cgroup that is not there is no error.
func removeCgroup(ctx context.Context, p string) error {
	host, err := detectCgroups()
	if err != nil {
		return nil
	}
	cg := cgroup.Load(host, p)
	if _, err := os.Stat(cg.Dir()); err != nil {
		return nil
	}
	if populated, _ := cg.Populated(); populated {
		cg.Kill()
	}
	return cg.Remove(ctx)
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

// CleanerArgs start the process that removes a cgroup when the process
// that made it dies without doing so (see startCleaner).
var CleanerArgs = []string{"minidocker", "cgroup-cleanup"}

// startCleaner starts a process that removes the cgroup if this one dies
// without doing it (SIGKILL): `minidocker cgroup-cleanup PATH`, in its own
// process group, out of the terminal's reach. It waits for end of file on
// its stdin, whose write end only this process holds: the kernel closes it
// however we end. Docker has the same job done by containerd's shim; a
// detached container's monitor needs none (rm -f does it).
func startCleaner(cg *cgroup.Cgroup) (stop func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", append(CleanerArgs[1:], cg.Path())...)
	cmd.Args[0] = CleanerArgs[0] // as for the init: see ns.InitArgs
	cmd.Stdin = r
	cmd.Dir = "/" // it may outlive us: it holds no directory of the caller's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start cgroup cleaner: %w", err)
	}
	return func() {
		w.Close() // nothing left for it to do: it ends at once
		cmd.Wait()
	}, nil
}

// CgroupCleanup is the cleaner's side: after end of file on stdin, kill
// whatever is left in the cgroup and remove it. It only ever removes a
// container's cgroup, one named by a container ID, under any parent
// (--cgroup-parent): never the parent, nor a cgroup that is not ours.
func CgroupCleanup(args []string, stdin io.Reader) int {
	if len(args) != 1 || !idRE(path.Base(path.Clean("/"+args[0]))) {
		return ns.ExitEngine
	}
	phase.Mark("cleaner: main")
	io.Copy(io.Discard, stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if removeCgroup(ctx, args[0]) != nil {
		return ns.ExitEngine
	}
	return 0
}

// detectCgroups finds the cgroup2 mount once per process: every step of a
// container's life needs it, and it does not move.
var detectCgroups = sync.OnceValues(cgroup.Detect)
