package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/ns"
	"github.com/minidocker/minidocker/unionfs"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// Engine is the container engine over one root directory. Several
// minidocker processes may use one root at once: every change is made
// under a lock and written whole (a temporary file renamed into place).
type Engine struct {
	Root   string
	Images ImageStore // nil until an image store is plugged in
	logf   func(format string, args ...any)

	netCfg network.Config

	mu     sync.Mutex
	stores map[string]*unionfs.Store // by driver name; see snapshots
	nets   *network.Manager          // see Networks

	keeper *ns.Keeper // a monitor's, for begin: see Monitor
}

// Option configures Open.
type Option func(*Engine)

// WithImages plugs in the store that resolves image references.
func WithImages(s ImageStore) Option { return func(e *Engine) { e.Images = s } }

// WithLogf is where notes for the user go (a fallback to the vfs driver).
func WithLogf(logf func(format string, args ...any)) Option {
	return func(e *Engine) { e.logf = logf }
}

// Open opens the engine's root, creating it if needed.
func Open(root string, opts ...Option) (*Engine, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", root, err)
	}
	e := &Engine{Root: root, logf: func(string, ...any) {}}
	for _, o := range opts {
		o(e)
	}
	for _, d := range []string{e.containersDir(), e.volumesDir()} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, fmt.Errorf("create root: %w", err)
		}
	}
	return e, nil
}

func (e *Engine) containersDir() string { return filepath.Join(e.Root, "containers") }
func (e *Engine) volumesDir() string    { return filepath.Join(e.Root, "volumes") }

// lock flocks path (created if missing) and returns how to unlock it.
// Closing the file drops the lock, so does the process's death.
func lock(path string, how int) (unlock func(), err error) {
	f, err := lockfile.Open(path, how)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lockStore serializes the changes that involve more than one container:
// creating one (its name must be unique) and removing one.
func (e *Engine) lockStore() (func(), error) {
	unlock, err := lock(filepath.Join(e.Root, "containers.lock"), unix.LOCK_EX)
	if err != nil {
		return nil, fmt.Errorf("lock container store: %w", err)
	}
	return unlock, nil
}

// writeFileAtomic replaces name with data: a crash of a process leaves
// the old file or the new one, never a part of either. With sync, the
// data is on disk before the rename, so a crash of the machine does too;
// the state files go without it (after a reboot nothing runs, and every
// container a state file says runs has no monitor: ps says dead).
func writeFileAtomic(name string, data []byte, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func writeJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return err
	}
	_, isState := v.(*State)
	return writeFileAtomic(name, append(b, '\n'), !isState)
}

func readJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// load reads the container in dir: its config and state, with a state
// that says running checked against its monitor (see liveStatus).
func (e *Engine) load(id string) (*Container, error) {
	dir := filepath.Join(e.containersDir(), id)
	c := &Container{Config: &Config{}, Dir: dir}
	if err := readJSON(filepath.Join(dir, "config.json"), c.Config); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, "state.json"), &c.State); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		// Not synced (see writeFileAtomic): a machine's crash may leave it
		// empty. Whatever it said, nothing of the container runs now.
		c.State = State{Status: Dead, Error: err.Error()}
		return c, nil
	}
	if c.Running() && !monitorAlive(dir) {
		// The monitor holds its lock for as long as it lives. Read the
		// state again: it may have written the container's end just now.
		if err := readJSON(filepath.Join(dir, "state.json"), &c.State); err != nil {
			return nil, err
		}
		if c.Running() {
			c.State.Status = Dead
		}
	}
	return c, nil
}

// monitorAlive reports whether a monitor holds the container's
// monitor.lock: the kernel drops it when the monitor dies, however.
func monitorAlive(dir string) bool {
	unlock, err := lock(filepath.Join(dir, "monitor.lock"), unix.LOCK_SH|unix.LOCK_NB)
	if err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	unlock()
	return false
}

// List returns every container, oldest first.
func (e *Engine) List() ([]*Container, error) {
	ents, err := os.ReadDir(e.containersDir())
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []*Container
	for _, ent := range ents {
		if !ent.IsDir() || strings.HasPrefix(ent.Name(), ".") {
			continue // .new-ID, .rm-ID: a container half made, or half removed, by a process that died
		}
		c, err := e.load(ent.Name())
		if errors.Is(err, os.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Container) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// Get finds a container by full ID, name, or a unique prefix of its ID,
// as docker does.
func (e *Engine) Get(ref string) (*Container, error) {
	if ref == "" {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchContainer, ref)
	}
	if idRE(ref) {
		if c, err := e.load(ref); err == nil {
			return c, nil
		}
	}
	all, err := e.List()
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(ref, "/")
	for _, c := range all {
		if c.Name == name {
			return c, nil
		}
	}
	var match []*Container
	for _, c := range all {
		if strings.HasPrefix(c.ID, ref) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("%w: %s", ErrNoSuchContainer, ref)
	case 1:
		return match[0], nil
	}
	return nil, fmt.Errorf("%w %q: give more of the ID", ErrAmbiguous, ref)
}

func idRE(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// update changes a container's state under its lock: fn sees the state
// on disk and changes it; an error from fn leaves it as it was.
func (e *Engine) update(c *Container, fn func(*State) error) error {
	unlock, err := lock(filepath.Join(c.Dir, "lock"), unix.LOCK_EX)
	if err != nil {
		return fmt.Errorf("lock container %s: %w", c.ID[:12], err)
	}
	defer unlock()
	var st State
	if err := readJSON(filepath.Join(c.Dir, "state.json"), &st); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		st = State{Status: Dead} // unreadable: see load
	}
	if err := fn(&st); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(c.Dir, "state.json"), &st); err != nil {
		return fmt.Errorf("write state of %s: %w", c.ID[:12], err)
	}
	c.State = st
	return nil
}
