// Package unionfs is minidocker's graph driver: a snapshot store in the
// shape of containerd's snapshotter. Image layers are committed snapshots,
// stored once, read-only, keyed by chain ID; a container is an active
// snapshot on top of them, with a writable layer of its own; Diff takes
// the container's changes back out as an OCI layer tar.
//
// Two drivers hold the files: overlay (each snapshot holds only its own
// layer; a container is an overlay mount of its parents) and vfs (each
// snapshot is a full copy of its parent: slow, and works anywhere).
package unionfs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/minidocker/minidocker/unionfs/mount"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// Kind is a snapshot's state.
type Kind int

const (
	KindActive    Kind = iota + 1 // writable, mountable: a container's layer, or a layer being extracted
	KindView                      // read-only, mountable
	KindCommitted                 // immutable: a layer others stand on
)

var kindNames = map[Kind]string{KindActive: "active", KindView: "view", KindCommitted: "committed"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalJSON writes the kind by name, so the metadata file reads well.
func (k Kind) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// UnmarshalJSON reads a kind's name.
func (k *Kind) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for kind, name := range kindNames {
		if name == s {
			*k = kind
			return nil
		}
	}
	return fmt.Errorf("unknown snapshot kind %q", s)
}

// Info describes a snapshot.
type Info struct {
	Name    string    // the key of an active snapshot or view, the name of a committed one
	Parent  string    // committed snapshot it stands on, "" for none
	Kind    Kind      //
	Layers  []string  // for PrepareLayers: the directories it stands on instead, bottom first
	Created time.Time //
	Updated time.Time //
}

// Usage is the disk space a snapshot's own files take: blocks allocated
// (each inode counted once) and inodes.
type Usage struct {
	Size   int64 `json:"size"`
	Inodes int64 `json:"inodes"`
}

// LayerDir is where a layer is written straight into an active snapshot,
// as docker's overlay2 extracts into a layer's diff dir: the extractor
// writes the layer's files into Path and turns each OCI whiteout into the
// Whiteouts form.
type LayerDir struct {
	Path      string
	Whiteouts whiteout.Form
}

// Snapshotter is the store's interface, the one the conformance suite
// (unionfs/snapshottest) checks.
type Snapshotter interface {
	// Driver is the storage driver's name: "overlay" or "vfs".
	Driver() string
	Stat(ctx context.Context, key string) (Info, error)
	// Prepare makes an active snapshot on the committed parent ("" for
	// none) and returns the mounts that make its tree.
	Prepare(ctx context.Context, key, parent string) ([]mount.Mount, error)
	// View is Prepare's read-only twin.
	View(ctx context.Context, key, parent string) ([]mount.Mount, error)
	// Mounts returns an active snapshot's or a view's mounts again.
	Mounts(ctx context.Context, key string) ([]mount.Mount, error)
	// Commit turns the active snapshot key into the committed one name;
	// key is gone after.
	Commit(ctx context.Context, name, key string) error
	// Remove deletes a snapshot no other snapshot stands on.
	Remove(ctx context.Context, key string) error
	// Walk calls fn for every snapshot, in name order.
	Walk(ctx context.Context, fn func(Info) error) error
	Usage(ctx context.Context, key string) (Usage, error)
	// LayerDir is where to write a layer into the active snapshot key
	// before it is mounted, and in which whiteout form.
	LayerDir(ctx context.Context, key string) (LayerDir, error)
	// Diff writes the snapshot's changes over its parent as an OCI layer
	// tar (uncompressed), in a deterministic order.
	Diff(ctx context.Context, key string, w io.Writer) error
}
