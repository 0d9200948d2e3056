package testscript

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// TestFailures runs transcripts that must fail, and checks why they did:
// a harness whose checks cannot fail proves nothing.
func TestFailures(t *testing.T) {
	bin := t.TempDir()
	// A dynamically linked busybox, which mkrootfs must refuse.
	if err := copyFile("/bin/true", filepath.Join(bin, "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ script, want string }{
		{"! exits 0 true", "unsupported: ! exits"},
		{"exits x true", "usage: exits N CMD [ARGS...]"},
		{"exits 256 true", "usage: exits N CMD [ARGS...]"},
		{"exits 0", "usage: exits N CMD [ARGS...]"},
		{"exits 1 sh -c 'exit 3'", "sh exited 3, want 1"},
		{"exits 0 sh -c 'kill $$'", "sh exited 143, want 0"},
		{"exits 0 nosuchprogram", "run nosuchprogram: "},
		{"mkrootfs", "usage: mkrootfs DIR"},
		{"! mkrootfs r", "unsupported: ! mkrootfs"},
		{"env PATH=$WORK\nmkrootfs r", "mkrootfs: need a static busybox (apt-get install busybox-static)"},
		{"env PATH=" + bin + "\nmkrootfs r", "mkrootfs: need a static busybox (apt-get install busybox-static)"},
		{"install breakout", "usage: install PROG PATH"},
		{"install breakout bin/escape", "install: bin/escape must be named breakout"},
		{"install nosuch nosuch", `install: no program "nosuch" (have breakout, layer, minidocker, ptyrun, sigafter, unpriv)`},
		{"hostns uts", "usage: hostns KIND VAR"},
		{"hostns ../x X", "usage: hostns KIND VAR"},
		{"hostns nosuch X", "hostns: readlink /proc/self/ns/nosuch: no such file or directory"},
		{"! hostns uts X", "unsupported: ! hostns"},
		{"sysvshm", "usage: sysvshm VAR"},
		{"sharedmount", "usage: sharedmount DIR"},
		{"registry", "usage: registry start [-basic] [VAR]"},
		{"registry stop", "usage: registry start [-basic] [VAR]"},
		{"registry start A B", "usage: registry start [-basic] [VAR]"},
		{"! registry start", "unsupported: ! registry"},
		{"[bogus] exec true", `unknown condition "bogus"`},
		{"[cgroup2:] exec true", `unknown condition "cgroup2:"`},
		// The leak check: a process left running with $WORK on its
		// command line, and its children, which do not have it ...
		{"exec sh -c 'cd / && sh -c \"sleep 29; true\" \"$0\" >/dev/null 2>&1 &' $WORK\nexec sleep 0.2", "killed: sleep 29\n"},
		// ... or in it as its cwd ...
		{"exec sh -c 'sleep 30 >/dev/null 2>&1 &'", "leak check: the transcript left the host changed"},
		// ... also after a failure.
		{"exec sh -c 'sleep 30 >/dev/null 2>&1 &'\nexec false", "leak check: the transcript left the host changed"},
	}
	if os.Geteuid() == 0 {
		// ... or a mount.
		tests = append(tests, struct{ script, want string }{"mkdir mnt\nexec mount -t tmpfs leaked $WORK/mnt", "mount appeared: "},
			// ... or a process whose root, after pivot_root in a mount
			// namespace of its own, is known by its identity only.
			struct{ script, want string }{"mkrootfs rootfs\nexec sh -c 'unshare -m --propagation private --fork sh -c \"mount --bind rootfs rootfs && cd rootfs && pivot_root . . && umount -l . && cd / && exec sleep 31\" >/dev/null 2>&1 &'\nexec sleep 0.2", "killed: sleep 31"})
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.script)[0], func(t *testing.T) {
			ft := runScript(t, tt.script)
			if !ft.failed {
				t.Fatalf("script passed, want a failure with %q:\n%s\n%s", tt.want, tt.script, ft.log.String())
			}
			if !strings.Contains(ft.log.String(), tt.want) {
				t.Fatalf("script failed without %q:\n%s\n%s", tt.want, tt.script, ft.log.String())
			}
			checkCleaned(t, ft.log.String())
		})
	}
}

// checkCleaned checks that what the leak check reported is gone.
func checkCleaned(t *testing.T, log string) {
	for _, m := range regexp.MustCompile(`process (\d+) still running`).FindAllStringSubmatch(log, -1) {
		if pid, _ := strconv.Atoi(m[1]); !gone(pid) {
			t.Errorf("process %d still runs after the leak check", pid)
		}
	}
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`mount appeared: \S+ \S+ \S+ \S+ (\S+)`).FindAllStringSubmatch(log, -1) {
		if strings.Contains(string(mountinfo), " "+m[1]+" ") {
			t.Errorf("%s is still mounted after the leak check", m[1])
		}
	}
}

// TestSysvshmRemoved checks that sysvshm's segment goes with the script.
func TestSysvshmRemoved(t *testing.T) {
	out := filepath.Join(t.TempDir(), "key")
	ft := runScript(t, "sysvshm KEY\nexec sh -c 'echo $KEY >"+out+"'")
	if ft.failed {
		t.Fatal(ft.log.String())
	}
	key, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	shm, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	if k := " " + strings.TrimSpace(string(key)) + " "; strings.Contains(string(shm), k) {
		t.Fatalf("segment with key %s is still there:\n%s", k, shm)
	}
}

// runScript runs script as a transcript of its own, with a stand-in for
// testing.T that records the failure instead of failing the test.
func runScript(t *testing.T, script string) *fakeT {
	file := filepath.Join(t.TempDir(), "script.txtar")
	if err := os.WriteFile(file, []byte(script+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := params("", workRoot(t))
	p.Dir, p.Files = "", []string{file}
	ft := new(fakeT)
	ts.RunT(ft, p)
	return ft
}

// fakeT is enough of testing.T for ts.RunT, recording instead of failing.
type fakeT struct {
	mu     sync.Mutex
	log    strings.Builder
	failed bool
}

func (t *fakeT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(&t.log, args...)
}

func (t *fakeT) Fatal(args ...any) { t.Log(args...); t.FailNow() }
func (t *fakeT) Skip(args ...any)  { t.Log(args...); runtime.Goexit() }
func (t *fakeT) Parallel()         {}
func (t *fakeT) Verbose() bool     { return false }

func (t *fakeT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

// Run runs f on a goroutine of its own, which FailNow may end.
func (t *fakeT) Run(_ string, f func(ts.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(t)
	}()
	<-done
}
