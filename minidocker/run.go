package minidocker

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/minidocker/minidocker/ns"

	"github.com/minidocker/minidocker/internal/phase"
)

// runOptions are `minidocker run`'s flags, named as docker names them.
type runOptions struct {
	rootfs, workdir, user, hostname string
	env, envFiles                   []string
	tty, interactive, init          bool
	rm, readOnly                    bool
	capAdd, capDrop                 []string
	storage                         storageOptions // --layer, --root, --storage-driver: storage.go
	cgroup                          cgroupOptions  // cgroupflags.go
	net                             networkOptions // networkflags.go
	id                              string
}

func (o *runOptions) flags() *flagSet {
	fs := &flagSet{cmd: "run"}
	fs.List(&o.capAdd, "cap-add", "", "list", "Add Linux capabilities")
	fs.List(&o.capDrop, "cap-drop", "", "list", "Drop Linux capabilities")
	o.cgroup.flags(fs)
	o.net.flags(fs)
	fs.String(&o.rootfs, "rootfs", "", "DIR", "Root filesystem directory to run in")
	o.storage.flags(fs)
	fs.List(&o.env, "env", "e", "list", "Set environment variables (KEY=VALUE, or KEY to pass it on)")
	fs.List(&o.envFiles, "env-file", "", "list", "Read in a file of environment variables")
	fs.String(&o.hostname, "hostname", "h", "string", "Container host name (default: the container ID's first 12 digits)")
	fs.Bool(&o.init, "init", "", "Run an init inside the container that forwards signals and reaps processes")
	fs.Bool(&o.interactive, "interactive", "i", "Keep STDIN open")
	fs.Bool(&o.readOnly, "read-only", "", "Mount the container's root filesystem as read only")
	fs.Bool(&o.rm, "rm", "", "Automatically remove the container when it exits")
	fs.Bool(&o.tty, "tty", "t", "Allocate a pseudo-TTY")
	fs.String(&o.user, "user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.String(&o.workdir, "workdir", "w", "string", "Working directory inside the container")
	return fs
}

func runCommand(args []string, stdin, stdout, stderr *os.File) int {
	var o runOptions
	fs := o.flags()
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, "Usage:  minidocker run (--rootfs DIR | --layer DIR...) [OPTIONS] COMMAND [ARG...]\n\nRun a command in a new container\n\nOptions:\n%s", fs.Usage())
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker run --help')", err))
	}
	release, err := o.storage.setup(&o.rootfs, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	phase.Mark("cli: storage ready")
	defer func() {
		release()
		phase.Mark("cli: storage released")
	}()
	cfg, err := o.config(rest)
	if err != nil {
		return fail(stderr, err)
	}
	cfg.RootfsMounts = o.storage.mounts
	nm, err := o.net.resolve(o.stateRoot(), cfg.Rootless, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	cg, err := o.cgroup.createCgroup(o.id, cfg)
	if err != nil {
		return fail(stderr, err)
	}
	phase.Mark("cli: cgroup ready")
	netw, err := nm.attach(o.id, cfg)
	if err != nil {
		_, err = cg.finish(0, err, stderr)
		return fail(stderr, err)
	}
	phase.Mark("cli: network prepared")
	code, err := runContainer(cfg, o.interactive, stdin, stdout, stderr)
	phase.Mark("cli: container exited")
	netw.detach(stderr)
	phase.Mark("cli: network removed")
	code, err = cg.finish(code, err, stderr)
	phase.Mark("cli: cgroup removed")
	if err != nil {
		return fail(stderr, err)
	}
	return code
}

// config turns the flags into what the container's init needs.
func (o *runOptions) config(args []string) (*ns.Config, error) {
	if o.rootfs == "" {
		return nil, errors.New("run needs --rootfs DIR, a root filesystem directory, or --layer DIR for each layer (see 'minidocker run --help')")
	}
	rootfs, err := filepath.Abs(o.rootfs)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", o.rootfs, err)
	}
	fi, err := os.Stat(rootfs)
	switch {
	case err != nil:
		return nil, fmt.Errorf("rootfs %s: %w", o.rootfs, unwrapPath(err))
	case !fi.IsDir():
		return nil, fmt.Errorf("rootfs %s: not a directory", o.rootfs)
	case isHostRoot(fi):
		return nil, fmt.Errorf("rootfs %s is the host's own root: give a directory that holds a root filesystem (make demo builds one)", o.rootfs)
	}
	if len(args) == 0 {
		return nil, errors.New("run needs a command to run in the container (see 'minidocker run --help')")
	}
	caps, err := ns.Capabilities(o.capAdd, o.capDrop)
	if err != nil {
		return nil, err
	}
	id := newID()
	o.id = id
	cfg := &ns.Config{
		Rootfs:        rootfs,
		Args:          args,
		Cwd:           "/",
		User:          o.user,
		Hostname:      o.hostname,
		Tty:           o.tty,
		Init:          o.init,
		ReadOnly:      o.readOnly,
		Capabilities:  caps,
		MaskedPaths:   ns.DefaultMaskedPaths,
		ReadonlyPaths: ns.DefaultReadonlyPaths,
	}
	if cfg.Hostname == "" {
		cfg.Hostname = id[:12]
	}
	if o.workdir != "" {
		if !filepath.IsAbs(o.workdir) {
			return nil, fmt.Errorf("the working directory %q is invalid: it needs to be an absolute path", o.workdir)
		}
		cfg.Cwd = filepath.Clean(o.workdir)
	}
	cfg.Env = []string{"PATH=" + ns.DefaultPath, "HOSTNAME=" + cfg.Hostname}
	if o.tty {
		cfg.Env = append(cfg.Env, "TERM=xterm")
	}
	for _, file := range o.envFiles {
		kvs, err := readEnvFile(file)
		if err != nil {
			return nil, err
		}
		cfg.Env = setEnv(cfg.Env, kvs...)
	}
	if err := checkEnv(o.env); err != nil {
		return nil, err
	}
	cfg.Env = setEnv(cfg.Env, o.env...)
	if euid := os.Geteuid(); euid != 0 {
		// Rootless: a user namespace in which the caller is root.
		cfg.Rootless = true
		cfg.UIDMap = []ns.IDMap{{ContainerID: 0, HostID: euid, Size: 1}}
		cfg.GIDMap = []ns.IDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	return cfg, nil
}

// isHostRoot reports whether fi is the host's / itself, by any path: a
// symlink or a bind mount of it.
func isHostRoot(fi os.FileInfo) bool {
	root, err := os.Stat("/")
	return err == nil && os.SameFile(fi, root)
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

// setEnv adds KEY=VALUE entries, replacing earlier ones with the same key.
// A bare KEY takes the value from minidocker's own environment, or is
// dropped if it has none, as docker does.
func setEnv(env []string, kvs ...string) []string {
	for _, kv := range kvs {
		key, _, hasValue := strings.Cut(kv, "=")
		if !hasValue {
			v, ok := os.LookupEnv(key)
			if !ok {
				continue
			}
			kv = key + "=" + v
		}
		out := env[:0:0]
		for _, e := range env {
			if !strings.HasPrefix(e, key+"=") {
				out = append(out, e)
			}
		}
		env = append(out, kv)
	}
	return env
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

// newID is a container ID as docker makes them: 32 random bytes in hex.
func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// unwrapPath drops the path from an *os.PathError: the caller names it.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
