package minidocker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/minidocker/minidocker/engine"

	"github.com/minidocker/minidocker/internal/phase"
)

// runOptions are `minidocker run`'s flags, named as docker names them
// (create takes the same, less --rm's and -d's effect on attaching).
type runOptions struct {
	rootfs, workdir, user, hostname string
	name, entrypoint, stopSignal    string
	stopTimeout                     string
	env, envFiles                   []string
	volumes, tmpfs                  []string
	tty, interactive, init          bool
	rm, readOnly, detach            bool
	capAdd, capDrop                 []string
	storage                         storageOptions // --layer, --root, --storage-driver: storage.go
	remote                          remoteFlags    // --insecure-registry, for an image pulled on the way
	cgroup                          cgroupOptions  // cgroupflags.go
	net                             networkOptions // networkflags.go
	entrypointSet                   bool
}

func (o *runOptions) flags(cmd string) *flagSet {
	fs := &flagSet{cmd: cmd}
	fs.List(&o.capAdd, "cap-add", "", "list", "Add Linux capabilities")
	fs.List(&o.capDrop, "cap-drop", "", "list", "Drop Linux capabilities")
	o.cgroup.flags(fs)
	o.net.flags(fs)
	if cmd == "run" {
		fs.Bool(&o.detach, "detach", "d", "Run container in background and print container ID")
	}
	fs.Func(&o.entrypoint, &o.entrypointSet, "entrypoint", "", "string", "Overwrite the default ENTRYPOINT of the image")
	fs.List(&o.env, "env", "e", "list", "Set environment variables (KEY=VALUE, or KEY to pass it on)")
	fs.List(&o.envFiles, "env-file", "", "list", "Read in a file of environment variables")
	fs.String(&o.hostname, "hostname", "h", "string", "Container host name (default: the container ID's first 12 digits)")
	fs.Bool(&o.init, "init", "", "Run an init inside the container that forwards signals and reaps processes")
	fs.Bool(&o.interactive, "interactive", "i", "Keep STDIN open even if not attached")
	fs.String(&o.name, "name", "", "string", "Assign a name to the container")
	fs.Bool(&o.readOnly, "read-only", "", "Mount the container's root filesystem as read only")
	fs.Bool(&o.rm, "rm", "", "Automatically remove the container and its anonymous volumes when it exits")
	fs.String(&o.rootfs, "rootfs", "", "DIR", "Root filesystem directory to run in (instead of an image)")
	o.storage.flags(fs)
	o.remote.flags(fs, false)
	fs.String(&o.stopSignal, "stop-signal", "", "string", "Signal to stop the container (default SIGTERM)")
	fs.String(&o.stopTimeout, "stop-timeout", "", "int", "Timeout (in seconds) to stop a container")
	fs.List(&o.tmpfs, "tmpfs", "", "list", "Mount a tmpfs directory (/path[:options])")
	fs.Bool(&o.tty, "tty", "t", "Allocate a pseudo-TTY")
	fs.String(&o.user, "user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.List(&o.volumes, "volume", "v", "list", "Bind mount a volume (/host:/ctr[:ro], NAME:/ctr[:ro], or /ctr)")
	fs.String(&o.workdir, "workdir", "w", "string", "Working directory inside the container")
	return fs
}

const runUsage = `Usage:  minidocker run [OPTIONS] (--rootfs DIR | --layer DIR... | IMAGE) [COMMAND] [ARG...]

Create and run a new container

Options:
%s`

func runCommand(g globals, args []string, stdin, stdout, stderr *os.File) int {
	var o runOptions
	fs := o.flags("run")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, runUsage, fs.Usage())
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker run --help')", err))
	}
	e, err := o.storage.open(stderr)
	if err != nil {
		return fail(stderr, err)
	}
	copts, err := o.createOptions(rest, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	if copts.Image != "" {
		if err := withImages(e, o.storage, g, o.remote, stderr); err != nil {
			return fail(stderr, err)
		}
	}
	ctx := context.Background()
	c, err := e.Create(ctx, copts)
	if err != nil {
		return fail(stderr, err)
	}
	phase.Mark("cli: storage ready")
	if o.detach {
		if err := e.Start(ctx, c); err != nil {
			if o.rm {
				e.Remove(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true})
			}
			return fail(stderr, err)
		}
		fmt.Fprintln(stdout, c.ID)
		return 0
	}
	code, err := runContainer(e, c, o.interactive, stdin, stdout, stderr)
	phase.Mark("cli: container removed")
	if err != nil {
		var fe *engine.FinishError
		if errors.As(err, &fe) {
			// The command ran; its exit code stands.
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			return fe.Code
		}
		if o.rm {
			e.Remove(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true})
		}
		return fail(stderr, err)
	}
	return code
}

// createOptions turns the flags and the arguments after them into what
// the engine creates a container from.
func (o *runOptions) createOptions(args []string, stderr io.Writer) (*engine.CreateOptions, error) {
	co := &engine.CreateOptions{
		Name: o.name, Rootfs: o.rootfs, Layers: o.storage.layers, Driver: o.storage.driver,
		WorkingDir: o.workdir, User: o.user, Hostname: o.hostname, Tty: o.tty, OpenStdin: o.interactive,
		Init: o.init, ReadOnly: o.readOnly, CapAdd: o.capAdd, CapDrop: o.capDrop,
		CgroupParent: o.cgroup.parent, AutoRemove: o.rm, StopSignal: o.stopSignal,
	}
	if o.storage.driver != "" && len(o.storage.layers) == 0 && o.rootfs != "" {
		return nil, errors.New("--storage-driver goes with --layer or an image (see 'minidocker run --help')")
	}
	if o.rootfs == "" && len(o.storage.layers) == 0 {
		if len(args) == 0 {
			return nil, errors.New("run needs --rootfs DIR, a root filesystem directory, --layer DIR for each layer, or an image (see 'minidocker run --help')")
		}
		co.Image, args = args[0], args[1:]
	}
	co.Args = args
	if o.entrypointSet {
		co.EntrypointSet = true
		if o.entrypoint != "" {
			co.Entrypoint = []string{o.entrypoint}
		}
	}
	if len(args) == 0 && co.Image == "" && !o.entrypointSet {
		return nil, errors.New("run needs a command to run in the container (see 'minidocker run --help')")
	}
	if o.stopTimeout != "" {
		n, err := strconv.Atoi(o.stopTimeout)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for \"--stop-timeout\" flag: strconv.ParseInt: parsing %q: invalid syntax", o.stopTimeout, o.stopTimeout)
		}
		co.StopTimeout = &n
	}
	for _, file := range o.envFiles {
		kvs, err := readEnvFile(file)
		if err != nil {
			return nil, err
		}
		co.Env = engine.SetEnv(co.Env, kvs...)
	}
	if err := checkEnv(o.env); err != nil {
		return nil, err
	}
	co.Env = engine.SetEnv(co.Env, o.env...)
	limits, err := o.cgroup.resources()
	if err != nil {
		return nil, err
	}
	co.Resources = *limits
	for _, v := range o.volumes {
		m, err := engine.ParseVolume(v)
		if err != nil {
			return nil, err
		}
		co.Mounts = append(co.Mounts, m)
	}
	for _, t := range o.tmpfs {
		m, err := engine.ParseTmpfs(t)
		if err != nil {
			return nil, err
		}
		co.Mounts = append(co.Mounts, m)
	}
	if co.Network, err = o.net.options(stderr); err != nil {
		return nil, err
	}
	return co, nil
}

// checkEnv refuses an entry without a key, as docker does ("=x").
func checkEnv(kvs []string) error {
	for _, kv := range kvs {
		if key, _, _ := strings.Cut(kv, "="); key == "" {
			return fmt.Errorf("invalid environment variable: %s", kv)
		}
	}
	return nil
}

// readEnvFile reads docker's --env-file format: KEY=VALUE or KEY per line,
// blank lines and # comments skipped, no quoting.
func readEnvFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	defer f.Close()
	var kvs []string
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimLeft(s.Text(), " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if key, _, _ := strings.Cut(line, "="); key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("read env file %s: line %d: variable %q has white space or no name", name, n, key)
		}
		kvs = append(kvs, line)
	}
	return kvs, s.Err()
}
