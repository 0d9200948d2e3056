package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/unionfs"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// Store is the image store under the state root:
//
//	content/             blobs by digest (oci/content): manifests, configs, layers as pulled
//	images/images.json   names -> manifest descriptors, and what the pulls learnt
//	images/lock          flock'ed around every change of images.json
//	overlay/, vfs/       the layers unpacked, one committed snapshot per chain ID (unionfs)
//
// Several minidocker processes may share it.
type Store struct {
	root    string
	content *content.Store
	sn      unionfs.Snapshotter
}

// Option configures Open.
type Option func(*options)

type options struct {
	sn     unionfs.Snapshotter
	driver string
	logf   func(format string, args ...any)
}

// WithSnapshotter uses sn for the layers instead of opening unionfs under
// the root.
func WithSnapshotter(sn unionfs.Snapshotter) Option { return func(o *options) { o.sn = sn } }

// WithDriver picks unionfs's storage driver ("overlay", "vfs", "" for
// overlay where it works), and where its one line about a fallback goes.
func WithDriver(name string, logf func(format string, args ...any)) Option {
	return func(o *options) { o.driver, o.logf = name, logf }
}

// Open opens (making it if need be) the image store under root.
func Open(root string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cs, err := content.Open(filepath.Join(root, "content"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, "images"), 0o700); err != nil {
		return nil, fmt.Errorf("open image store: %w", err)
	}
	sn := o.sn
	if sn == nil {
		if sn, err = openSnapshotter(root, o); err != nil {
			return nil, err
		}
	}
	return &Store{root: root, content: cs, sn: sn}, nil
}

// Content is the blob store.
func (s *Store) Content() *content.Store { return s.content }

// Snapshotter is the layer store: a container's snapshot is prepared on
// an image's TopLayer.
func (s *Store) Snapshotter() unionfs.Snapshotter { return s.sn }

// record is one name of an image in images.json.
type record struct {
	Target ocispec.Descriptor  `json:"target"`          // the image manifest, for one platform
	Index  *ocispec.Descriptor `json:"index,omitempty"` // the index it was picked from
	// RepoDigest is the digest the name's repository serves it under (the
	// index's, or the manifest's), once pulled from or pushed to it.
	RepoDigest digest.Digest `json:"repo_digest,omitempty"`
	Added      time.Time     `json:"added"`
}

// metadata is images.json.
type metadata struct {
	// Images are keyed by their full reference: "docker.io/library/busybox:latest",
	// "127.0.0.1:5000/x@sha256:...".
	Images map[string]*record `json:"images"`
	// Sources are the repositories ("host/path") known to hold a blob: a
	// push to another repository of that registry mounts it from one.
	Sources map[digest.Digest][]string `json:"sources,omitempty"`
	// TarSizes are the uncompressed sizes of layers, by diff ID.
	TarSizes map[digest.Digest]int64 `json:"tar_sizes,omitempty"`
}

func (s *Store) metadataPath() string { return filepath.Join(s.root, "images", "images.json") }

// locked runs fn on the metadata under the store's flock (exclusive to
// change it: fn's changes are then written, atomically, if it returns nil).
func (s *Store) locked(ctx context.Context, exclusive bool, fn func(*metadata) error) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	f, err := lockfile.Open(filepath.Join(s.root, "images", "lock"), how)
	if err != nil {
		return fmt.Errorf("lock image store: %w", err)
	}
	defer f.Close()
	md, err := s.readMetadata()
	if err != nil {
		return err
	}
	if err := fn(md); err != nil {
		return err
	}
	if !exclusive {
		return nil
	}
	return s.writeMetadata(md)
}

func (s *Store) readMetadata() (*metadata, error) {
	md := &metadata{}
	b, err := os.ReadFile(s.metadataPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read image store: %w", err)
	}
	if err == nil {
		if err := json.Unmarshal(b, md); err != nil {
			return nil, fmt.Errorf("read image store %s: %w", s.metadataPath(), err)
		}
	}
	if md.Images == nil {
		md.Images = map[string]*record{}
	}
	if md.Sources == nil {
		md.Sources = map[digest.Digest][]string{}
	}
	if md.TarSizes == nil {
		md.TarSizes = map[digest.Digest]int64{}
	}
	return md, nil
}

// writeMetadata replaces images.json: temporary file, fsync, rename,
// fsync of the directory. A crash leaves the old file or the new one.
func (s *Store) writeMetadata(md *metadata) error {
	b, err := json.MarshalIndent(md, "", "\t")
	if err != nil {
		return fmt.Errorf("encode image store: %w", err)
	}
	dir := filepath.Dir(s.metadataPath())
	f, err := os.CreateTemp(dir, "images.json.tmp-*")
	if err != nil {
		return fmt.Errorf("write image store: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), s.metadataPath())
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write image store: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
