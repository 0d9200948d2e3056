// Package minidocker is the engine and its command line.
package minidocker

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minidocker/minidocker/ns"
)

// Main runs the minidocker command line with args (args[0] is the program
// name) and returns the exit code, using docker's codes: 125 when minidocker
// itself fails, 126 when the command cannot be invoked, 127 when it is not
// found, otherwise the container's own.
func Main(args []string) int {
	if len(args) > 1 && args[1] == "init" {
		return ns.Init() // the container's first process; see ns.Start
	}
	if len(args) > 1 && args[1] == "cgroup-cleanup" {
		return cgroupCleanup(args[2:], os.Stdin) // see startCleaner
	}
	if len(args) > 1 && args[1] == "network-cleanup" {
		return networkCleanup(args[2:], os.Stdin) // see startNetworkCleaner
	}
	return run(args[1:], os.Stdin, os.Stdout, os.Stderr)
}

const usage = `Usage:  minidocker COMMAND

A small container engine, built one chapter at a time.

Commands:
  network     Manage networks
  port        List port mappings or a specific mapping for the container
  run         Run a command in a new container
  snapshots   Work with the snapshot store (layers), as 'ctr snapshots'
  stats       Display a live stream of container(s) resource usage statistics
  version     Show the minidocker version

Run 'minidocker COMMAND --help' for more information on a command.
`

// Version is set at build time (-ldflags "-X ...Version=v0.1.0").
var Version = "dev"

func run(args []string, stdin, stdout, stderr *os.File) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "help" {
		io.WriteString(stdout, usage)
		if len(args) == 0 {
			return ExitEngine
		}
		return 0
	}
	switch args[0] {
	case "run":
		return runCommand(args[1:], stdin, stdout, stderr)
	case "snapshots":
		return snapshotsCommand(args[1:], stdout, stderr)
	case "network":
		return networkCommand(args[1:], stdout, stderr)
	case "port":
		return portCommand(args[1:], stdout, stderr)
	case "stats":
		return statsCommand(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "minidocker version %s\n", Version)
		return 0
	}
	return fail(stderr, fmt.Errorf("%q is not a minidocker command (see 'minidocker --help')", args[0]))
}

// ExitEngine is docker's exit code for a failure of the engine itself.
const ExitEngine = ns.ExitEngine

// fail prints err as the one line a user sees and returns its exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "minidocker: %v\n", err)
	var se *ns.StartError
	if errors.As(err, &se) {
		return se.Code
	}
	return ExitEngine
}
