package testscript

import (
	"os"
	"strings"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// cmdHostns sets VAR to the test process's namespace of kind KIND, as
// readlink shows it ("uts:[4026531838]"), to compare a container's with:
// hostns KIND VAR.
func cmdHostns(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! hostns")
	}
	if len(args) != 2 || args[0] == "" || strings.ContainsAny(args[0], "/.") {
		s.Fatalf("usage: hostns KIND VAR (KIND as in /proc/self/ns: uts, pid, ipc, net, mnt, cgroup, user, time)")
	}
	target, err := os.Readlink("/proc/self/ns/" + args[0])
	if err != nil {
		s.Fatalf("hostns: %v", err)
	}
	s.Setenv(args[1], target)
}
