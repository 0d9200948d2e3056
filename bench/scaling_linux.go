package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minidocker/minidocker/testscript"
)

// benchScaling starts 1 to 64 detached containers at once (`run -d`, each
// its own command), for minidocker and for docker, and reports the time
// until all of them run, the throughput, and each start's p50 and p99.
func benchScaling(bin, outDir string, runs, warm int) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root: creates cgroups and mounts")
	}
	bin, err := minidockerBinary(bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "minidocker-bench-scaling-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer removeBenchCgroups()
	rootfs := filepath.Join(tmp, "rootfs")
	if err := testscript.MkRootfs(rootfs); err != nil {
		return err
	}
	root := filepath.Join(tmp, "md")
	imp := exec.Command("sh", "-c", `tar --numeric-owner -C "$1" -cf - . | "$2" import --root "$3" - "$4"`, "sh", rootfs, bin, root, dockerImage)
	if out, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("minidocker import: %v: %s", err, out)
	}
	type engine struct {
		name, note string
		peer       bool
		start      []string // a detached container's command, before the image
		list, rm   []string
	}
	engines := []engine{{
		name: "minidocker", note: "run -d: a monitor per container, its own cgroup, an overlay; --network none",
		start: []string{bin, "run", "-d", "--network", "none", "--root", root},
		list:  []string{bin, "ps", "-aq", "--root", root}, rm: []string{bin, "rm", "-f", "--root", root},
	}}
	if _, err := exec.LookPath("dockerd"); err == nil {
		d, err := startDockerd(filepath.Join(tmp, "docker"))
		if err != nil {
			return err
		}
		defer d.stop()
		if err := d.importRootfs(rootfs, dockerImage); err != nil {
			return err
		}
		engines = append(engines, engine{
			name: "docker", peer: true, note: "dockerd " + d.version + ", containerd, a shim per container, runc; --network none",
			start: []string{"docker", "-H", d.host, "run", "-d", "--network", "none"},
			list:  []string{"docker", "-H", d.host, "ps", "-aq"}, rm: []string{"docker", "-H", d.host, "rm", "-f"},
		})
	} else {
		fmt.Fprintln(os.Stderr, "skipping docker: no dockerd (make bench installs docker.io)")
	}
	latency := map[string][]float64{}
	var all []contender
	for _, e := range engines {
		for _, n := range []int{1, 8, 32, 64} {
			name := fmt.Sprintf("%s, %d at once", e.name, n)
			all = append(all, contender{
				name: name, peer: e.peer, note: e.note,
				run: func() error {
					lat, err := startMany(n, append(e.start, dockerImage, "sleep", "600"))
					latency[name] = append(latency[name], lat...)
					return err
				},
				after: func() error { return removeAll(e.list, e.rm) },
			})
		}
	}
	cs, err := pick(all, only)
	if err != nil {
		return err
	}
	info := machineInfo()
	s, err := measured(cs, runs, warm, info)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Each start, and the throughput\n\n| contender | starts per second | one start: p50 | p99 |\n|---|---|---|---|\n")
	for _, c := range cs {
		n := 0
		fmt.Sscanf(c.name[strings.LastIndex(c.name, ", ")+2:], "%d", &n)
		st := stats(s, c.name)
		lat := slices.Sorted(slices.Values(latency[c.name]))
		fmt.Fprintf(&b, "| %s | %.0f | %.1f ms | %.1f ms |\n", cell(c.name), float64(n)/st.med, quantile(lat, 0.5)*1000, quantile(lat, 0.99)*1000)
	}
	r := &report{
		name:  "scaling",
		title: "Starting containers at once: 1 to 64 detached containers",
		intro: fmt.Sprintf("N `run -d ... busybox sleep 600` commands started at the same moment; the time until the last of them "+
			"has returned (its container running), then all removed (untimed). Contenders interleaved, %d measured runs each after %d warm-up "+
			"rounds, on two cores. For docker the CPU column is the clients' only.", runs, warm),
		unit: "s", cs: cs, s: s, info: info, extra: b.String(),
	}
	return r.write(outDir)
}

// startMany runs argv n times at once and returns each one's duration.
func startMany(n int, argv []string) ([]float64, error) {
	lat := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			lat[i] = time.Since(t).Seconds()
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, out)
			}
		}()
	}
	wg.Wait()
	return lat, errors.Join(errs...)
}

// removeAll removes every container list names.
func removeAll(list, rm []string) error {
	out, err := exec.Command(list[0], list[1:]...).Output()
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Join(list, " "), err)
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return nil
	}
	return command(append(slices.Clone(rm), ids...)...)()
}
