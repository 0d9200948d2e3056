package engine

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The keeper runs on a copy of one thread of a Go program, with no
// runtime behind it: a call into the allocator, the scheduler or the
// garbage collector there hangs on a lock nobody will release (a keeper
// that allocated, once, did). So its code is checked where it is
// compiled: every function it can reach, from ns.keeperFork and keep, is
// disassembled (from the minidocker binary), and what they
// call must be theirs, the system-call stubs, or the runtime's few leaf
// routines: copying, IndexByte, bounds panics (a bug, and a crash either
// way), and the stack check's morestack, which a correct stack guard
// never takes. No pointer may be stored through the write barrier.
func TestKeeperRunsNoRuntime(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to disassemble the test binary")
	}
	// go test strips its binaries' symbols: build minidocker to read.
	bin := filepath.Join(t.TempDir(), "minidocker")
	if b, err := exec.Command(gotool, "build", "-o", bin, "github.com/minidocker/minidocker/cmd/minidocker").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, b)
	}
	cmd := exec.Command(gotool, "tool", "objdump", "-s", `minidocker/(ns|engine)\.`, bin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v: %s", err, stderr.String())
	}
	const mod = "github.com/minidocker/minidocker/"
	calls := map[string][]string{} // function -> callees
	barrier := map[string]bool{}   // functions that test runtime.writeBarrier
	call := regexp.MustCompile(`\bCALL (\S+)`)
	var cur string
	for _, line := range strings.Split(string(out), "\n") {
		if f, ok := strings.CutPrefix(line, "TEXT "); ok {
			cur = strings.TrimSuffix(strings.TrimSuffix(strings.Fields(f)[0], "(SB)"), ".abi0")
			calls[cur] = calls[cur][:0:0]
			continue
		}
		if m := call.FindStringSubmatch(line); m != nil {
			calls[cur] = append(calls[cur], strings.TrimSuffix(strings.TrimSuffix(m[1], "(SB)"), ".abi0"))
		}
		if strings.Contains(line, "runtime.writeBarrier") {
			barrier[cur] = true
		}
	}
	leaf := map[string]bool{
		"syscall.RawSyscall": true, "syscall.RawSyscall6": true, "internal/bytealg.IndexByte": true,
		"unicode/utf8.decodeRuneSlow": true, "runtime.memmove": true, "runtime.memclrNoHeapPointers": true,
		"runtime.morestack_noctxt": true, "runtime.panicBounds": true, "runtime.panicunsafeslicelen": true,
	}
	// append grows a slice only past its capacity; keep checks the room
	// before each log line.
	growOK := map[string]bool{mod + "engine.appendLogLine": true, mod + "engine.appendTime": true, mod + "engine.appendDigits": true}
	seen := map[string]bool{}
	todo := []string{mod + "ns.keeperFork", mod + "engine.keep"}
	for len(todo) > 0 {
		f := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[f] {
			continue
		}
		seen[f] = true
		if _, ok := calls[f]; !ok {
			t.Errorf("%s: not found in the disassembly", f)
		}
		if barrier[f] {
			t.Errorf("%s stores a pointer (write barrier): a keeper may not", f)
		}
		for _, c := range calls[f] {
			switch {
			case strings.HasPrefix(c, mod):
				todo = append(todo, c)
			case leaf[c], c == "runtime.growslice" && growOK[f]:
			case !strings.Contains(c, "."): // a register: the call of Run
				if f != mod+"ns.keeperLife" {
					t.Errorf("%s calls through %s: only keeperLife may (Run)", f, c)
				}
			default:
				t.Errorf("%s calls %s: a keeper may not enter the runtime", f, c)
			}
		}
	}
	names := make([]string, 0, len(seen))
	for f := range seen {
		names = append(names, strings.TrimPrefix(f, mod))
	}
	sort.Strings(names)
	if len(names) < 15 {
		t.Errorf("checked only %v: is the walk missing the keeper?", names)
	}
	t.Logf("checked: %s", strings.Join(names, " "))
}
