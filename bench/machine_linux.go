package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

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

// measured runs the contenders interleaved (interleave), noting the
// machine's load before and after in info.
func measured(cs []contender, runs, warm int, info map[string]string) (samples, error) {
	info["load_before"] = loadavg()
	s, err := interleave(cs, runs, warm)
	info["load_after"] = loadavg()
	return s, err
}
