package vmtest

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// suites are the test binaries the guest runs, one boot for all of them:
// each package's tests built with `go test -c` and run with -test.v. The
// required tests must pass in the guest, not skip: they are what this tier
// exists for.
var suites = []struct {
	name, pkg string
	run       string   // -test.run, if not every test
	env       []string // the suite's own environment
	required  []string
}{
	{"cgroup", "./cgroup", "", []string{ramdisk("/dev/ram0")}, []string{
		"TestCoreFeatures", "TestKillEmptiesCgroup", "TestFreezeThaw",
		"TestMemoryLimitOOMKills", "TestPidsLimitFailsFork", "TestCPUMaxThrottles", "TestCpusetAndWeight", "TestDeviceFilterAttached",
		"TestIOMaxThrottles",
	}},
	{"chapter04", "./chapters/04-cgroup", "", []string{ramdisk("/dev/ram1")}, []string{"TestTranscripts", "TestTranscripts/limits", "TestTranscripts/owncgroup", "TestTranscripts/devices"}},
	// The guest's modules at work, for the chapters to come.
	{"vmtest", "./vmtest", "^TestInGuest", nil, []string{"TestInGuestModules", "TestInGuestOverlay", "TestInGuestVethBridge"}},
}

// ramdisk gives a suite a ramdisk of its own (brd's /dev/ram0-3), which
// its tests may overwrite: they find it in MINIDOCKER_TEST_RAMDISK.
func ramdisk(dev string) string { return "MINIDOCKER_TEST_RAMDISK=" + dev }

// statSources stats the module's Go files. go test reuses a passing run
// while the files the test process opened or stat'ed are unchanged; the
// guest's binaries are built by go build, whose reads it does not see, so
// without this a change to a suite's code would not run the guest again.
func statSources(t *testing.T, root string) {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin"):
			return fs.SkipDir
		case !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum"):
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGuest boots Debian's kernel under QEMU once, runs every suite in it
// and reports each guest test as a subtest here, with its log.
func TestGuest(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the guest is x86_64; TCG on another architecture is too slow for CI")
	}
	if testing.Short() {
		t.Skip("boots a VM (-short)")
	}
	if inGuest() {
		t.Skip("this is the guest")
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	statSources(t, root)
	kernel, err := FindKernel(filepath.Join(root, ".cache", "vm"))
	if errors.Is(err, ErrNoKernel) {
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	busybox, err := Busybox()
	if err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip(ErrNoQEMU)
	}

	bin := t.TempDir()
	start := time.Now()
	if err := Build(root, "build", "-o", filepath.Join(bin, "vminit"), "./vmtest/vminit"); err != nil {
		t.Fatal(err)
	}
	if err := Build(root, "build", "-o", filepath.Join(bin, "minidocker"), "./cmd/minidocker"); err != nil {
		t.Fatal(err)
	}
	files := []Entry{{Name: "bin/minidocker", Mode: modeFile | 0o755, HostPath: filepath.Join(bin, "minidocker")}}
	// What the machine holds before the suites and after them: the same,
	// but the parent of the containers' cgroups.
	jobs := []Job{LeakJob("leaks-before")}
	for _, s := range suites {
		if _, err := os.Stat(filepath.Join(root, s.pkg)); err != nil {
			t.Errorf("suite %s: %v", s.name, err)
			continue
		}
		out := filepath.Join(bin, s.name+".test")
		if err := Build(root, "test", "-c", "-o", out, s.pkg); err != nil {
			t.Fatal(err)
		}
		files = append(files, Entry{Name: "tests/" + s.name + ".test", Mode: modeFile | 0o755, HostPath: out})
		// A test runs in its package's directory, with its testdata.
		dir := filepath.Join("src", s.pkg)
		testdata, err := DirEntries(filepath.Join(root, s.pkg, "testdata"), filepath.Join(dir, "testdata"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(append(files, Entry{Name: dir, Mode: modeDir | 0o755}), testdata...)
		args := []string{"/tests/" + s.name + ".test", "-test.v", "-test.timeout=5m"}
		if s.run != "" {
			args = append(args, "-test.run="+s.run)
		}
		jobs = append(jobs, Job{Name: s.name, Args: args, Env: s.env, Dir: "/" + dir})
	}
	jobs = append(jobs, LeakJob("leaks-after"))
	t.Logf("built the guest's binaries in %v", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var console strings.Builder
	var copyTo io.Writer = &console
	if testing.Verbose() && os.Getenv("VMTEST_CONSOLE") != "" {
		copyTo = io.MultiWriter(&console, os.Stderr) // watch the guest as it runs
	}
	boot := time.Now()
	results, err := Run(ctx, Config{
		Kernel: kernel, Init: filepath.Join(bin, "vminit"), Busybox: busybox,
		Files: files, Jobs: jobs, Console: copyTo,
	})
	t.Logf("booted %s, ran %d jobs and powered off in %v", filepath.Base(kernel.Image), len(results), time.Since(boot).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(console.String(), "\n") {
		// Init's own messages; the firmware's escape codes may precede one.
		if i := strings.Index(l, "vmtest: "); i >= 0 {
			t.Log("guest: " + strings.TrimSpace(l[i+len("vmtest: "):]))
		}
	}
	if len(results) > 0 {
		t.Logf("the guest was up (kernel, init, modules) after %v", results[0].Start.Round(time.Millisecond))
	}
	for _, r := range results {
		t.Logf("job %s: %v", r.Name, r.Took.Round(time.Millisecond))
	}
	for _, s := range suites {
		i := slices.IndexFunc(results, func(r Result) bool { return r.Name == s.name })
		if i < 0 {
			t.Errorf("suite %s did not run in the guest", s.name)
			continue
		}
		res := results[i]
		tests := ParseGoTest(res.Output)
		t.Run(s.name, func(t *testing.T) {
			if res.Exit != 0 {
				t.Errorf("%s.test exited %d in the guest; its output:\n%s", s.name, res.Exit, strings.Join(res.Output, "\n"))
			}
			for _, gt := range tests {
				t.Run(gt.Name, func(t *testing.T) {
					for _, l := range gt.Output {
						t.Log(l)
					}
					switch {
					case gt.Result == "FAIL" || gt.Result == "":
						t.Errorf("failed in the guest")
					case gt.Result == "SKIP" && slices.Contains(s.required, gt.Name):
						t.Errorf("skipped in the guest, where it must run")
					case gt.Result == "SKIP":
						t.Skip("skipped in the guest")
					}
				})
			}
			for _, name := range s.required {
				top, _, isSub := strings.Cut(name, "/")
				i := slices.IndexFunc(tests, func(gt GoTest) bool { return gt.Name == top })
				switch {
				case i < 0:
					t.Errorf("%s did not run in the guest", name)
				case isSub && tests[i].Subtests[name] != "PASS":
					t.Errorf("%s: %q in the guest, want PASS", name, tests[i].Subtests[name])
				}
			}
		})
	}
	t.Run("leaks", func(t *testing.T) {
		var listings [2][]string
		for i, name := range []string{"leaks-before", "leaks-after"} {
			j := slices.IndexFunc(results, func(r Result) bool { return r.Name == name })
			if j < 0 || results[j].Exit != 0 {
				t.Fatalf("%s did not run in the guest", name)
			}
			listings[i] = results[j].Output
		}
		if leaks := Leaks(listings[0], listings[1]); len(leaks) > 0 {
			t.Fatalf("the suites left the guest changed:\n\t%s", strings.Join(leaks, "\n\t"))
		}
		of := func(kind string) []string {
			return slices.DeleteFunc(slices.Clone(listings[1]), func(s string) bool { return !strings.HasPrefix(s, kind+" ") })
		}
		t.Logf("after every suite: the same %d mounts, %d processes (init), links %q and loop devices %q as before them; cgroups: %q (the containers' parent stays, as docker's /docker does)",
			len(of("mount")), len(of("process")), of("link"), of("loop"), of("cgroup"))
	})
	if t.Failed() {
		t.Logf("the guest's console:\n%s", console.String())
	}
}
