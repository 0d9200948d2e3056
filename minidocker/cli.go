// Package minidocker is the engine's command line: docker's commands,
// flags, output and exit codes, on the engine (package engine) called
// in-process.
package minidocker

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minidocker/minidocker/engine"
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
		return engine.CgroupCleanup(args[2:], os.Stdin) // see engine.startCleaner
	}
	if len(args) > 1 && args[1] == "exec-init" {
		return ns.ExecInit() // a process joining a container; see ns.Join
	}
	if len(args) > 1 && args[1] == "monitor" {
		return engine.Monitor(args[2:]) // a detached container's; see engine.Start
	}
	if len(args) > 1 && args[1] == "monitor-watch" {
		return engine.MonitorWatch(args[2:]) // the monitor again, lighter; see engine.Monitor
	}
	return run(args[1:], os.Stdin, os.Stdout, os.Stderr)
}

const usage = `Usage:  minidocker COMMAND

A small container engine, built one chapter at a time.

Commands:
  create      Create a new container
  exec        Execute a command in a running container
  inspect     Return low-level information on containers and volumes
  kill        Kill one or more running containers
  logs        Fetch the logs of a container
  pause       Pause all processes within one or more containers
  ps          List containers
  restart     Restart one or more containers
  rm          Remove one or more containers
  run         Create and run a new container
  snapshots   Work with the snapshot store (layers), as 'ctr snapshots'
  start       Start one or more stopped containers
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop one or more running containers
  top         Display the running processes of a container
  unpause     Unpause all processes within one or more containers
  version     Show the minidocker version
  volume      Manage volumes
  wait        Block until one or more containers stop, then print their exit codes

Run 'minidocker COMMAND --help' for more information on a command.
`

// Version is set at build time (-ldflags "-X ...Version=v0.1.0").
var Version = "dev"

// commands are minidocker's commands by name.
var commands = map[string]func(args []string, stdin, stdout, stderr *os.File) int{
	"run":       runCommand,
	"create":    createCommand,
	"exec":      execCommand,
	"start":     startCommand,
	"stop":      stopCommand,
	"kill":      killCommand,
	"restart":   restartCommand,
	"pause":     pauseCommand,
	"unpause":   unpauseCommand,
	"rm":        rmCommand,
	"wait":      waitCommand,
	"ps":        psCommand,
	"logs":      logsCommand,
	"inspect":   inspectCommand,
	"top":       topCommand,
	"volume":    volumeCommand,
	"snapshots": func(args []string, _, stdout, stderr *os.File) int { return snapshotsCommand(args, stdout, stderr) },
	"stats":     func(args []string, _, stdout, stderr *os.File) int { return statsCommand(args, stdout, stderr) },
}

func run(args []string, stdin, stdout, stderr *os.File) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "help" {
		io.WriteString(stdout, usage)
		if len(args) == 0 {
			return ExitEngine
		}
		return 0
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdin, stdout, stderr)
	}
	switch args[0] {
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
