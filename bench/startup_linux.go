package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/testscript"
)

// benchCgroup is where runc and crun put their containers' cgroups
// (absolute: a relative path lands under this process's own cgroup).
const benchCgroup = "/minidocker-bench"

// benchStartup times `run /bin/true` in a busybox root filesystem, from
// the command to its exit, for minidocker and its peers.
func benchStartup(bin, outDir string, runs, warm int) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root: runc, crun and dockerd run here without a user namespace")
	}
	bin, err := minidockerBinary(bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "minidocker-bench-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer removeBenchCgroups()
	defer network.CleanHost(tmp) // the default bridge the bridge contender made and kept, and what a run killed by a signal left
	// crun makes its state directory's parent even when told another.
	for _, p := range []string{"/run/crun", "/run/runc"} {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			defer os.Remove(p)
		}
	}
	rootfs := filepath.Join(tmp, "bundle", "rootfs")
	if err := testscript.MkRootfs(rootfs); err != nil {
		return err
	}
	bundle := filepath.Join(tmp, "bundle")
	if err := writeBundleConfig(bundle); err != nil {
		return err
	}
	crun, stopCrun := hiddenCgroup2()
	defer stopCrun()
	all := []contender{
		{name: "minidocker run --rm (overlay)", run: command(append([]string{bin}, "run", "--rm", "--network", "none", "--root", filepath.Join(tmp, "md"), "--layer", rootfs, "/bin/true")...),
			note: "overlay of the rootfs + a fresh upper layer, its own cgroup v2 cgroup, device filter; --network none, as docker's"},
		{name: "minidocker run --rm --rootfs", run: command(bin, "run", "--rm", "--network", "none", "--root", filepath.Join(tmp, "md"), "--rootfs", rootfs, "/bin/true"),
			note: "the rootfs directory itself, as the runtimes get it; --network none"},
		{name: "minidocker run --rm (bridge network)", run: command(append([]string{bin}, "run", "--rm", "--root", filepath.Join(tmp, "md"), "--layer", rootfs, "/bin/true")...),
			note: "as overlay, on the default bridge network: a veth pair on the bridge, an address, /etc/hosts"},
		{name: "runc run", peer: true, need: "runc", run: command("runc", "--root", filepath.Join(tmp, "runc"), "run", "--bundle", bundle, "md-bench"),
			note: "the bundle's rootfs directory; cgroups v1 and v2"},
		{name: "crun run", peer: true, need: "crun", run: crun(command("crun", "--root", filepath.Join(tmp, "crun"), "run", "--bundle", bundle, "md-bench")),
			note: "started in a mount namespace without the cgroup2 mount: crun refuses a hybrid host; cgroups v1"},
		{name: "unshare (floor)", peer: true, need: "unshare", run: command("unshare", "--mount", "--uts", "--ipc", "--pid", "--net", "--cgroup", "--fork", "/bin/true"),
			note: "the same namespaces, no rootfs, no cgroup"},
		{name: "/bin/true (floor)", peer: true, run: command("/bin/true"), note: "fork and exec"},
	}
	if _, err := exec.LookPath("dockerd"); err == nil {
		d, err := startDockerd(filepath.Join(tmp, "docker"))
		if err != nil {
			return err
		}
		defer d.stop()
		if err := d.importRootfs(rootfs, dockerImage); err != nil {
			return err
		}
		all = append(all, contender{name: "docker run --rm", peer: true, run: command("docker", "-H", d.host, "run", "--rm", "--network", "none", dockerImage, "/bin/true"),
			note: "dockerd " + d.version + ", containerd, its shim and runc; overlay2; --network none"})
	} else {
		fmt.Fprintln(os.Stderr, "skipping docker run: no dockerd (make bench installs docker.io)")
	}
	cs, err := pick(all, only)
	if err != nil {
		return err
	}
	info := machineInfo()
	for _, p := range []string{"runc", "crun"} {
		if out, err := exec.Command(p, "--version").Output(); err == nil {
			info[p] = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
		}
	}
	s, err := measured(cs, runs, warm, info)
	if err != nil {
		return err
	}
	mdArgs := []string{"run", "--rm", "--network", "none", "--root", filepath.Join(tmp, "md"), "--layer", rootfs, "/bin/true"}
	phases, err := breakdown(bin, mdArgs, filepath.Join(tmp, "phases"), runs)
	if err != nil {
		return err
	}
	// The same on the default bridge network: its bridge and rules were
	// made by the first run and stay (as docker0 does); a container adds
	// its veth pair and its address.
	bridgePhases, err := breakdown(bin, slices.DeleteFunc(slices.Clone(mdArgs), func(a string) bool { return a == "--network" || a == "none" }), filepath.Join(tmp, "phases"), runs)
	if err != nil {
		return err
	}
	phases += "\n" + bridgePhases
	r := &report{
		name:  "startup",
		extra: phases,
		title: "Startup latency: run /bin/true in a busybox root filesystem",
		intro: fmt.Sprintf("From the command to its exit, each contender making the mount, PID, UTS, IPC, network and cgroup namespaces; "+
			"contenders interleaved, %d measured runs each after %d warm-up rounds. The runtimes run an OCI bundle of the same rootfs "+
			"(`runc spec`, made writable, the same namespaces). For docker the CPU column is the client's only.", runs, warm),
		unit: "ms", cs: cs, s: s, info: info,
		targets: []target{
			{"minidocker ≤ 0.5 × crun", "crun run", "minidocker run --rm (overlay)", 2},
		},
	}
	return r.write(outDir)
}

// breakdown runs minidocker runs times more with its phase marks on
// (internal/phase) and tells when each mark is reached, as the median
// time since the command was started.
func breakdown(bin string, args []string, file string, runs int) (string, error) {
	at := map[string][]float64{}
	for range runs {
		os.Remove(file)
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), phase.Env+"="+file)
		t0 := phase.Now()
		out, err := c.CombinedOutput()
		t1 := phase.Now()
		if err != nil {
			return "", fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, out)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("no phase marks: %w", err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			i := strings.LastIndexByte(l, ' ')
			ns, err := strconv.ParseInt(l[i+1:], 10, 64)
			if i < 0 || err != nil {
				return "", fmt.Errorf("phase mark %q", l)
			}
			at[l[:i]] = append(at[l[:i]], float64(ns-t0)/1e6)
		}
		at["exit seen by the caller"] = append(at["exit seen by the caller"], float64(t1-t0)/1e6)
	}
	type mark struct {
		name string
		med  float64
	}
	var ms []mark
	for name, v := range at {
		ms = append(ms, mark{name, quantile(slices.Sorted(slices.Values(v)), 0.5)})
	}
	slices.SortFunc(ms, func(a, b mark) int { return cmp.Compare(a.med, b.med) })
	var b strings.Builder
	fmt.Fprintf(&b, "### Where minidocker's start goes\n\n`minidocker %s`, %d more runs with its phase marks on "+
		"(`MINIDOCKER_PHASES`, internal/phase): when each mark is reached, the median time since the command was started "+
		"(CLOCK_MONOTONIC, one clock for every process). The cleaner is the process that removes the cgroup if minidocker is killed.\n\n"+
		"| mark | at (median) | since the mark above |\n|---|---|---|\n", strings.ReplaceAll(strings.Join(args, " "), filepath.Dir(file), "$TMP"), runs)
	prev := 0.0
	for _, m := range ms {
		fmt.Fprintf(&b, "| %s | %.2f ms | %.2f ms |\n", m.name, m.med, m.med-prev)
		prev = m.med
	}
	return b.String(), nil
}

// writeBundleConfig writes runc's default spec, changed to run /bin/true
// on a writable rootfs in the namespaces minidocker makes, its cgroup an
// absolute path of the benchmark's own.
func writeBundleConfig(bundle string) error {
	if out, err := exec.Command("runc", "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		return fmt.Errorf("runc spec: %v: %s", err, out)
	}
	file := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("runc spec: %w", err)
	}
	proc := spec["process"].(map[string]any)
	proc["args"] = []string{"/bin/true"}
	proc["terminal"] = false
	spec["root"] = map[string]any{"path": "rootfs", "readonly": false}
	linux := spec["linux"].(map[string]any)
	linux["cgroupsPath"] = benchCgroup + "/runtime"
	var nss []map[string]string
	for _, t := range []string{"pid", "network", "ipc", "uts", "mount", "cgroup"} {
		nss = append(nss, map[string]string{"type": t})
	}
	linux["namespaces"] = nss
	b, err = json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

// hiddenCgroup2 gives a way to run a contender in a private mount
// namespace where the cgroup2 mount of a hybrid host is unmounted: crun
// 1.8 refuses to run on a hybrid host, and sees a v1-only one there. A
// thread of this process enters the namespace and starts the commands
// (a child is in the mount namespace of the thread that forks it); the
// host's mounts are untouched.
func hiddenCgroup2() (wrap func(func() error) func() error, stop func()) {
	type job struct {
		f    func() error
		done chan error
	}
	jobs := make(chan job)
	ready := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine.
		runtime.LockOSThread()
		err := unix.Unshare(unix.CLONE_NEWNS)
		if err == nil {
			err = unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
		}
		if err == nil {
			for _, m := range cgroupMounts() {
				if m.fstype == "cgroup2" && m.dir != "/sys/fs/cgroup" {
					err = errors.Join(err, unix.Unmount(m.dir, unix.MNT_DETACH))
				}
			}
		}
		ready <- err
		if err != nil {
			return
		}
		for j := range jobs {
			j.done <- j.f()
		}
	}()
	setupErr := <-ready
	wrap = func(f func() error) func() error {
		return func() error {
			if setupErr != nil {
				return fmt.Errorf("private mount namespace without cgroup2: %w", setupErr)
			}
			done := make(chan error)
			jobs <- job{f, done}
			return <-done
		}
	}
	return wrap, func() {
		if setupErr == nil {
			close(jobs)
		}
	}
}

type cgroupMount struct{ dir, fstype string }

// cgroupMounts lists the host's cgroup hierarchies from mountinfo.
func cgroupMounts() []cgroupMount {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var ms []cgroupMount
	for _, l := range strings.Split(string(b), "\n") {
		_, post, ok := strings.Cut(l, " - ")
		f, pf := strings.Fields(post), strings.Fields(l)
		if !ok || len(f) < 1 || len(pf) < 5 {
			continue
		}
		if f[0] == "cgroup" || f[0] == "cgroup2" {
			ms = append(ms, cgroupMount{pf[4], f[0]})
		}
	}
	return ms
}

// removeBenchCgroups removes what runc, crun and dockerd leave of
// benchCgroup in every hierarchy: the parents they made for their
// containers' cgroups, deepest first.
func removeBenchCgroups() {
	for _, m := range cgroupMounts() {
		if err := removeCgroupTree(filepath.Join(m.dir, benchCgroup)); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "remove cgroup: %v\n", err)
		}
	}
}

func removeCgroupTree(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeCgroupTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	// A cgroup whose last process just exited may still be busy.
	for i := 0; ; i++ {
		err = os.Remove(dir)
		if err == nil || !errors.Is(err, unix.EBUSY) || i == 100 {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const dockerImage = "minidocker-bench/busybox:latest"

// dockerd is a Docker daemon started for the benchmark, its state in the
// benchmark's temp dir.
type dockerd struct {
	cmd     *exec.Cmd
	host    string
	version string
	dir     string
	runDirs []string // made under /run by dockerd's containerd: removed after
}

// startDockerd starts dockerd with its state in dir, on a unix socket
// there, without iptables or a bridge.
func startDockerd(dir string) (*dockerd, error) {
	d := &dockerd{dir: dir, host: "unix://" + filepath.Join(dir, "docker.sock")}
	for _, p := range []string{"/run/containerd", "/run/docker"} {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			d.runDirs = append(d.runDirs, p)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	d.cmd = exec.Command("dockerd", "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "-H", d.host, "--iptables=false", "--ip6tables=false", "--bridge=none",
		"--containerd-namespace", "minidocker-bench", "--containerd-plugins-namespace", "minidocker-bench-plugins",
		// Its containers' cgroups under the benchmark's own parent, which
		// removeBenchCgroups takes away: by default dockerd leaves /docker.
		"--cgroup-parent", benchCgroup+"/docker")
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dockerd: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("docker", "-H", d.host, "version", "--format", "{{.Server.Version}}").Output()
		if err == nil {
			d.version = strings.TrimSpace(string(out))
			break
		}
		if time.Now().After(deadline) {
			d.stop()
			b, _ := os.ReadFile(log.Name())
			return nil, fmt.Errorf("dockerd did not answer on %s in 30 s: %s", d.host, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return d, nil
}

// importRootfs makes the directory rootfs an image called name.
func (d *dockerd) importRootfs(rootfs, name string) error {
	imp := exec.Command("sh", "-c", `tar -C "$1" -c . | docker -H "$2" import - "$3"`, "sh", rootfs, d.host, name)
	if out, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import: %v: %s", err, out)
	}
	return nil
}

// stop ends dockerd (it stops its containerd), unmounts what it left in
// its directory and removes what it made under /run.
func (d *dockerd) stop() {
	d.cmd.Process.Signal(unix.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
	// Its containerd's shims outlive them a moment (they are made to), and
	// the last one removes its container's cgroup: wait for them.
	waitGone(d.dir, 10*time.Second)
	b, _ := os.ReadFile("/proc/self/mountinfo")
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- { // the deepest last mounted
		if f := strings.Fields(lines[i]); len(f) > 4 && strings.HasPrefix(f[4], d.dir+"/") {
			unix.Unmount(f[4], unix.MNT_DETACH)
		}
	}
	for _, p := range d.runDirs {
		os.RemoveAll(p)
	}
}

// waitGone waits until no process's command line names dir.
func waitGone(dir string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		found := false
		for _, p := range procs {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), dir) {
				found = true
				break
			}
		}
		if !found {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
