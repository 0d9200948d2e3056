package vmtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseGoTest(t *testing.T) {
	out := `=== RUN   TestA
    a_test.go:10: hello
--- PASS: TestA (0.01s)
=== RUN   TestB
    b_test.go:3: needs root
--- SKIP: TestB (0.00s)
=== RUN   TestC
=== RUN   TestC/sub
    c_test.go:7: boom
--- FAIL: TestC (0.00s)
    --- FAIL: TestC/sub (0.00s)
=== RUN   TestD
panic: oops
FAIL
`
	got := ParseGoTest(strings.Split(out, "\n"))
	want := []GoTest{
		{Name: "TestA", Result: "PASS", Output: []string{"a_test.go:10: hello"}},
		{Name: "TestB", Result: "SKIP", Output: []string{"b_test.go:3: needs root"}},
		{Name: "TestC", Result: "FAIL", Output: []string{"c_test.go:7: boom"}, Subtests: map[string]string{"TestC/sub": "FAIL"}},
		{Name: "TestD", Output: []string{"panic: oops"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseGoTest (-want +got):\n%s", diff)
	}
}

func TestParseConsole(t *testing.T) {
	console := "[    0.1] kernel noise\r\n\x1b[2Jvmtest-begin a\r\nvmtest-out a hello world\r\n[  1.0] oom\r\nvmtest-out a bye\r\nvmtest-end a exit=3\r\nvmtest-begin b\r\nvmtest-out b x\r\n"
	got, tail := parseConsole(strings.NewReader(console), nil, time.Now())
	for i := range got {
		if got[i].Start <= 0 || got[i].Took < 0 {
			t.Errorf("job %s: start %v, took %v; want times from the boot", got[i].Name, got[i].Start, got[i].Took)
		}
		got[i].Start, got[i].Took = 0, 0
	}
	want := []Result{{Name: "a", Output: []string{"hello world", "bye"}, Exit: 3}, {Name: "b", Output: []string{"x"}, Exit: -1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseConsole (-want +got):\n%s", diff)
	}
	if len(tail) != 8 || tail[0] != "[    0.1] kernel noise" {
		t.Errorf("tail = %q", tail)
	}
}

func TestLeaks(t *testing.T) {
	before := []string{"mount /", "mount /proc", "process 1 /init "}
	if l := Leaks(before, append(slices.Clone(before), KeptParent)); len(l) != 0 {
		t.Errorf("the kept parent is a leak: %q", l)
	}
	after := append(slices.Clone(before[1:]), "cgroup /sys/fs/cgroup/minidocker/test-1/c", "mount /tmp/x", "process 77 sleep 60 ")
	want := []string{
		"the listing after the suites shows no root mount or no init: " + fmt.Sprintf("%q", after),
		"left behind: cgroup /sys/fs/cgroup/minidocker/test-1/c",
		"left behind: mount /tmp/x",
		"left behind: process 77 sleep 60 ",
		"gone after the suites: mount /",
	}
	if diff := cmp.Diff(want, Leaks(before, after)); diff != "" {
		t.Errorf("Leaks (-want +got):\n%s", diff)
	}
	if l := Leaks(nil, nil); len(l) != 2 {
		t.Errorf("empty listings: %q, want both refused", l)
	}
}
