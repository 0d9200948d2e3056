// Package minidocker is the engine's command line: docker's commands,
// flags, output and exit codes, on the engine (package engine) called
// in-process.
package minidocker

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/minidocker/minidocker/engine"
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
		return engine.CgroupCleanup(args[2:], os.Stdin) // see engine.startCleaner
	}
	if len(args) > 1 && args[1] == "exec-init" {
		return ns.ExecInit() // a process joining a container; see ns.Join
	}
	if len(args) > 1 && args[1] == "monitor" {
		return engine.Monitor(args[2:]) // a detached container's; see engine.Start
	}
	if len(args) > 1 && args[1] == "monitor-finish" {
		return engine.MonitorFinish(args[2:]) // a detached container's end; see engine.Monitor
	}
	return run(args[1:], os.Stdin, os.Stdout, os.Stderr)
}

const usage = `Usage:  minidocker [OPTIONS] COMMAND

A small container engine, built one chapter at a time.

Options:
  -D, --debug       Print debug output: every registry HTTP exchange (no secrets)
  -H, --host HOST   Daemon socket to talk to (unix:///PATH; default $MINIDOCKER_HOST,
                    then $DOCKER_HOST, else none: the engine runs in this process)

Commands:
  create      Create a new container
  daemon      Serve the Docker Engine API on a unix socket, as dockerd
  exec        Execute a command in a running container
  images      List images
  import      Import the contents from a tarball to create a filesystem image
  inspect     Return low-level information on containers and volumes
  kill        Kill one or more running containers
  load        Load an image from a tar archive or STDIN
  login       Log in to a registry
  logout      Log out from a registry
  logs        Fetch the logs of a container
  network     Manage networks
  pause       Pause all processes within one or more containers
  port        List port mappings or a specific mapping for the container
  ps          List containers
  pull        Download an image from a registry
  push        Upload an image to a registry
  restart     Restart one or more containers
  rm          Remove one or more containers
  rmi         Remove one or more images
  run         Create and run a new container
  save        Save one or more images to a tar archive (streamed to STDOUT by default)
  snapshots   Work with the snapshot store (layers), as 'ctr snapshots'
  start       Start one or more stopped containers
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop one or more running containers
  system      Manage minidocker (df, prune)
  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
  top         Display the running processes of a container
  unpause     Unpause all processes within one or more containers
  version     Show the minidocker version
  volume      Manage volumes
  wait        Block until one or more containers stop, then print their exit codes

Run 'minidocker COMMAND --help' for more information on a command.
`

// Version is set at build time (-ldflags "-X ...Version=v0.1.0").
var Version = "dev"

func run(args []string, stdin, stdout, stderr *os.File) int {
	phase.Mark("cli: main")
	var g globals
	var host string
	for len(args) > 0 {
		switch a := args[0]; {
		case a == "--debug" || a == "-D":
			g.debug, args = true, args[1:]
		case (a == "-H" || a == "--host") && len(args) > 1:
			host, args = args[1], args[2:]
		case strings.HasPrefix(a, "-H=") || strings.HasPrefix(a, "--host="):
			_, host, _ = strings.Cut(a, "=")
			args = args[1:]
		default:
			goto parsed
		}
	}
parsed:
	if len(args) == 0 || args[0] == "--help" || args[0] == "help" {
		io.WriteString(stdout, usage)
		if len(args) == 0 {
			return ExitEngine
		}
		return 0
	}
	// A daemon to talk to: the commands go there (the daemon itself and
	// version --help aside).
	if h := remoteHost(host); h != "" && args[0] != "daemon" {
		return runRemote(h, args, stdin, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return runCommand(g, args[1:], stdin, stdout, stderr)
	case "daemon":
		return daemonCommand(g, args[1:], stdout, stderr)
	case "snapshots":
		return snapshotsCommand(args[1:], stdout, stderr)
	case "network":
		return networkCommand(args[1:], stdin, stdout, stderr)
	case "port":
		return portCommand(args[1:], stdin, stdout, stderr)
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
	case "system":
		return systemCommand(g, args[1:], stdin, stdout, stderr)
	case "save":
		return saveCommand(g, args[1:], stdout, stderr)
	case "load":
		return loadCommand(g, args[1:], stdin, stdout, stderr)
	case "create":
		return createCommand(g, args[1:], stdin, stdout, stderr)
	case "start":
		return startCommand(args[1:], stdin, stdout, stderr)
	case "stop":
		return stopCommand(args[1:], stdin, stdout, stderr)
	case "kill":
		return killCommand(args[1:], stdin, stdout, stderr)
	case "restart":
		return restartCommand(args[1:], stdin, stdout, stderr)
	case "pause":
		return pauseCommand(args[1:], stdin, stdout, stderr)
	case "unpause":
		return unpauseCommand(args[1:], stdin, stdout, stderr)
	case "rm":
		return rmCommand(args[1:], stdin, stdout, stderr)
	case "wait":
		return waitCommand(args[1:], stdin, stdout, stderr)
	case "ps":
		return psCommand(args[1:], stdin, stdout, stderr)
	case "logs":
		return logsCommand(args[1:], stdin, stdout, stderr)
	case "inspect":
		return inspectCommand(args[1:], stdin, stdout, stderr)
	case "top":
		return topCommand(args[1:], stdin, stdout, stderr)
	case "exec":
		return execCommand(args[1:], stdin, stdout, stderr)
	case "volume":
		return volumeCommand(args[1:], stdin, stdout, stderr)
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
