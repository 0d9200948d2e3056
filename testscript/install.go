package testscript

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// cmdInstall copies the test binary to PATH, whose base name picks the
// program it runs as, so that the program can run inside a container:
// install PROG PATH.
func cmdInstall(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! install")
	}
	if len(args) != 2 {
		s.Fatalf("usage: install PROG PATH")
	}
	prog, dst := args[0], s.MkAbs(args[1])
	if _, ok := programs[prog]; !ok {
		names := slices.Sorted(maps.Keys(programs))
		s.Fatalf("install: no program %q (have %s)", prog, strings.Join(names, ", "))
	}
	if filepath.Base(dst) != prog {
		s.Fatalf("install: %s must be named %s: the test binary runs the program its name says", args[1], prog)
	}
	exe, err := os.Executable()
	if err != nil {
		s.Fatalf("install: find the test binary: %v", err)
	}
	static, err := staticELF(exe)
	if err != nil {
		s.Fatalf("install: %v", err)
	}
	if !static {
		s.Fatalf("install: the test binary is dynamically linked and would not run in a root filesystem; build it with CGO_ENABLED=0 and guard with [static]")
	}
	if err := copyFile(exe, dst, 0o755); err != nil {
		s.Fatalf("install: %v", err)
	}
}
