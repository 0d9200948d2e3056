//go:build !linux

package testscript

import (
	"fmt"
	"os"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// Containers are Linux's: elsewhere the package compiles, the Linux-only
// conditions are false, and the Linux-only commands and programs fail.

func canUserns() bool  { return false }
func hasOverlay() bool { return false }

func cgroup2Controllers() (map[string]bool, error) { return nil, nil }

func testRamdisk() string { return "" }

func watchLeaks(*ts.Env) error { return nil }

func cmdHostns(s *ts.TestScript, _ bool, _ []string)      { s.Fatalf("hostns: needs Linux") }
func cmdSysvshm(s *ts.TestScript, _ bool, _ []string)     { s.Fatalf("sysvshm: needs Linux") }
func cmdSharedmount(s *ts.TestScript, _ bool, _ []string) { s.Fatalf("sharedmount: needs Linux") }

func sigafter([]string) int { return needsLinux("sigafter") }
func ptyrun([]string) int   { return needsLinux("ptyrun") }
func unpriv([]string) int   { return needsLinux("unpriv") }
func breakout([]string) int { return needsLinux("breakout") }

func needsLinux(prog string) int {
	fmt.Fprintf(os.Stderr, "%s: needs Linux\n", prog)
	return 2
}
