// Package phase marks where a container's start spends its time: with
// MINIDOCKER_PHASES=FILE in the environment, each Mark appends a line
// "NAME NANOSECONDS" (CLOCK_MONOTONIC, one clock for every process) to
// FILE. The CLI, the container's init and its helpers all mark; `go run
// ./bench startup` reads the lines back into a per-phase breakdown.
// Unset, a Mark costs one comparison.
package phase

import (
	"fmt"
	"os"
	"sync"
)

// Env is the variable that names the file.
const Env = "MINIDOCKER_PHASES"

var file = os.Getenv(Env)

var (
	once sync.Once
	out  *os.File
)

// Mark records that the phase called name has been reached. The file is
// opened at the first mark and kept (close-on-exec): the container's init
// marks after pivot_root too, when the path no longer leads there.
func Mark(name string) {
	if file == "" {
		return
	}
	once.Do(func() {
		out, _ = os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	})
	if out != nil {
		// One write a line: O_APPEND keeps the lines of several processes whole.
		out.WriteString(fmt.Sprintf("%s %d\n", name, Now()))
	}
}

// Environ is what a process started by this one needs to mark too (the
// container's init starts with an empty environment): nil when unset.
func Environ() []string {
	if file == "" {
		return nil
	}
	return []string{Env + "=" + file}
}

// Now is CLOCK_MONOTONIC in nanoseconds, comparable across processes.
func Now() int64 { return now() }
