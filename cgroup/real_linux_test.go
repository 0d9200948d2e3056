package cgroup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests use the real cgroup2 mount. Those that need a controller
// skip where cgroup v2 lacks it (a hybrid host) and run for real in the VM
// tier (vmtest), whose kernel has every controller.

// TestMain lets the test binary be the processes the tests put in cgroups.
func TestMain(m *testing.M) {
	switch os.Getenv("CGROUP_TEST_HELPER") {
	case "alloc":
		alloc()
	case "spin":
		for {
		}
	case "count":
		count(os.Args[len(os.Args)-1])
	case "directio":
		directIO(os.Args[len(os.Args)-4:])
	}
	os.Exit(m.Run())
}

// alloc allocates and touches memory 4 MiB at a time, up to 512 MiB.
func alloc() {
	var keep [][]byte
	for i := 0; i < 128; i++ {
		b := make([]byte, 4<<20)
		for j := range b {
			if j%4096 == 0 {
				b[j] = 1
			}
		}
		keep = append(keep, b)
	}
	fmt.Printf("allocated %d MiB and was not killed\n", 4*len(keep))
	os.Exit(0)
}

// count writes an ever-growing number to file.
func count(file string) {
	for i := 0; ; i++ {
		os.WriteFile(file, []byte(strconv.Itoa(i)), 0o644)
		time.Sleep(time.Millisecond)
	}
}

// directIO reads or writes a block device with O_DIRECT, 64 KiB at a time,
// and writes how long that took into a file: OP DEVICE BYTES OUTFILE.
// O_DIRECT, so that every byte is a bio the io controller sees now, not
// page cache filled or written back later.
func directIO(args []string) {
	op, dev, out := args[0], args[1], args[3]
	size, _ := strconv.Atoi(args[2])
	flag := os.O_RDONLY
	if op == "write" {
		flag = os.O_WRONLY
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "directio:", err)
		os.Exit(1)
	}
	f, err := os.OpenFile(dev, flag|syscall.O_DIRECT, 0)
	if err != nil {
		fail(err)
	}
	// O_DIRECT needs a buffer aligned to the device's block size: mmap's
	// is page aligned.
	buf, err := syscall.Mmap(-1, 0, 64<<10, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fail(err)
	}
	begin := time.Now()
	for done := 0; done < size; done += len(buf) {
		if op == "write" {
			_, err = f.Write(buf)
		} else {
			_, err = io.ReadFull(f, buf)
		}
		if err != nil {
			fail(err)
		}
	}
	if err := os.WriteFile(out, []byte(strconv.FormatInt(int64(time.Since(begin)), 10)), 0o644); err != nil {
		fail(err)
	}
	os.Exit(0)
}

// realHost is the machine's cgroup2 mount; the test skips unless it can
// create cgroups there with every controller in need usable.
func realHost(t *testing.T, need ...string) *Host {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups")
	}
	h, err := Detect()
	if errors.Is(err, ErrNoCgroup2) {
		t.Skip("no cgroup2 mount on this host")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range need {
		if err := h.Check(c); err != nil {
			t.Skipf("needs the %s controller in cgroup v2 (the VM tier has it: go test ./vmtest): %v", c, err)
		}
	}
	return h
}

// testParent is a parent cgroup of this test's own, removed after it.
func testParent(t *testing.T, h *Host) string {
	b := make([]byte, 4)
	rand.Read(b)
	p := fmt.Sprintf("%s/test-%d-%s", DefaultParent, os.Getpid(), hex.EncodeToString(b))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := Load(h, p)
		filepath.WalkDir(c.Dir(), func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				writeFile(filepath.Join(path, "cgroup.kill"), []byte("1"))
			}
			return nil
		})
		if err := c.Remove(ctx); err != nil {
			t.Errorf("remove test cgroups: %v", err)
		}
	})
	return p
}

func create(t *testing.T, h *Host, r *Resources) *Cgroup {
	t.Helper()
	c, err := Create(h, testParent(t, h)+"/c", r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs a command born in c (clone3 CLONE_INTO_CGROUP, as minidocker
// run does), killed at the test's end.
func start(t *testing.T, c *Cgroup, helper string, args ...string) *exec.Cmd {
	t.Helper()
	if helper != "" {
		exe, _ := os.Executable()
		args = append([]string{exe, "-test.run=^$"}, args...)
	}
	dir, err := c.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "CGROUP_TEST_HELPER="+helper, "GOMAXPROCS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func busybox(t *testing.T) string {
	p, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("needs busybox: apt-get install busybox-static")
	}
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestCoreFeatures are what cgroup v2 gives any cgroup, with no
// controller: on a hybrid host too.
func TestCoreFeatures(t *testing.T) {
	h := realHost(t)
	c := create(t, h, nil)
	cmd := start(t, c, "", busybox(t), "sleep", "60")
	pids, err := c.Procs()
	if err != nil || len(pids) != 1 || pids[0] != cmd.Process.Pid {
		t.Fatalf("Procs = %v, %v; want [%d]: the process is born in the cgroup", pids, err, cmd.Process.Pid)
	}
	s, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/pressure/cpu"); err == nil {
		if _, ok := s.Pressure["cpu"]; !ok {
			t.Errorf("no cpu pressure in %+v", s)
		}
	}
	t.Logf("in %s: pid %d, cpu.stat usage_usec=%d, pressure files for %d resources", c.Dir(), pids[0], s.CPU.UsageUsec, len(s.Pressure))
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("after Kill the process ended with %v, want killed", err)
	}
	// cpu.stat is a core file: a process's CPU time (its exec at least) is
	// counted in its cgroup, on a hybrid host too. Read once it is dead:
	// the time of a task still running is charged only at its next tick
	// or switch, so right after Start it may still read 0.
	if s, err = c.Stats(); err != nil || s.CPU.UsageUsec == 0 {
		t.Errorf("cpu.stat of the cgroup after its process ran: %+v, %v; want usage_usec > 0", s, err)
	}
	if err := c.Remove(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after Remove: stat %s: %v, want it gone", c.Dir(), err)
	}
	t.Logf("after cgroup.kill and Remove: %s is gone", c.Dir())
	if _, err := Create(h, c.Path(), nil); err != nil {
		t.Fatalf("Create again after Remove: %v", err)
	}
}

// TestKillEmptiesCgroup: cgroup.kill kills every process at once, forks too.
func TestKillEmptiesCgroup(t *testing.T) {
	h := realHost(t)
	c := create(t, h, nil)
	start(t, c, "", busybox(t), "sh", "-c", "sleep 60 & sleep 60 & sleep 60 & while :; do :; done")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if pids, _ := c.Procs(); len(pids) >= 4 {
			t.Logf("before cgroup.kill: %d processes %v", len(pids), pids)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell did not start its sleeps")
		}
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.waitEvent(ctx(t), "populated", 0); err != nil {
		t.Fatal(err)
	}
	pids, _ := c.Procs()
	t.Logf("after cgroup.kill: cgroup.events populated 0, cgroup.procs %v", pids)
	if len(pids) != 0 {
		t.Fatalf("cgroup.procs = %v after kill", pids)
	}
}

// TestFreezeThaw: a frozen counter stops; thawed, it counts again.
func TestFreezeThaw(t *testing.T) {
	h := realHost(t)
	c := create(t, h, nil)
	file := filepath.Join(t.TempDir(), "counter")
	start(t, c, "count", file)
	read := func() int {
		b, _ := os.ReadFile(file)
		n, _ := strconv.Atoi(string(b))
		return n
	}
	waitGrow := func(from int) int {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if n := read(); n > from {
				return n
			}
		}
		t.Fatalf("the counter stayed at %d", from)
		return 0
	}
	waitGrow(0)
	if err := c.Freeze(ctx(t)); err != nil {
		t.Fatal(err)
	}
	frozen := read()
	time.Sleep(500 * time.Millisecond) // observing that nothing happens
	if n := read(); n != frozen {
		t.Fatalf("frozen counter went from %d to %d", frozen, n)
	}
	if f, _ := c.Frozen(); !f {
		t.Fatal("cgroup.events says not frozen")
	}
	t.Logf("frozen: counter stayed at %d for 500ms", frozen)
	if err := c.Thaw(ctx(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("thawed: counter went on to %d", waitGrow(frozen))
}

// TestUnavailableLimitIsError: on a host where cgroup v2 lacks a
// controller, a limit that needs it is an error naming it, and nothing is
// created.
func TestUnavailableLimitIsError(t *testing.T) {
	h := realHost(t)
	limits := map[string]*Resources{
		"memory": {Memory: 32 << 20}, "pids": {PidsLimit: 10}, "cpu": {NanoCPUs: 5e8},
		"cpuset": {CpusetCpus: "0"}, "io": {DeviceReadBps: []DeviceRate{{Path: "/dev/x", Major: 1, Minor: 1, Rate: 1}}},
	}
	tested := 0
	for ctrl, r := range limits {
		if h.Check(ctrl) == nil {
			continue
		}
		tested++
		p := testParent(t, h) + "/c"
		_, err := Create(h, p, r)
		var ue *UnavailableError
		if !errors.As(err, &ue) || ue.Controller != ctrl || !strings.Contains(err.Error(), h.Mount) {
			t.Errorf("Create with a %s limit = %v, want an *UnavailableError naming %s and %s", ctrl, err, ctrl, h.Mount)
		}
		if _, err := os.Stat(Load(h, p).Dir()); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a failed Create left %s", Load(h, p).Dir())
		}
		t.Logf("%s: %v", ctrl, err)
	}
	if tested == 0 {
		t.Skip("every controller is usable in cgroup v2 here")
	}
}

// TestMemoryLimitOOMKills: memory.max kills a process that allocates past
// it, and memory.events counts the kill.
func TestMemoryLimitOOMKills(t *testing.T) {
	h := realHost(t, "memory")
	c := create(t, h, &Resources{Memory: 32 << 20, MemorySwap: 32 << 20})
	cmd := start(t, c, "alloc")
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("a process allocating 512 MiB under memory.max 32 MiB ended with %v, want SIGKILL", err)
	}
	ev, err := c.MemoryEvents()
	if err != nil {
		t.Fatal(err)
	}
	if ev.OOMKill < 1 || !c.OOMKilled() {
		t.Fatalf("memory.events = %+v, want oom_kill >= 1", ev)
	}
	s, _ := c.Stats()
	t.Logf("memory.max 32MiB enforced: allocator killed by SIGKILL; memory.peak=%d (%.1f MiB); memory.events max=%d oom=%d oom_kill=%d",
		s.Memory.Peak, float64(s.Memory.Peak)/(1<<20), ev.Max, ev.OOM, ev.OOMKill)
	if s.Memory.Peak > 33<<20 {
		t.Errorf("memory.peak %d is above memory.max", s.Memory.Peak)
	}
}

// TestPidsLimitFailsFork: past pids.max, fork fails.
func TestPidsLimitFailsFork(t *testing.T) {
	h := realHost(t, "pids")
	c := create(t, h, &Resources{PidsLimit: 8})
	bb := busybox(t)
	dir, _ := c.Open()
	defer dir.Close()
	cmd := exec.Command(bb, "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 </dev/null >/dev/null 2>&1 & done; echo forked")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
	out, _ := cmd.CombinedOutput()
	pidsEv, _ := readFlat(filepath.Join(c.Dir(), "pids.events"))
	s, _ := c.Stats()
	c.Kill()
	t.Logf("pids.max 8 enforced: shell said %q; pids.current=%d, pids.events max=%d", strings.TrimSpace(string(out)), s.Pids.Current, pidsEv["max"])
	if !strings.Contains(string(out), "can't fork") && !strings.Contains(string(out), "Resource temporarily unavailable") {
		t.Errorf("12 forks under pids.max 8: shell output %q, want a fork failure", out)
	}
	if pidsEv["max"] < 1 || s.Pids.Current > 8 {
		t.Errorf("pids.events max = %d, pids.current = %d; want >= 1 and <= 8", pidsEv["max"], s.Pids.Current)
	}
}

// TestCPUMaxThrottles: a spinning process under cpu.max gets about its
// quota, and cpu.stat counts the throttling.
func TestCPUMaxThrottles(t *testing.T) {
	h := realHost(t, "cpu")
	c := create(t, h, &Resources{NanoCPUs: 2e8}) // --cpus 0.2: cpu.max "20000 100000"
	before, _ := c.Stats()
	begin := time.Now()
	start(t, c, "spin")
	time.Sleep(3 * time.Second) // the measurement window
	s, err := c.Stats()
	elapsed := time.Since(begin)
	if err != nil {
		t.Fatal(err)
	}
	c.Kill()
	used := time.Duration(s.CPU.UsageUsec-before.CPU.UsageUsec) * time.Microsecond
	quota := time.Duration(float64(elapsed) * 0.2)
	t.Logf("cpu.max 20000 100000 enforced: a spinning process used %v of CPU in %v (quota %v, %.0f%%); nr_periods=%d nr_throttled=%d throttled_usec=%d",
		used.Round(time.Millisecond), elapsed.Round(time.Millisecond), quota.Round(time.Millisecond), 100*float64(used)/float64(quota), s.CPU.NrPeriods, s.CPU.NrThrottled, s.CPU.ThrottledUsec)
	if s.CPU.NrThrottled == 0 {
		t.Errorf("cpu.stat nr_throttled = 0, want > 0")
	}
	// Generous: an emulated CPU is slow and the last period may be partial.
	if used > quota*3/2+100*time.Millisecond || used < quota/3 {
		t.Errorf("used %v of CPU, want about the quota %v", used, quota)
	}
}

// ramdiskEnv names a ramdisk (/dev/ramN, from brd) the tests may
// overwrite: the VM tier gives each suite one of its own. The tests that
// write to a block device use that one or none.
const ramdiskEnv = "MINIDOCKER_TEST_RAMDISK"

// testRamdisk is $MINIDOCKER_TEST_RAMDISK, checked to be a ramdisk (brd's
// block major, 1) that nothing has mounted; the test skips without it.
func testRamdisk(t *testing.T) (path string, major, minor uint32) {
	path = os.Getenv(ramdiskEnv)
	if path == "" {
		t.Skipf("needs a ramdisk it may overwrite, named by %s (the VM tier loads brd and sets it)", ramdiskEnv)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatalf("%s=%s: %v", ramdiskEnv, path, err)
	}
	major, minor = unix.Major(st.Rdev), unix.Minor(st.Rdev)
	if st.Mode&syscall.S_IFMT != syscall.S_IFBLK || major != 1 {
		t.Fatalf("%s=%s is not a ramdisk (block device, major 1): mode %o, major %d", ramdiskEnv, path, st.Mode, major)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), fmt.Sprintf(" %d:%d ", major, minor)) {
		t.Fatalf("%s=%s is mounted: the test would overwrite it", ramdiskEnv, path)
	}
	return path, major, minor
}

// TestIOMaxThrottles: io.max (--device-read-bps, --device-write-bps) holds
// a reader's and a writer's O_DIRECT transfers, side by side in one
// cgroup, each to its rate, and io.stat counts their bytes. Without the
// limit, the same transfers are many times faster.
func TestIOMaxThrottles(t *testing.T) {
	h := realHost(t, "io")
	dev, major, minor := testRamdisk(t)
	const rate, size = 1 << 20, 2 << 20 // 1 MiB/s, 2 MiB each way: about 2 s
	transfer := func(c *Cgroup) (read, write time.Duration) {
		dir := t.TempDir()
		var cmds []*exec.Cmd
		for _, op := range []string{"read", "write"} {
			cmds = append(cmds, start(t, c, "directio", op, dev, strconv.Itoa(size), filepath.Join(dir, op)))
		}
		var took []time.Duration
		for i, op := range []string{"read", "write"} {
			if err := cmds[i].Wait(); err != nil {
				t.Fatalf("O_DIRECT %s of %s: %v", op, dev, err)
			}
			b, err := os.ReadFile(filepath.Join(dir, op))
			ns, _ := strconv.ParseInt(string(b), 10, 64)
			if err != nil || ns <= 0 {
				t.Fatalf("O_DIRECT %s of %s: no time reported: %q, %v", op, dev, b, err)
			}
			took = append(took, time.Duration(ns))
		}
		return took[0], took[1]
	}
	mibps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }

	free := create(t, h, nil)
	freeRead, freeWrite := transfer(free)

	c := create(t, h, &Resources{
		DeviceReadBps:  []DeviceRate{{Path: dev, Major: major, Minor: minor, Rate: rate}},
		DeviceWriteBps: []DeviceRate{{Path: dev, Major: major, Minor: minor, Rate: rate}},
	})
	ioMax, err := os.ReadFile(filepath.Join(c.Dir(), "io.max"))
	if want := fmt.Sprintf("%d:%d rbps=%d wbps=%d riops=max wiops=max", major, minor, rate, rate); err != nil || strings.TrimSpace(string(ioMax)) != want {
		t.Fatalf("io.max = %q, %v; want %q", ioMax, err, want)
	}
	read, write := transfer(c)
	s, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	var st *IOStats
	for i := range s.IO {
		if s.IO[i].Major == major && s.IO[i].Minor == minor {
			st = &s.IO[i]
		}
	}
	t.Logf("io.max %d:%d rbps=%d wbps=%d enforced (%s): O_DIRECT read of %d MiB in %v (%.2f MiB/s, %.0f%% of the limit), write in %v (%.2f MiB/s, %.0f%%); unlimited: read in %v (%.0f MiB/s), write in %v (%.0f MiB/s); io.stat %+v",
		major, minor, rate, rate, dev, size>>20, read.Round(time.Millisecond), mibps(read), 100*mibps(read), write.Round(time.Millisecond), mibps(write), 100*mibps(write),
		freeRead.Round(time.Millisecond), mibps(freeRead), freeWrite.Round(time.Millisecond), mibps(freeWrite), st)
	if st == nil || st.ReadBytes != size || st.WriteBytes != size {
		t.Errorf("io.stat of the cgroup for %d:%d = %+v; want rbytes=wbytes=%d", major, minor, st, size)
	}
	// The rate may exceed the limit by what blk-throttle grants a first
	// time slice (100 ms) at once; an emulated machine can only be slower.
	for _, x := range []struct {
		op            string
		limited, free time.Duration
	}{{"read", read, freeRead}, {"write", write, freeWrite}} {
		if r := mibps(x.limited); r > 1.15 || r < 0.6 {
			t.Errorf("%s at %.2f MiB/s under a limit of 1 MiB/s, want within -40%%..+15%%", x.op, r)
		}
		if mibps(x.free) < 4 {
			t.Errorf("%s at %.2f MiB/s without a limit: the device is too slow to tell the limit from it", x.op, mibps(x.free))
		}
	}
}

// TestCpusetAndWeight: --cpuset-cpus and --cpu-shares land in the files.
func TestCpusetAndWeight(t *testing.T) {
	h := realHost(t, "cpu", "cpuset")
	c := create(t, h, &Resources{CpusetCpus: "0", CPUShares: 512})
	for file, want := range map[string]string{"cpuset.cpus": "0", "cpuset.cpus.effective": "0", "cpu.weight": strconv.FormatUint(SharesToWeight(512), 10)} {
		b, err := os.ReadFile(filepath.Join(c.Dir(), file))
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q, %v; want %q", file, b, err, want)
		}
	}
	_, err := Create(h, testParent(t, h)+"/c", &Resources{CpusetCpus: strconv.Itoa(runtime.NumCPU() + 4)})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not available") {
		t.Errorf("Create with a CPU that is not there = %v, want docker's 'not available' error", err)
	}
	t.Logf("cpuset.cpus 0 and cpu.weight %d written; a missing CPU is refused: %v", SharesToWeight(512), err)
}

// TestDeviceFilterAttached: root in the cgroup can make a node for the
// host's disk but not open it; /dev/null still works. Any cgroup2 has this.
func TestDeviceFilterAttached(t *testing.T) {
	h := realHost(t)
	bb := busybox(t)
	// The host's first disk (the ramdisk /dev/ram0 in the VM tier's guest);
	// without one, sd's 8:0: unfiltered, opening it fails with ENXIO, not
	// EPERM.
	majmin := "8:0"
	if blocks, _ := os.ReadDir("/sys/dev/block"); len(blocks) > 0 {
		majmin = blocks[0].Name()
	}
	c := create(t, h, nil)
	if err := c.AllowDevices(DefaultDevices); err != nil {
		t.Fatal(err)
	}
	maj, min, _ := strings.Cut(majmin, ":")
	node := filepath.Join(t.TempDir(), "disk")
	dir, _ := c.Open()
	defer dir.Close()
	script := "mknod " + node + " b " + maj + " " + min + " && echo made; head -c 1 " + node + " >/dev/null && echo opened; echo ok > /dev/null && echo null"
	cmd := exec.Command(bb, "sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
	out, _ := cmd.CombinedOutput()
	t.Logf("device filter: block device %s in the cgroup: %q", majmin, out)
	if got := string(out); !strings.Contains(got, "made\n") || strings.Contains(got, "opened") || !strings.Contains(got, "Operation not permitted") || !strings.Contains(got, "null\n") {
		t.Errorf("output %q, want made, an EPERM for the disk, and null", got)
	}
}
