package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/minidocker/minidocker/engine"
)

// ctrCommand is the frame every container command shares: its flags, --root,
// --help, and docker's exit code 1 for an error from the engine.
type ctrCommand struct {
	name, usage string
	fs          *flagSet
	storage     storageOptions
}

func newCtrCommand(name, usage string) *ctrCommand {
	c := &ctrCommand{name: name, usage: usage, fs: &flagSet{cmd: name}}
	c.storage.rootFlag(c.fs)
	return c
}

// parse parses args; done means the command is over (help, or a bad
// flag) with exit code code.
func (c *ctrCommand) parse(args []string, min int, stdout, stderr io.Writer) (rest []string, code int, done bool) {
	rest, err := c.fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, "Usage:  minidocker %s %s\n\nOptions:\n%s", c.name, c.usage, c.fs.Usage())
		return nil, 0, true
	}
	if err == nil && len(rest) < min {
		err = fmt.Errorf("%q requires at least %d argument", "minidocker "+c.name, min)
		if min > 1 {
			err = fmt.Errorf("%s", err.Error()+"s")
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v (see 'minidocker %s --help')\n", err, c.name)
		return nil, ExitEngine, true
	}
	return rest, 0, false
}

func (c *ctrCommand) open(stderr io.Writer) (*engine.Engine, int, bool) {
	e, err := c.storage.open(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return nil, ExitEngine, false
	}
	return e, 0, true
}

// each runs fn for every container named, printing the name as given
// after each success and the error after each failure, as docker does;
// the exit code is 1 if any failed.
func each(e *engine.Engine, refs []string, stdout, stderr io.Writer, fn func(*engine.Container) error) int {
	code := 0
	for _, ref := range refs {
		c, err := e.Get(ref)
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, ref)
	}
	return code
}

func createCommand(g globals, args []string, stdin, stdout, stderr *os.File) int {
	var o runOptions
	fs := o.flags("create")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, "Usage:  minidocker create [OPTIONS] (--rootfs DIR | --layer DIR... | IMAGE) [COMMAND] [ARG...]\n\nCreate a new container\n\nOptions:\n%s", fs.Usage())
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker create --help')", err))
	}
	e, err := o.storage.open(stderr)
	if err != nil {
		return fail(stderr, err)
	}
	co, err := o.createOptions(rest, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	if co.Image != "" {
		if err := withImages(e, o.storage, g, o.remote, stderr); err != nil {
			return fail(stderr, err)
		}
	}
	c, err := e.Create(context.Background(), co)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, c.ID)
	return 0
}

func startCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("start", "[OPTIONS] CONTAINER [CONTAINER...]")
	var attach, interactive bool
	cmd.fs.Bool(&attach, "attach", "a", "Attach STDOUT/STDERR and forward signals")
	cmd.fs.Bool(&interactive, "interactive", "i", "Attach container's STDIN")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	if attach || interactive {
		if len(refs) > 1 {
			return fail(stderr, errors.New("you cannot start and attach multiple containers at once"))
		}
		c, err := e.Get(refs[0])
		if err != nil {
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			return 1
		}
		code, err := runContainer(e, c, interactive && c.OpenStdin, stdin, stdout, stderr)
		if err != nil {
			var fe *engine.FinishError
			if errors.As(err, &fe) {
				fmt.Fprintf(stderr, "minidocker: %v\n", err)
				return fe.Code
			}
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			return 1
		}
		return code
	}
	return each(e, refs, stdout, stderr, func(c *engine.Container) error {
		if c.Running() {
			return nil // docker start of a running container is no error
		}
		return e.Start(context.Background(), c)
	})
}

func stopCommand(args []string, stdin, stdout, stderr *os.File) int {
	return withTimeout("stop", args, stdout, stderr, func(e *engine.Engine, c *engine.Container, timeout *int) error {
		return e.Stop(c, engine.StopTimeout(c, timeout))
	})
}

// withTimeout runs a command that takes -t, --time (stop, restart) on
// each container named.
func withTimeout(name string, args []string, stdout, stderr *os.File, fn func(*engine.Engine, *engine.Container, *int) error) int {
	cmd := newCtrCommand(name, "[OPTIONS] CONTAINER [CONTAINER...]")
	var t string
	cmd.fs.String(&t, "time", "t", "int", "Seconds to wait before killing the container")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	timeout, err := parseTimeout(t)
	if err != nil {
		return fail(stderr, err)
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	return each(e, refs, stdout, stderr, func(c *engine.Container) error { return fn(e, c, timeout) })
}

func parseTimeout(t string) (*int, error) {
	if t == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return nil, fmt.Errorf("invalid argument %q for \"-t, --time\" flag: strconv.ParseInt: parsing %q: invalid syntax", t, t)
	}
	return &n, nil
}

func restartCommand(args []string, stdin, stdout, stderr *os.File) int {
	return withTimeout("restart", args, stdout, stderr, func(e *engine.Engine, c *engine.Container, timeout *int) error {
		if err := e.Stop(c, engine.StopTimeout(c, timeout)); err != nil {
			return err
		}
		c, err := e.Get(c.ID)
		if err != nil {
			return err
		}
		return e.Start(context.Background(), c)
	})
}

func killCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("kill", "[OPTIONS] CONTAINER [CONTAINER...]")
	sig := "KILL"
	cmd.fs.String(&sig, "signal", "s", "string", "Signal to send to the container (default KILL)")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	s, err := engine.ParseSignal(sig)
	if err != nil {
		return fail(stderr, err)
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	return each(e, refs, stdout, stderr, func(c *engine.Container) error { return e.Kill(c, s) })
}

func pauseCommand(args []string, stdin, stdout, stderr *os.File) int {
	return freezeCommand("pause", args, stdout, stderr, (*engine.Engine).Pause)
}

func unpauseCommand(args []string, stdin, stdout, stderr *os.File) int {
	return freezeCommand("unpause", args, stdout, stderr, (*engine.Engine).Unpause)
}

func freezeCommand(name string, args []string, stdout, stderr io.Writer, fn func(*engine.Engine, *engine.Container) error) int {
	cmd := newCtrCommand(name, "CONTAINER [CONTAINER...]")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	return each(e, refs, stdout, stderr, func(c *engine.Container) error { return fn(e, c) })
}

func rmCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("rm", "[OPTIONS] CONTAINER [CONTAINER...]")
	var o engine.RemoveOptions
	cmd.fs.Bool(&o.Force, "force", "f", "Force the removal of a running container (uses SIGKILL)")
	cmd.fs.Bool(&o.Volumes, "volumes", "v", "Remove anonymous volumes associated with the container")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	return each(e, refs, stdout, stderr, func(c *engine.Container) error {
		return e.Remove(context.Background(), c.ID, o)
	})
}

func waitCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("wait", "CONTAINER [CONTAINER...]")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	code = 0
	for _, ref := range refs {
		c, err := e.Get(ref)
		var status int
		if err == nil {
			status, err = e.Wait(c)
		}
		if err != nil {
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, status)
	}
	return code
}

func logsCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("logs", "[OPTIONS] CONTAINER")
	var o engine.LogOptions
	tail := "all"
	cmd.fs.Bool(&o.Follow, "follow", "f", "Follow log output")
	cmd.fs.String(&tail, "tail", "n", "string", "Number of lines to show from the end of the logs (default \"all\")")
	cmd.fs.Bool(&o.Timestamps, "timestamps", "t", "Show timestamps")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	var err error
	if o.Tail, err = engine.ParseTail(tail); err != nil {
		return fail(stderr, err)
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	c, err := e.Get(refs[0])
	if err == nil {
		err = e.Logs(c, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1
	}
	return 0
}

func topCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("top", "CONTAINER")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	c, err := e.Get(refs[0])
	var procs []engine.Process
	if err == nil {
		procs, err = e.Top(c)
	}
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1
	}
	writeTop(stdout, procs)
	return 0
}
