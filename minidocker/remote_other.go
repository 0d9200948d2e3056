//go:build !linux

package minidocker

import (
	"os"

	"github.com/minidocker/minidocker/ns"
)

// Terminals are Linux-only here: a remote container's output still
// comes, but our terminal stays as it is.
func rawTerminal(*os.File) func()                                { return nil }
func followSize(_, _ *os.File, _ func(rows, cols uint16)) func() { return func() {} }
func consoleSize(files ...*os.File) ns.ConsoleSize               { return ns.ConsoleSize{} }
