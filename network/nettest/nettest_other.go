//go:build !linux

package nettest

import (
	"os"
	"testing"
)

// Main runs the tests; off Linux those that make devices skip.
func Main(m *testing.M) { os.Exit(m.Run()) }

// Private reports false: there are no network namespaces here.
func Private() bool { return false }

// NeedRoot skips: network devices need Linux.
func NeedRoot(t testing.TB) { t.Skip("needs Linux network namespaces") }

// Unchanged does nothing: NeedRoot skipped the test.
func Unchanged(t testing.TB) {}
