package unionfs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// metadata is the store's state, one JSON file beside the snapshots'
// directories. Every change is made under an exclusive flock on the lock
// file (other minidocker processes share the store) and written to a
// temporary file that replaces the old one by rename: a crash leaves the
// old state or the new one, never half of either.
type metadata struct {
	NextID    uint64             `json:"next_id"`
	Snapshots map[string]*record `json:"snapshots"`
	read      []byte             // the file as read: unchanged, it is not written again
}

type record struct {
	ID      string    `json:"id"` // the directory under snapshots/
	Kind    Kind      `json:"kind"`
	Parent  string    `json:"parent,omitempty"`
	Layers  []string  `json:"layers,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Usage   *Usage    `json:"usage,omitempty"` // computed at commit: committed files do not change
}

func (r *record) info(name string) Info {
	return Info{Name: name, Parent: r.Parent, Kind: r.Kind, Layers: r.Layers, Created: r.Created, Updated: r.Updated}
}

const (
	metadataFile = "metadata.json"
	lockFile     = "lock"
)

// locked runs fn with the store locked (exclusively to change it, shared
// to read it) and the metadata read; with exclusive, fn's changes to it
// are written when fn returns nil.
func (s *Store) locked(exclusive bool, fn func(*metadata) error) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	f, err := lockfile.Open(filepath.Join(s.home, lockFile), how)
	if err != nil {
		return fmt.Errorf("lock store: %w", err)
	}
	defer f.Close() // closing drops the lock
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
	md := &metadata{NextID: 1, Snapshots: map[string]*record{}}
	b, err := os.ReadFile(filepath.Join(s.home, metadataFile))
	if errors.Is(err, os.ErrNotExist) {
		return md, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read store metadata: %w", err)
	}
	if err := json.Unmarshal(b, md); err != nil {
		return nil, fmt.Errorf("read store metadata %s: %w", filepath.Join(s.home, metadataFile), err)
	}
	md.read = b
	if md.Snapshots == nil {
		md.Snapshots = map[string]*record{}
	}
	return md, nil
}

// writeMetadata replaces the metadata file: temp file, fsync, rename,
// fsync of the directory so the rename itself is on disk. Metadata that
// did not change is not written (opening a store looks for orphans under
// the exclusive lock, and rarely finds one).
func (s *Store) writeMetadata(md *metadata) error {
	b, err := json.MarshalIndent(md, "", "\t")
	if err != nil {
		return fmt.Errorf("encode store metadata: %w", err)
	}
	b = append(b, '\n')
	if bytes.Equal(b, md.read) {
		return nil
	}
	tmp, err := os.CreateTemp(s.home, metadataFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("write store metadata: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.home, metadataFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write store metadata: %w", err)
	}
	return syncDir(s.home)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
