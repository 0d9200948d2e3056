package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/ns"
)

// CreateOptions are `docker create`'s, as the engine takes them.
type CreateOptions struct {
	Name string
	// The root filesystem: Image (resolved by the ImageStore), Rootfs (a
	// directory) or Layers (read-only directories, bottom first).
	Image  string
	Rootfs string
	Layers []string
	Driver string // storage driver: overlay, vfs or "" for the default

	Args          []string // after the image: replaces its Cmd
	Entrypoint    []string
	EntrypointSet bool // --entrypoint was given (maybe as "")
	Env           []string
	WorkingDir    string
	User          string
	Hostname      string
	Tty           bool
	OpenStdin     bool
	StdinOnce     bool // see Config.StdinOnce
	ConsoleSize   ns.ConsoleSize
	Init          bool
	ReadOnly      bool
	CapAdd        []string
	CapDrop       []string
	Resources     cgroup.Resources
	CgroupParent  string
	Mounts        []Mount // see ParseVolume and ParseTmpfs
	AutoRemove    bool
	StopSignal    string
	StopTimeout   *int
	Network       NetworkOptions
}

// Create makes a container, as `docker create`: it is stored, its
// writable snapshot and its volumes are made, and nothing runs yet.
func (e *Engine) Create(ctx context.Context, o *CreateOptions) (*Container, error) {
	cfg, err := e.newConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	unlock, err := e.lockStore()
	if err != nil {
		return nil, err
	}
	var c *Container
	release := func() {}
	if err = e.prepareVolumes(cfg); err == nil {
		c, err = e.store(cfg)
	}
	if err == nil {
		// Until it is whole (its address, its snapshot), the new container
		// is held as a start holds it, and a removal waits (removeOnce):
		// else rm could take the directory that the steps below write in.
		release, err = lock(filepath.Join(c.Dir, "monitor.lock"), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		for _, name := range anonymousVolumes(cfg.Mounts) {
			e.removeVolume(name, true, cfg.ID)
		}
	}
	unlock()
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Container, error) {
		release()
		e.Remove(ctx, c.ID, RemoveOptions{Force: true, Volumes: true})
		return nil, err
	}
	// After the container is in the store, so that a crash from here on
	// leaves something rm removes.
	crashAt("create-stored")
	// Its address on its network now, as its name: a network that does
	// not exist is refused at create, as docker refuses it.
	if c.sandboxed() {
		if _, _, err = e.sandbox(c); err != nil {
			return fail(err)
		}
	}
	if err = e.prepareRootfs(ctx, c); err != nil {
		return fail(err)
	}
	release()
	e.emit(c.Config, "create", nil)
	return c, nil
}

// store writes the new container's directory: made as .new-ID and
// renamed into place, so a container is in the store whole or not at all.
func (e *Engine) store(cfg *Config) (*Container, error) {
	all, err := e.List()
	if err != nil {
		return nil, err
	}
	// A .new-ID is a creation that died half-way, a .rm-ID a removal:
	// nobody else makes one while we hold the store's lock.
	for _, pat := range []string{".new-*", ".rm-*"} {
		stale, _ := filepath.Glob(filepath.Join(e.containersDir(), pat))
		for _, d := range stale {
			os.RemoveAll(d)
		}
	}
	taken := map[string]bool{}
	for _, c := range all {
		taken[c.Name] = true
	}
	if cfg.Name == "" {
		for cfg.Name = randomName(); taken[cfg.Name]; {
			cfg.Name = randomName() + "_" + cfg.ID[:4]
		}
	} else if taken[cfg.Name] {
		other := ""
		for _, c := range all {
			if c.Name == cfg.Name {
				other = c.ID
			}
		}
		return nil, fmt.Errorf("the container name \"/%s\" %w by container %q: remove (or rename) that container to reuse the name", cfg.Name, ErrNameInUse, other)
	}
	tmp := filepath.Join(e.containersDir(), ".new-"+cfg.ID)
	dir := filepath.Join(e.containersDir(), cfg.ID)
	err = os.MkdirAll(filepath.Join(tmp, "rootfs"), 0o700)
	if err == nil {
		err = writeJSON(filepath.Join(tmp, "config.json"), cfg)
	}
	if err == nil {
		err = writeJSON(filepath.Join(tmp, "state.json"), &State{Status: Created})
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("store container: %w", err)
	}
	return &Container{Config: cfg, State: State{Status: Created}, Dir: dir}, nil
}

// newConfig checks the options as docker does, and turns them into the
// container's config.
func (e *Engine) newConfig(ctx context.Context, o *CreateOptions) (*Config, error) {
	cfg := &Config{
		ID: NewID(), Name: strings.TrimPrefix(o.Name, "/"), Created: time.Now().UTC(),
		Driver: o.Driver, User: o.User, Hostname: o.Hostname, Tty: o.Tty, OpenStdin: o.OpenStdin, StdinOnce: o.StdinOnce,
		Init: o.Init, ReadOnly: o.ReadOnly, CapAdd: o.CapAdd, CapDrop: o.CapDrop,
		Resources: o.Resources, CgroupParent: o.CgroupParent, AutoRemove: o.AutoRemove,
		StopSignal: o.StopSignal, StopTimeout: o.StopTimeout, ConsoleSize: o.ConsoleSize,
	}
	if cfg.Name != "" && !validName(cfg.Name) {
		return nil, fmt.Errorf("%w: container name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, two characters at least", ErrInvalid, o.Name)
	}
	var img ImageConfig
	switch {
	case o.Rootfs != "" && len(o.Layers) > 0:
		return nil, errors.New("give --rootfs DIR or --layer DIR, not both (see 'minidocker run --help')")
	case o.Image != "" && (o.Rootfs != "" || len(o.Layers) > 0):
		return nil, errors.New("give an image, --rootfs DIR or --layer DIR, not two of them (see 'minidocker run --help')")
	case o.Image != "":
		if e.Images == nil {
			return nil, fmt.Errorf("image %s: minidocker has no image store yet: give --rootfs DIR or --layer DIR", o.Image)
		}
		im, err := e.Images.Image(ctx, o.Image)
		if err != nil {
			return nil, err
		}
		cfg.Image, cfg.ImageID, cfg.Parent, img = im.Ref, im.ID, im.Snapshot, im.Config
	case o.Rootfs != "":
		dir, err := checkDir("rootfs", o.Rootfs)
		if err != nil {
			return nil, err
		}
		cfg.Rootfs, cfg.Image = dir, dir
	case len(o.Layers) > 0:
		// The snapshot store checks each layer when it prepares the
		// container's snapshot; only the host's root is refused here.
		for _, l := range o.Layers {
			dir, err := filepath.Abs(l)
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", l, err)
			}
			if isHostRoot(dir) {
				return nil, fmt.Errorf("layer %s is the host's own root: give directories that hold layers", l)
			}
			cfg.Layers = append(cfg.Layers, dir)
		}
		cfg.Image = strings.Join(cfg.Layers, ":")
	default:
		return nil, errors.New("a container needs an image, --rootfs DIR or --layer DIR")
	}
	cfg.Entrypoint, cfg.Cmd = command(img, o.Entrypoint, o.EntrypointSet, o.Args)
	args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if len(args) == 0 {
		return nil, errors.New("no command specified")
	}
	cfg.Path, cfg.Args = args[0], args[1:]
	if _, err := ns.Capabilities(o.CapAdd, o.CapDrop); err != nil {
		return nil, err
	}
	cfg.WorkingDir = img.WorkingDir
	if o.WorkingDir != "" {
		if !filepath.IsAbs(o.WorkingDir) {
			return nil, fmt.Errorf("the working directory %q is invalid: it needs to be an absolute path", o.WorkingDir)
		}
		cfg.WorkingDir = filepath.Clean(o.WorkingDir)
	}
	if cfg.User == "" {
		cfg.User = img.User
	}
	if cfg.StopSignal == "" {
		cfg.StopSignal = img.StopSignal
	}
	if cfg.StopSignal != "" {
		if _, err := ParseSignal(cfg.StopSignal); err != nil {
			return nil, err
		}
	}
	if cfg.Hostname == "" {
		cfg.Hostname = cfg.ID[:12]
	}
	// docker's order: a default PATH, the image's, then -e and --env-file
	// (merged by the caller), then HOSTNAME; TERM with a terminal.
	cfg.Env = SetEnv([]string{"PATH=" + ns.DefaultPath}, img.Env...)
	cfg.Env = SetEnv(cfg.Env, "HOSTNAME="+cfg.Hostname)
	if o.Tty {
		cfg.Env = SetEnv(cfg.Env, "TERM=xterm")
	}
	for _, kv := range o.Env {
		if key, _, _ := strings.Cut(kv, "="); key == "" {
			return nil, fmt.Errorf("invalid environment variable: %s", kv)
		}
	}
	cfg.Env = SetEnv(cfg.Env, o.Env...)
	if err := o.Resources.Validate(); err != nil {
		return nil, err
	}
	// A limit this host cannot enforce is refused now, as docker refuses
	// it at create, not when the container starts.
	if err := checkLimits(&o.Resources, o.CgroupParent); err != nil {
		return nil, err
	}
	mounts, err := withImageVolumes(o.Mounts, img.Volumes)
	if err != nil {
		return nil, err
	}
	cfg.Mounts = mounts
	if err := e.netConfig(cfg, &o.Network, img, os.Geteuid() != 0); err != nil {
		return nil, err
	}
	return cfg, nil
}

// withImageVolumes checks the mounts (one per destination) and adds an
// anonymous volume for each of the image's VOLUMEs not mounted over.
func withImageVolumes(mounts []Mount, volumes map[string]struct{}) ([]Mount, error) {
	seen := map[string]bool{}
	for _, m := range mounts {
		if seen[m.Destination] {
			return nil, fmt.Errorf("%w: duplicate mount point: %s", ErrInvalid, m.Destination)
		}
		seen[m.Destination] = true
	}
	for dst := range volumes {
		dst = filepath.Clean(dst)
		if !seen[dst] {
			mounts = append(mounts, Mount{Type: "volume", Destination: dst, RW: true, Anonymous: true})
		}
	}
	return mounts, nil
}

// checkDir makes p absolute and refuses what is not a directory, or is
// the host's own root.
func checkDir(what, p string) (string, error) {
	dir, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", what, p, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s %s: %w", what, p, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s %s: not a directory", what, p)
	}
	if isHostRoot(dir) {
		return "", fmt.Errorf("%s %s is the host's own root: give a directory that holds a root filesystem (make demo builds one)", what, p)
	}
	return dir, nil
}

// isHostRoot reports whether p is the host's / itself, by any path: a
// symlink or a bind mount of it.
func isHostRoot(p string) bool {
	fi, err := os.Stat(p)
	root, rerr := os.Stat("/")
	return err == nil && rerr == nil && os.SameFile(fi, root)
}

// SetEnv adds KEY=VALUE entries, replacing earlier ones with the same key.
// A bare KEY takes the value from this process's environment, or is
// dropped if it has none, as docker does.
func SetEnv(env []string, kvs ...string) []string {
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
