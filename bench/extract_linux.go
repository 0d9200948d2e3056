package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/oci/layer"
)

func benchExtract(cacheDir, outDir string, runs, warm int) error {
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return err
	}
	lf, err := generateLayer(cacheDir)
	if err != nil {
		return fmt.Errorf("generate layer: %w", err)
	}
	mnt, cleanup, err := scratchTmpfs()
	if err != nil {
		return err
	}
	defer cleanup()

	md := func(file string, opts ...layer.Option) func(string) error {
		return func(dst string) error {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = layer.Extract(context.Background(), f, dst, opts...)
			return err
		}
	}
	sh := func(script string) func(string) error {
		return func(dst string) error {
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = dst
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v: %s", script, err, out)
			}
			return nil
		}
	}
	q := func(s string) string { return "'" + s + "'" }
	all := []contender{
		{name: "minidocker zstd", run: md(lf.Zstd)},
		{name: "tar --zstd -xf", peer: true, run: sh("tar --zstd -xf " + q(lf.Zstd)), need: "zstd"},
		{name: "minidocker gzip", run: md(lf.Gzip)},
		{name: "minidocker gzip (Go only)", run: md(lf.Gzip, layer.WithExternalGzip(false))},
		{name: "tar -xzf", peer: true, run: sh("tar -xzf " + q(lf.Gzip))},
		{name: "tar -I pigz -xf", peer: true, run: sh("tar -I pigz -xf " + q(lf.Gzip)), need: "pigz"},
		{name: "minidocker tar", run: md(lf.Tar)},
		{name: "tar -xf", peer: true, run: sh("tar -xf " + q(lf.Tar))},
		{name: "zstd -dc >/dev/null", peer: true, run: sh("zstd -dc " + q(lf.Zstd) + " >/dev/null"), need: "zstd"},
		{name: "gzip -dc >/dev/null", peer: true, run: sh("gzip -dc " + q(lf.Gzip) + " >/dev/null")},
		{name: "igzip -dc >/dev/null", peer: true, run: sh("igzip -dc " + q(lf.Gzip) + " >/dev/null"), need: "igzip"},
	}
	var cs []contender
	re, err := regexp.Compile(only)
	if err != nil {
		return err
	}
	for _, c := range all {
		if !re.MatchString(c.name) {
			continue
		}
		if c.need != "" {
			if _, err := exec.LookPath(c.need); err != nil {
				fmt.Fprintf(os.Stderr, "skipping %s: no %s (make deps installs it)\n", c.name, c.need)
				continue
			}
		}
		cs = append(cs, c)
	}
	info := machineInfo()
	info["load_before"] = loadavg()
	samples := map[string][]float64{}
	cpuSamples := map[string][]float64{}
	for i := -warm; i < runs; i++ {
		for _, c := range cs {
			dst, err := os.MkdirTemp(mnt, "x")
			if err != nil {
				return err
			}
			cpu0 := cpuTime()
			start := time.Now()
			err = c.run(dst)
			d := time.Since(start)
			cpu := cpuTime() - cpu0
			if rerr := os.RemoveAll(dst); err == nil {
				err = rerr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if i >= 0 {
				samples[c.name] = append(samples[c.name], d.Seconds())
				cpuSamples[c.name] = append(cpuSamples[c.name], cpu.Seconds())
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", i+1, runs)
	}
	info["load_after"] = loadavg()
	targets := []target{
		{"zstd: minidocker ≥ 1.4× faster than tar --zstd", "tar --zstd -xf", "minidocker zstd", 1.4},
		{"gzip: minidocker ≥ 1.5× faster than tar -xzf", "tar -xzf", "minidocker gzip", 1.5},
		{"zstd extraction within 1.2× of uncompressed tar -xf", "tar -xf", "minidocker zstd", 1 / 1.2},
		{"gzip extraction within 1.2× of uncompressed tar -xf", "tar -xf", "minidocker gzip", 1 / 1.2},
		// The other reading of the target: decompression hidden behind
		// minidocker's own extraction of the same tar, uncompressed.
		{"zstd extraction within 1.2× of minidocker's uncompressed", "minidocker tar", "minidocker zstd", 1 / 1.2},
		{"gzip extraction within 1.2× of minidocker's uncompressed", "minidocker tar", "minidocker gzip", 1 / 1.2},
	}
	report := extractReport(cs, samples, cpuSamples, targets, info, lf)
	fmt.Print(report)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "RESULTS.md"), []byte(report), 0o644); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(map[string]any{"machine": info, "samples_seconds": samples, "cpu_seconds": cpuSamples}, "", "  ")
	return os.WriteFile(filepath.Join(outDir, "extract.json"), append(raw, '\n'), 0o644)
}

// scratchTmpfs mounts a tmpfs on a new temp dir (as root), so the
// figures do not depend on the disk's state; unprivileged, it uses
// /dev/shm, a tmpfs too.
func scratchTmpfs() (string, func(), error) {
	reclaimTmpfs()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", benchPrefix, os.Getpid()))
	if err != nil {
		return "", nil, err
	}
	if err := unix.Mount("minidocker-bench", dir, "tmpfs", 0, "size=4g,mode=0700"); err != nil {
		os.Remove(dir)
		shm, err2 := os.MkdirTemp("/dev/shm", "minidocker-bench-")
		if err2 != nil {
			return "", nil, fmt.Errorf("mount tmpfs: %v; /dev/shm: %v", err, err2)
		}
		fmt.Fprintf(os.Stderr, "mount tmpfs: %v: using %s\n", err, shm)
		return shm, func() { os.RemoveAll(shm) }, nil
	}
	return dir, func() {
		if err := unix.Unmount(dir, 0); err != nil {
			fmt.Fprintf(os.Stderr, "unmount %s: %v\n", dir, err)
			return
		}
		os.Remove(dir)
	}, nil
}

// cpuTime is the CPU (user and system) used so far by this process and
// its waited-for children: around a run, what the run cost, whatever else
// the machine was doing.
func cpuTime() time.Duration {
	var self, kids unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &kids)
	tv := func(t unix.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

const benchPrefix = "minidocker-bench-"

// reclaimTmpfs unmounts the scratch tmpfs of an earlier run that died
// before its cleanup (a panic ends a Go program without running defers):
// named minidocker-bench-PID-*, for a PID no longer running.
func reclaimTmpfs() {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		mnt := f[4]
		name := filepath.Base(mnt)
		if filepath.Dir(mnt) != os.TempDir() || !strings.HasPrefix(name, benchPrefix) {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, benchPrefix), "-", 2)[0])
		if err != nil || unix.Kill(pid, 0) == nil {
			continue // not ours to judge, or its run is still going
		}
		if unix.Unmount(mnt, 0) == nil {
			os.Remove(mnt)
			fmt.Fprintf(os.Stderr, "unmounted %s, left by a run that died\n", mnt)
		}
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func machineInfo() map[string]string {
	var u unix.Utsname
	unix.Uname(&u)
	m := map[string]string{
		"kernel": unix.ByteSliceToString(u.Release[:]),
		"cpus":   fmt.Sprint(runtime.NumCPU()),
		"go":     runtime.Version(),
		"cgroup": cgroupMode(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	for _, p := range []string{"tar", "zstd", "gzip", "pigz", "igzip"} {
		if out, err := exec.Command(p, "--version").CombinedOutput(); err == nil {
			m[p] = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
		}
	}
	return m
}

// cgroupMode tells v2 (unified), hybrid or v1 from what /sys/fs/cgroup is.
func cgroupMode() string {
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) != nil {
		return "unknown"
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "v2"
	}
	if unix.Statfs("/sys/fs/cgroup/unified", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "hybrid"
	}
	return "v1"
}
