package unionfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// Store is a snapshot store on disk, under root/DRIVER:
//
//	metadata.json     every snapshot's kind, parent and directory
//	lock              flock'ed by each operation
//	snapshots/ID/fs   the snapshot's files (overlay: its own layer only)
//	snapshots/ID/work overlay's work dir, for an active snapshot
//
// Several processes may use one store at once.
type Store struct {
	home string
	drv  driver
}

// Option configures New.
type Option func(*options)

type options struct {
	driver string
	logf   func(format string, args ...any)
}

// WithDriver picks the storage driver: "overlay", "vfs", or "" to use
// overlay where it works and vfs elsewhere (the default).
func WithDriver(name string) Option { return func(o *options) { o.driver = name } }

// WithLogf is where the one line explaining an automatic fallback to vfs
// goes (default: the log package).
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// Drivers are the storage drivers' names.
var Drivers = []string{"overlay", "vfs"}

// New opens the store under root, creating it if needed, and removes what
// a crash left half made.
func New(root string, opts ...Option) (*Store, error) {
	o := options{logf: log.Printf}
	for _, opt := range opts {
		opt(&o)
	}
	root, err := filepath.Abs(root) // mounts name absolute paths
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", root, err)
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("create store %s: %w", root, err)
	}
	var drv driver
	switch o.driver {
	case "":
		if err := overlayWorks(root); err != nil {
			o.logf("storage driver: overlay does not work on %s (%v): using vfs, which copies every layer", root, err)
			drv = vfs{}
		} else {
			drv = overlay{}
		}
	case "overlay":
		if err := overlayWorks(root); err != nil {
			return nil, fmt.Errorf("storage driver overlay does not work on %s: %w (use --storage-driver vfs)", root, err)
		}
		drv = overlay{}
	case "vfs":
		drv = vfs{}
	default:
		return nil, fmt.Errorf("storage driver %q: %w (want %s)", o.driver, ErrUnknownDriver, strings.Join(Drivers, " or "))
	}
	s := &Store{home: filepath.Join(root, drv.name()), drv: drv}
	if err := os.MkdirAll(filepath.Join(s.home, "snapshots"), 0o700); err != nil {
		return nil, fmt.Errorf("create store %s: %w", s.home, err)
	}
	if err := s.removeOrphans(); err != nil {
		return nil, err
	}
	return s, nil
}

// Driver is the storage driver's name.
func (s *Store) Driver() string { return s.drv.name() }

// removeOrphans deletes snapshot directories the metadata does not name:
// one being made (new-*) or removed (rm-*, or an ID already dropped) when a
// process died.
func (s *Store) removeOrphans() error {
	return s.locked(true, func(md *metadata) error {
		known := map[string]bool{}
		for _, r := range md.Snapshots {
			known[r.ID] = true
		}
		ents, err := os.ReadDir(filepath.Join(s.home, "snapshots"))
		if err != nil {
			return fmt.Errorf("read store: %w", err)
		}
		for _, e := range ents {
			if !known[e.Name()] {
				if err := os.RemoveAll(filepath.Join(s.home, "snapshots", e.Name())); err != nil {
					return fmt.Errorf("remove orphaned snapshot dir: %w", err)
				}
			}
		}
		return nil
	})
}

func (s *Store) dir(id string) string { return filepath.Join(s.home, "snapshots", id) }

// lowers are the fs dirs a snapshot stands on, topmost first.
func (s *Store) lowers(md *metadata, r *record) []string {
	if r.Layers != nil {
		out := slices.Clone(r.Layers)
		slices.Reverse(out)
		return out
	}
	var out []string
	for p := r.Parent; p != ""; p = md.Snapshots[p].Parent {
		out = append(out, filepath.Join(s.dir(md.Snapshots[p].ID), "fs"))
	}
	return out
}

// Stat describes the snapshot key.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	var info Info
	err := s.locked(false, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("stat snapshot %s: %w", key, ErrNotFound)
		}
		info = r.info(key)
		return nil
	})
	return info, err
}

// Prepare makes an active snapshot key on the committed parent.
func (s *Store) Prepare(ctx context.Context, key, parent string) ([]mount.Mount, error) {
	return s.create(ctx, KindActive, key, parent, nil)
}

// View makes a read-only snapshot key of the committed parent.
func (s *Store) View(ctx context.Context, key, parent string) ([]mount.Mount, error) {
	return s.create(ctx, KindView, key, parent, nil)
}

// PrepareLayers makes an active snapshot key on plain directories outside
// the store (bottom first) instead of a committed parent: `minidocker run
// --layer` until images are pulled into the store (chapter 06). The
// directories are never written; with overlay they are its lower dirs,
// with vfs they are copied in. Whiteouts in them are read in overlay's form.
func (s *Store) PrepareLayers(ctx context.Context, key string, layers []string) ([]mount.Mount, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("prepare snapshot %s: no layers", key)
	}
	abs := make([]string, len(layers))
	for i, l := range layers {
		p, err := filepath.Abs(l)
		if err != nil {
			return nil, fmt.Errorf("prepare snapshot %s: layer %s: %w", key, l, err)
		}
		if fi, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("prepare snapshot %s: layer %w", key, err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("prepare snapshot %s: layer %s: not a directory", key, l)
		}
		abs[i] = p
	}
	return s.create(ctx, KindActive, key, "", abs)
}

func (s *Store) create(ctx context.Context, kind Kind, key, parent string, layers []string) ([]mount.Mount, error) {
	what := map[Kind]string{KindActive: "prepare", KindView: "view"}[kind]
	if key == "" {
		return nil, fmt.Errorf("%s snapshot: empty key", what)
	}
	var mounts []mount.Mount
	var made string
	err := s.locked(true, func(md *metadata) error {
		if _, ok := md.Snapshots[key]; ok {
			return fmt.Errorf("%s snapshot %s: %w", what, key, ErrExists)
		}
		now := time.Now().UTC()
		r := &record{Kind: kind, Parent: parent, Layers: layers, Created: now, Updated: now}
		if parent != "" {
			p, ok := md.Snapshots[parent]
			if !ok {
				return fmt.Errorf("%s snapshot %s: parent %s: %w", what, key, parent, ErrNotFound)
			}
			if p.Kind != KindCommitted {
				return fmt.Errorf("%s snapshot %s: parent %s is %s: %w", what, key, parent, p.Kind, ErrNotCommitted)
			}
		}
		r.ID = strconv.FormatUint(md.NextID, 10)
		md.NextID++
		dir := s.dir(r.ID)
		// Made in a temporary directory and renamed into place, so a crash
		// leaves a new-* dir that removeOrphans deletes, never a
		// half-copied snapshot under a valid ID.
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "new-")
		if err != nil {
			return fmt.Errorf("%s snapshot %s: %w", what, key, err)
		}
		if err := s.drv.create(ctx, tmp, kind, s.lowers(md, r), layers != nil); err != nil {
			os.RemoveAll(tmp)
			if errors.Is(err, os.ErrPermission) && os.Geteuid() != 0 {
				// Rootless storage (a user namespace around the copy) is not
				// there yet: a user can copy only files it owns.
				err = fmt.Errorf("%w (as a user who is not root, the layers may hold only that user's files)", err)
			}
			return fmt.Errorf("%s snapshot %s: %w", what, key, err)
		}
		os.RemoveAll(dir) // a dir left by a crash between this rename and the metadata write
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("%s snapshot %s: %w", what, key, err)
		}
		made = dir
		md.Snapshots[key] = r
		mounts = s.drv.mounts(dir, kind, s.lowers(md, r))
		return nil
	})
	if err != nil && made != "" {
		os.RemoveAll(made) // the metadata was not written
	}
	return mounts, err
}

// Mounts returns the mounts of an active snapshot or a view.
func (s *Store) Mounts(ctx context.Context, key string) ([]mount.Mount, error) {
	var mounts []mount.Mount
	err := s.locked(false, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("mounts of snapshot %s: %w", key, ErrNotFound)
		}
		if r.Kind == KindCommitted {
			return fmt.Errorf("mounts of snapshot %s: it is committed, and immutable (View it): %w", key, ErrNotActive)
		}
		mounts = s.drv.mounts(s.dir(r.ID), r.Kind, s.lowers(md, r))
		return nil
	})
	return mounts, err
}

// Commit turns the active snapshot key into the committed snapshot name.
func (s *Store) Commit(ctx context.Context, name, key string) error {
	return s.locked(true, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("commit snapshot %s: %w", key, ErrNotFound)
		}
		if r.Kind != KindActive {
			return fmt.Errorf("commit snapshot %s: it is %s: %w", key, r.Kind, ErrNotActive)
		}
		if r.Layers != nil {
			return fmt.Errorf("commit snapshot %s: it stands on directories outside the store: %w", key, ErrNotSupported)
		}
		if _, ok := md.Snapshots[name]; ok {
			return fmt.Errorf("commit snapshot %s as %s: %w", key, name, ErrExists)
		}
		dir := s.dir(r.ID)
		if err := s.drv.commit(dir); err != nil {
			return fmt.Errorf("commit snapshot %s: %w", key, err)
		}
		u, err := diskUsage(filepath.Join(dir, "fs"))
		if err != nil {
			return fmt.Errorf("commit snapshot %s: %w", key, err)
		}
		r.Kind, r.Usage, r.Updated = KindCommitted, &u, time.Now().UTC()
		delete(md.Snapshots, key)
		md.Snapshots[name] = r
		return nil
	})
}

// Remove deletes the snapshot key, unless others stand on it.
func (s *Store) Remove(ctx context.Context, key string) error {
	var dir string
	err := s.locked(true, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("remove snapshot %s: %w", key, ErrNotFound)
		}
		var children []string
		for name, c := range md.Snapshots {
			if c.Parent == key {
				children = append(children, name)
			}
		}
		if len(children) > 0 {
			slices.Sort(children)
			return fmt.Errorf("remove snapshot %s: %d snapshots stand on it (%s): %w", key, len(children), strings.Join(children, ", "), ErrInUse)
		}
		delete(md.Snapshots, key)
		dir = s.dir(r.ID)
		return nil
	})
	if err != nil {
		return err
	}
	// The metadata no longer names it: the files go after the lock is
	// released, and a crash meanwhile leaves an orphan removeOrphans finds.
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove snapshot %s: %w", key, err)
	}
	return nil
}

// Walk calls fn for every snapshot, in name order, with the store unlocked.
func (s *Store) Walk(ctx context.Context, fn func(Info) error) error {
	var infos []Info
	err := s.locked(false, func(md *metadata) error {
		for name, r := range md.Snapshots {
			infos = append(infos, r.info(name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// Usage is the disk space the snapshot's own files take.
func (s *Store) Usage(ctx context.Context, key string) (Usage, error) {
	var dir string
	var u *Usage
	err := s.locked(false, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("usage of snapshot %s: %w", key, ErrNotFound)
		}
		dir, u = filepath.Join(s.dir(r.ID), "fs"), r.Usage
		return nil
	})
	if err != nil || u != nil {
		return *orZero(u), err
	}
	usage, err := diskUsage(dir)
	if err != nil {
		return Usage{}, fmt.Errorf("usage of snapshot %s: %w", key, err)
	}
	return usage, nil
}

func orZero(u *Usage) *Usage {
	if u == nil {
		return &Usage{}
	}
	return u
}

// LayerDir is where to write a layer into the active snapshot key.
func (s *Store) LayerDir(ctx context.Context, key string) (LayerDir, error) {
	var ld LayerDir
	err := s.locked(false, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("layer dir of snapshot %s: %w", key, ErrNotFound)
		}
		if r.Kind != KindActive {
			return fmt.Errorf("layer dir of snapshot %s: it is %s: %w", key, r.Kind, ErrNotActive)
		}
		ld = LayerDir{Path: filepath.Join(s.dir(r.ID), "fs"), Whiteouts: s.drv.whiteouts()}
		return nil
	})
	return ld, err
}

// Diff writes the snapshot's changes over its parent as an OCI layer tar.
func (s *Store) Diff(ctx context.Context, key string, w io.Writer) error {
	var dir string
	var lowers []string
	var external bool
	err := s.locked(false, func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("diff snapshot %s: %w", key, ErrNotFound)
		}
		dir, lowers, external = s.dir(r.ID), s.lowers(md, r), r.Layers != nil
		return nil
	})
	if err != nil {
		return err
	}
	// Without the lock: a diff of a large layer must not stop the store.
	// A snapshot removed meanwhile makes the walk fail.
	if err := s.drv.diff(ctx, w, dir, lowers, external); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w (%w)", err, ErrNotFound)
		}
		return fmt.Errorf("diff snapshot %s: %w", key, err)
	}
	return nil
}

var _ Snapshotter = (*Store)(nil)
