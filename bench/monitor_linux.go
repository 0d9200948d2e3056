package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	fmt.Fprintf(&b, "## Memory per running detached container: the keeper beside containerd's shim\n\n")
	fmt.Fprintf(&b, "What keeps a detached container running: minidocker's keeper (the fork of `minidocker monitor` that stays, engine/keeper_linux.go) beside\n")
	fmt.Fprintf(&b, "containerd 1.6's `containerd-shim-runc-v2` (Debian's package, started in a temporary directory, `ctr run -d\n")
	fmt.Fprintf(&b, "--rootfs` with the output logged to a file), 1, 5 and 10 containers at a time, each printing a line a second: PSS and\n")
	fmt.Fprintf(&b, "RSS from /proc/PID/smaps_rollup after a few lines, averaged over the processes. PSS counts a page shared by k\n")
	fmt.Fprintf(&b, "processes as 1/k: it is what each container costs. Neither counts the container's own processes.\n\n")
	fmt.Fprintf(&b, "![Memory per running detached container](monitor.svg)\n\n")
	fmt.Fprintf(&b, "| containers | keeper PSS | anonymous | file (the binary, shared) | RSS | threads | shim PSS | shim RSS | keeper / shim |\n|---|---|---|---|---|---|---|---|---|\n")
	if cerr != nil {
		fmt.Fprintf(os.Stderr, "bench monitor: the shim is not measured: %v\n", cerr)
	}
	var rows []memRow
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
		rows = append(rows, memRow{n, mon, shim})
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
	fmt.Fprintf(&b, "\n### Targets\n\n| target | keeper PSS | want | |\n|---|---|---|---|\n")
	for _, r := range rows {
		pss := r.Keeper["Pss"]
		verdict := func(limit float64) string {
			if pss <= limit {
				return "PASS"
			}
			return "MISS"
		}
		running := fmt.Sprintf("%d running", r.N)
		fmt.Fprintf(&b, "| %s: ≤ 1/3 of the shim's PSS as the issue measured it (%.1f MB) | %.2f MB | ≤ %.2f MB | %s |\n",
			running, shimPSS/1024, pss/1024, shimPSS/3/1024, verdict(shimPSS/3))
		if s := r.Shim["Pss"]; s > 0 {
			fmt.Fprintf(&b, "| %s: ≤ 1/3 of the shim's PSS measured beside it | %.2f MB | ≤ %.2f MB | %s |\n",
				running, pss/1024, s/3/1024, verdict(s/3))
		}
	}
	b.WriteString(`
The keeper is a fork of ` + "`minidocker monitor`" + ` that runs no Go. It cloned the container's
init (it is its parent), and once the monitor has handed it the streams and exited, it gives back
every page of its copy of the monitor's memory but the few it runs on (ns.Shed): its anonymous
part is its own buffers, a stack page, the goroutine's g. The file part is the binary's code its
loop touches again, shared by every keeper. It runs one thread. The shim is a Go program: its own
runtime, and its binary's pages shared among the shims.
`)
	fmt.Fprintf(&b, "\n### Machine\n\n")
	info := machineInfo()
	for _, k := range slices.Sorted(maps.Keys(info)) {
		fmt.Fprintf(&b, "- %s: %s\n", k, info[k])
	}
	fmt.Print(b.String())
	raw, err := json.MarshalIndent(map[string]any{"machine": info, "rows_kB": rows}, "", "  ")
	if err != nil {
		return err
	}
	for f, data := range map[string][]byte{"monitor.md": []byte(b.String()), "monitor.json": append(raw, '\n'), "monitor.svg": []byte(memorySVG(rows))} {
		if err := os.WriteFile(filepath.Join(out, f), data, 0o644); err != nil {
			return err
		}
	}
	os.Remove(filepath.Join(out, "MONITOR.md")) // where this went before it was a section
	return writeIndex(out)
}

// memRow is one count of containers: the keepers' and the shims' mean
// smaps_rollup fields, in kB.
type memRow struct {
	N            int
	Keeper, Shim map[string]float64
}

// memorySVG draws each count's PSS per container, the keeper's bar in
// blue beside the shim's in grey, with the target (a third of the shim's
// measured PSS) as a tick on the keeper's.
func memorySVG(rows []memRow) string {
	const width, left, right, rowH, top, bottom = 760, 250, 90, 24, 34, 30
	max := 0.0
	for _, r := range rows {
		max = math.Max(max, math.Max(r.Keeper["Pss"], r.Shim["Pss"])/1024)
	}
	step := niceStep(max / 4)
	max = step * math.Ceil(max/step)
	x := func(mb float64) float64 { return left + mb/max*float64(width-left-right) }
	height := top + 2*rowH*len(rows) + bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="20" font-size="14" font-weight="bold">PSS per running detached container (less is better; dashed: a third of the shim's)</text>`+"\n")
	y := top
	for _, r := range rows {
		for _, bar := range []struct {
			name, fill string
			kB         float64
		}{{fmt.Sprintf("minidocker keeper, %d running", r.N), "#2b6cb0", r.Keeper["Pss"]}, {fmt.Sprintf("containerd shim, %d running", r.N), "#a0aec0", r.Shim["Pss"]}} {
			mb := bar.kB / 1024
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+rowH/2+4, bar.name)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+4, x(mb)-left, rowH-8, bar.fill)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.2f MB</text>`+"\n", x(mb)+6, y+rowH/2+4, mb)
			y += rowH
		}
		if s := r.Shim["Pss"]; s > 0 {
			tx := x(s / 3 / 1024)
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#c53030" stroke-dasharray="3,2"/>`+"\n", tx, tx, y-2*rowH+2, y-rowH-2)
		}
	}
	base := y + 4
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#4a5568"/>`+"\n", left, width-right, base, base)
	for v := 0.0; v <= max*1.0001; v += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#4a5568">%s</text>`+"\n", x(v), base+16, strconv.FormatFloat(v, 'f', -1, 64))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#4a5568">MB</text>`+"\n", width-right+24, base+16)
	b.WriteString("</svg>\n")
	return b.String()
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
