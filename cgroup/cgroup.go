package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DefaultParent is where minidocker's cgroups go, at the root of the
// cgroup2 mount, as docker's go under /docker (cgroupfs driver): never under
// the caller's own cgroup, whose limits and processes are not ours.
const DefaultParent = "/minidocker"

// Cgroup is one cgroup directory under the cgroup2 mount.
type Cgroup struct {
	host *Host
	path string // from the mount's root: /minidocker/ID
}

// Load returns the cgroup at path (from the cgroup2 mount's root), which
// need not exist yet.
func Load(h *Host, p string) *Cgroup { return &Cgroup{host: h, path: path.Clean("/" + p)} }

// Path is the cgroup's path from the cgroup2 mount's root.
func (c *Cgroup) Path() string { return c.path }

// Dir is the cgroup's directory.
func (c *Cgroup) Dir() string { return filepath.Join(c.host.Mount, c.path) }

// Create makes the cgroup at p (from the cgroup2 mount's root, e.g.
// /minidocker/ID) with the limits r. Every limit's controller must be
// usable: a limit the host cannot enforce is an *UnavailableError, never a
// container run without it.
func Create(h *Host, p string, r *Resources) (*Cgroup, error) {
	c := Load(h, p)
	if c.path == "/" || strings.Contains(p, "..") {
		return nil, fmt.Errorf("create cgroup %s: %w: want a path below the cgroup2 root", p, ErrInvalid)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := r.Check(h); err != nil {
		return nil, err
	}
	writes := r.writes()
	var need []string
	for _, w := range writes {
		if !slices.Contains(need, w.controller) {
			need = append(need, w.controller)
		}
	}
	if err := c.makeParents(need); err != nil {
		return nil, err
	}
	if err := os.Mkdir(c.Dir(), 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create cgroup %s: %w", c.Dir(), ErrExists)
		}
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	if err := c.apply(r, writes); err != nil {
		os.Remove(c.Dir())
		return nil, err
	}
	return c, nil
}

// Check returns an *UnavailableError for the first limit in r whose
// controller cgroup v2 cannot use on h.
func (r *Resources) Check(h *Host) error {
	for _, w := range r.writes() {
		if err := h.Check(w.controller); err != nil {
			err.(*UnavailableError).Flag = w.flag
			return err
		}
	}
	return nil
}

// Update writes more limits into the cgroup.
func (c *Cgroup) Update(r *Resources) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := r.Check(c.host); err != nil {
		return err
	}
	return c.apply(r, r.writes())
}

// makeParents creates the cgroups above c and enables, in each one's
// cgroup.subtree_control from the root down, the controllers the cgroup
// below it gets: those its limits need, which must succeed, and the other
// usable ones (for stats), as runc does. cgroup v2 gives a child only the
// controllers its parent enables for its children.
func (c *Cgroup) makeParents(need []string) error {
	var enable []string
	for _, ctrl := range Controllers {
		if slices.Contains(c.host.Available, ctrl) {
			enable = append(enable, ctrl)
		}
	}
	dir := c.host.Mount
	for _, elem := range strings.Split(strings.Trim(path.Dir(c.path), "/"), "/") {
		if err := c.enable(dir, enable, need); err != nil {
			return err
		}
		if elem == "" {
			break
		}
		dir = filepath.Join(dir, elem)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create cgroup %s: %w", dir, err)
		}
	}
	return c.enable(dir, enable, need)
}

func (c *Cgroup) enable(dir string, enable, need []string) error {
	have, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	for _, ctrl := range enable {
		if slices.Contains(strings.Fields(string(have)), ctrl) {
			continue
		}
		err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+"+ctrl))
		if err != nil && slices.Contains(need, ctrl) {
			return fmt.Errorf("enable the %s controller in %s/cgroup.subtree_control: %w", ctrl, dir, err)
		}
	}
	return nil
}

// apply writes the limits into the new cgroup.
func (c *Cgroup) apply(r *Resources, writes []write) error {
	if r != nil && r.CpusetCpus != "" {
		if err := c.checkCpuset("cpus", r.CpusetCpus); err != nil {
			return err
		}
	}
	if r != nil && r.CpusetMems != "" {
		if err := c.checkCpuset("mems", r.CpusetMems); err != nil {
			return err
		}
	}
	for _, w := range writes {
		file := filepath.Join(c.Dir(), w.file)
		err := writeFile(file, []byte(w.value))
		if err != nil && w.optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("set %s: write %q to %s: %w", w.flag, w.value, file, err)
		}
	}
	return nil
}

// checkCpuset refuses CPUs or memory nodes the cgroup cannot have, with
// docker's message, before the kernel answers a bare EINVAL.
func (c *Cgroup) checkCpuset(kind, want string) error {
	wanted, err := CheckCpuset(want)
	if err != nil {
		return fmt.Errorf("%w: --cpuset-%s: %v", ErrInvalid, kind, err)
	}
	eff, err := os.ReadFile(filepath.Join(c.Dir(), "cpuset."+kind+".effective"))
	if err != nil {
		return fmt.Errorf("read available %s: %w", kind, err)
	}
	have, err := CheckCpuset(strings.TrimSpace(string(eff)))
	if err != nil {
		return fmt.Errorf("read available %s: %w", kind, err)
	}
	for _, n := range wanted {
		if !slices.Contains(have, n) {
			return fmt.Errorf("%w: requested %s are not available - requested %s, available: %s", ErrInvalid, strings.ToUpper(kind[:1])+kind[1:], want, strings.TrimSpace(string(eff)))
		}
	}
	return nil
}

// Open opens the cgroup's directory, for clone3's CLONE_INTO_CGROUP.
func (c *Cgroup) Open() (*os.File, error) {
	f, err := os.Open(c.Dir())
	if err != nil {
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	return f, nil
}

// AddProc moves a process (all its threads) into the cgroup.
func (c *Cgroup) AddProc(pid int) error {
	if err := writeFile(filepath.Join(c.Dir(), "cgroup.procs"), []byte(strconv.Itoa(pid))); err != nil {
		return fmt.Errorf("move process %d into cgroup: %w", pid, err)
	}
	return nil
}

// Procs lists the processes in the cgroup itself (not its children).
func (c *Cgroup) Procs() ([]int, error) {
	data, err := os.ReadFile(filepath.Join(c.Dir(), "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("list cgroup processes: %w", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// events reads cgroup.events: "populated 0|1" and "frozen 0|1".
func (c *Cgroup) events() (map[string]uint64, error) {
	return readFlat(filepath.Join(c.Dir(), "cgroup.events"))
}

// Populated reports whether a process is in the cgroup or below it.
func (c *Cgroup) Populated() (bool, error) {
	ev, err := c.events()
	return ev["populated"] == 1, err
}

// Frozen reports whether the cgroup is frozen.
func (c *Cgroup) Frozen() (bool, error) {
	ev, err := c.events()
	return ev["frozen"] == 1, err
}

// MemoryEvents reads memory.events: how often each limit was hit, and how
// many processes the OOM killer killed (OOMKill).
func (c *Cgroup) MemoryEvents() (MemoryEvents, error) {
	kv, err := readFlat(filepath.Join(c.Dir(), "memory.events"))
	if err != nil {
		return MemoryEvents{}, fmt.Errorf("read memory events: %w", err)
	}
	return MemoryEvents{Low: kv["low"], High: kv["high"], Max: kv["max"], OOM: kv["oom"], OOMKill: kv["oom_kill"]}, nil
}

// OOMKilled reports whether the OOM killer killed a process in the cgroup;
// false where there is no memory controller.
func (c *Cgroup) OOMKilled() bool {
	ev, err := c.MemoryEvents()
	return err == nil && ev.OOMKill > 0
}

// writeFile writes one value to an interface file of the cgroup file
// system, which the kernel made: never created here.
func writeFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
