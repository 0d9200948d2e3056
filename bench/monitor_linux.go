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
	var b strings.Builder
	fmt.Fprintf(&b, "# The monitor's memory\n\nA detached container's monitor (`minidocker monitor`, re-executed as `monitor-watch`),\n")
	fmt.Fprintf(&b, "measured by `go run ./bench monitor` on %s: PSS from /proc/PID/smaps_rollup\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "after each container has printed a few lines. The target is a third of containerd-shim-runc-v2's %.1f MB\n", shimPSS/1024)
	fmt.Fprintf(&b, "PSS per container (measured here when the issue was filed): %.2f MB.\n\n", shimPSS/3/1024)
	fmt.Fprintf(&b, "| containers | PSS per monitor | of which anonymous | of which file (the binary, shared) | RSS per monitor | threads | target met |\n|---|---|---|---|---|---|---|\n")
	for _, n := range []int{1, 5, 10} {
		var ids []string
		for i := 0; i < n; i++ {
			id, err := exec.Command(bin, "run", "--root", root, "-d", "--rootfs", rootfs, "sh", "-c", "while :; do echo tick; sleep 1; done").Output()
			if err != nil {
				return fmt.Errorf("run -d: %w", err)
			}
			ids = append(ids, strings.TrimSpace(string(id)))
		}
		time.Sleep(3 * time.Second)
		var pss, anon, file, rss, threads float64
		for _, id := range ids {
			pid, err := monitorPid(root, id)
			if err != nil {
				return err
			}
			m, err := smapsRollup(pid)
			if err != nil {
				return err
			}
			pss, anon, file, rss = pss+m["Pss"], anon+m["Pss_Anon"], file+m["Pss_File"], rss+m["Rss"]
			tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
			threads += float64(len(tasks))
		}
		k := float64(n)
		met := "no"
		if pss/k <= shimPSS/3 {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %d | %.2f MB | %.2f MB | %.2f MB | %.2f MB | %.0f | %s |\n", n, pss/k/1024, anon/k/1024, file/k/1024, rss/k/1024, threads/k, met)
		rm := exec.Command(bin, append([]string{"rm", "-f", "--root", root}, ids...)...)
		if out, err := rm.CombinedOutput(); err != nil {
			return fmt.Errorf("rm -f: %v: %s", err, out)
		}
	}
	b.WriteString(`
The anonymous part is the Go runtime of a fresh process: the monitor starts the container
(JSON, the snapshot store, clone, the cgroup), then executes itself again as
` + "`monitor-watch`" + `, which inherits the init, its pidfd, the streams and monitor.lock and
keeps nothing of that work. The file part is the binary's pages, which every monitor (and
every other minidocker process) shares: it is divided among them, so one container alone
pays for all of it.
`)
	fmt.Print(b.String())
	return os.WriteFile(filepath.Join(out, "MONITOR.md"), []byte(b.String()), 0o644)
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
