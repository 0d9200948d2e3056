package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/testscript"
)

// shimPSS is containerd-shim-runc-v2's PSS per container, measured on
// this machine when issue 7 was filed (13.3 MB RSS); the target is a
// third of it.
const shimPSS = 3.6 * 1024 // kB

// benchMonitor runs n detached containers at a time (n = 1, 5, 10), each
// printing a line a second so its monitor works, and reads each
// monitor's /proc/PID/smaps_rollup after a few lines: PSS counts a page
// shared by k processes as 1/k, so it is what each container costs.
func benchMonitor(out string, bin string) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("no %s: run make build first", bin)
	}
	tmp, err := os.MkdirTemp("", "bench-monitor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rootfs := filepath.Join(tmp, "rootfs")
	if err := testscript.MkRootfs(rootfs); err != nil {
		return err
	}
	root := filepath.Join(tmp, "state")
	ctrd, cerr := startShimd(filepath.Join(tmp, "containerd"))
	if cerr == nil {
		defer ctrd.stop()
	}
	const script = "while :; do echo tick; sleep 1; done"
	var b strings.Builder
	fmt.Fprintf(&b, "# The monitor's memory\n\nA detached container's monitor (the keeper that `minidocker monitor` forks, engine/keeper_linux.go) beside\n")
	fmt.Fprintf(&b, "containerd 1.6's `containerd-shim-runc-v2` (Debian's package, started in a temporary directory, `ctr run -d\n")
	fmt.Fprintf(&b, "--rootfs` with the output logged to a file), measured by `go run ./bench monitor` on %s: PSS and\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "RSS from /proc/PID/smaps_rollup after each container has printed a few lines, averaged over the\n")
	fmt.Fprintf(&b, "processes. PSS counts a page shared by k processes as 1/k: it is what each container costs. The\n")
	fmt.Fprintf(&b, "target: a third of the shim's PSS (the issue measured %.1f MB per shim here, %.2f MB as a third).\n\n", shimPSS/1024, shimPSS/3/1024)
	fmt.Fprintf(&b, "| containers | monitor PSS | anonymous | file (the binary, shared) | RSS | threads | shim PSS | shim RSS | monitor / shim |\n|---|---|---|---|---|---|---|---|---|\n")
	if cerr != nil {
		fmt.Fprintf(os.Stderr, "bench monitor: the shim is not measured: %v\n", cerr)
	}
	for _, n := range []int{1, 5, 10} {
		var ids []string
		for i := 0; i < n; i++ {
			// --network none: the shim's containers have no network either,
			// and a bridge would outlive the benchmark's root.
			id, err := exec.Command(bin, "run", "--root", root, "-d", "--network", "none", "--rootfs", rootfs, "sh", "-c", script).Output()
			if err != nil {
				return fmt.Errorf("run -d: %w", err)
			}
			ids = append(ids, strings.TrimSpace(string(id)))
		}
		var shims []int
		var shimIDs []string
		for i := 0; cerr == nil && i < n; i++ {
			id := fmt.Sprintf("bench-%d-%d", n, i)
			pid, err := ctrd.run(rootfs, id, script)
			if err != nil {
				cerr = err
				fmt.Fprintf(os.Stderr, "bench monitor: the shim is not measured: %v\n", err)
				break
			}
			shims, shimIDs = append(shims, pid), append(shimIDs, id)
		}
		time.Sleep(3 * time.Second)
		var pids []int
		for _, id := range ids {
			pid, err := monitorPid(root, id)
			if err != nil {
				return err
			}
			pids = append(pids, pid)
		}
		mon, err := meanRollup(pids)
		if err != nil {
			return err
		}
		shim := map[string]float64{}
		if len(shims) == n {
			if shim, err = meanRollup(shims); err != nil {
				return err
			}
		}
		k := 1024.0
		ratio := "–"
		if shim["Pss"] > 0 {
			ratio = fmt.Sprintf("%.2f", mon["Pss"]/shim["Pss"])
		}
		fmt.Fprintf(&b, "| %d | %.2f MB | %.2f MB | %.2f MB | %.2f MB | %.0f | %.2f MB | %.2f MB | %s |\n", n, mon["Pss"]/k, mon["Pss_Anon"]/k,
			mon["Pss_File"]/k, mon["Rss"]/k, mon["threads"], shim["Pss"]/k, shim["Rss"]/k, ratio)
		rm := exec.Command(bin, append([]string{"rm", "-f", "--root", root}, ids...)...)
		if out, err := rm.CombinedOutput(); err != nil {
			return fmt.Errorf("rm -f: %v: %s", err, out)
		}
		for _, id := range shimIDs {
			ctrd.remove(id)
		}
	}
	b.WriteString(`
The monitor that stays is the keeper: a fork of ` + "`minidocker monitor`" + ` that runs no Go. It cloned
the container's init (it is its parent), and once the monitor has handed it the streams and
exited, it gives back every page of its copy of the monitor's memory but the few it runs on
(ns.Shed): its anonymous part is its own buffers, a stack page, the goroutine's g. The file part is
the binary's code its loop touches again, shared by every keeper. It runs one thread. The shim is a
Go program: its own runtime, and its binary's pages shared among the shims.
`)
	fmt.Print(b.String())
	return os.WriteFile(filepath.Join(out, "MONITOR.md"), []byte(b.String()), 0o644)
}

// meanRollup is the mean of smaps_rollup's fields over pids, with their
// mean thread count as "threads".
func meanRollup(pids []int) (map[string]float64, error) {
	sum := map[string]float64{}
	for _, pid := range pids {
		m, err := smapsRollup(pid)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			sum[k] += v
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		sum["threads"] += float64(len(tasks))
	}
	for k := range sum {
		sum[k] /= float64(len(pids))
	}
	return sum, nil
}

func monitorPid(root, id string) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, "containers", id, "state.json"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `"MonitorPid": `); ok {
			return strconv.Atoi(strings.TrimSuffix(v, ","))
		}
	}
	return 0, fmt.Errorf("no monitor for %s", id)
}

// smapsRollup reads /proc/PID/smaps_rollup's kB fields.
func smapsRollup(pid int) (map[string]float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[2] == "kB" {
			v, _ := strconv.ParseFloat(fields[1], 64)
			m[strings.TrimSuffix(fields[0], ":")] = v
		}
	}
	return m, sc.Err()
}
