//go:build !linux

package nettest

import (
	"os"
	"testing"
)

// Main runs the tests; off Linux those that make devices skip.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests and returns the exit code.
func Run(m interface{ Run() int }) int { return m.Run() }

// Snapshot has nothing to record off Linux.
func Snapshot() (State, error) { return State{}, nil }

// Private reports false: there are no network namespaces here.
func Private() bool { return false }

// NeedRoot skips: network devices need Linux.
func NeedRoot(t testing.TB) { t.Skip("needs Linux network namespaces") }

// Unchanged does nothing: NeedRoot skipped the test.
func Unchanged(t testing.TB) {}
