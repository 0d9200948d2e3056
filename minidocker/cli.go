// Package minidocker is the engine and its command line.
package minidocker

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minidocker/minidocker/ns"

	"github.com/minidocker/minidocker/internal/phase"
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

const usage = `Usage:  minidocker [OPTIONS] COMMAND

A small container engine, built one chapter at a time.

Options:
  -D, --debug   Print debug output: every registry HTTP exchange (no secrets)

Commands:
  images      List images
  import      Import the contents from a tarball to create a filesystem image
  login       Log in to a registry
  logout      Log out from a registry
  network     Manage networks
  port        List port mappings or a specific mapping for the container
  pull        Download an image from a registry
  push        Upload an image to a registry
  rmi         Remove one or more images
  run         Run a command in a new container
  snapshots   Work with the snapshot store (layers), as 'ctr snapshots'
  stats       Display a live stream of container(s) resource usage statistics
  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
  version     Show the minidocker version

Run 'minidocker COMMAND --help' for more information on a command.
`

// Version is set at build time (-ldflags "-X ...Version=v0.1.0").
var Version = "dev"

func run(args []string, stdin, stdout, stderr *os.File) int {
	phase.Mark("cli: main")
	var g globals
	for len(args) > 0 && (args[0] == "--debug" || args[0] == "-D") {
		g.debug, args = true, args[1:]
	}
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
	case "pull":
		return pullCommand(g, args[1:], stdout, stderr)
	case "push":
		return pushCommand(g, args[1:], stdout, stderr)
	case "images":
		return imagesCommand(g, args[1:], stdout, stderr)
	case "tag":
		return tagCommand(g, args[1:], stdout, stderr)
	case "rmi":
		return rmiCommand(g, args[1:], stdout, stderr)
	case "import":
		return importCommand(g, args[1:], stdin, stdout, stderr)
	case "login":
		return loginCommand(g, args[1:], stdin, stdout, stderr)
	case "logout":
		return logoutCommand(g, args[1:], stdout, stderr)
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
