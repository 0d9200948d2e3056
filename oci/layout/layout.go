// Package layout reads and writes an OCI image layout: a directory with
// an oci-layout file, an index.json naming the images, and the blobs in
// a content store (blobs/ALG/HEX). It is the format `skopeo copy oci:DIR`
// and `umoci` use, and what an OCI archive or a `docker save` (Docker
// 25+) holds.
package layout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/image"
)

// ErrNotFound: no image by that name in the layout.
var ErrNotFound = errors.New("image not found in layout")

// Layout is an OCI image layout on disk.
type Layout struct {
	root  string
	Store *content.Store
}

// Open opens the layout at root, making an empty one if root holds none.
func Open(root string) (*Layout, error) {
	s, err := content.Open(root)
	if err != nil {
		return nil, err
	}
	l := &Layout{root: root, Store: s}
	b, err := os.ReadFile(filepath.Join(root, ocispec.ImageLayoutFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		hdr, _ := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
		if err := writeFile(filepath.Join(root, ocispec.ImageLayoutFile), hdr); err != nil {
			return nil, fmt.Errorf("open layout %s: %w", root, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open layout %s: %w", root, err)
	default:
		var hdr ocispec.ImageLayout
		if err := json.Unmarshal(b, &hdr); err != nil || hdr.Version != ocispec.ImageLayoutVersion {
			return nil, fmt.Errorf("open layout %s: oci-layout %q: want imageLayoutVersion %s", root, b, ocispec.ImageLayoutVersion)
		}
	}
	if _, err := os.Stat(l.indexPath()); errors.Is(err, fs.ErrNotExist) {
		if err := l.WriteIndex(&ocispec.Index{}); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *Layout) indexPath() string { return filepath.Join(l.root, "index.json") }

// Index reads index.json.
func (l *Layout) Index() (*ocispec.Index, error) {
	b, err := os.ReadFile(l.indexPath())
	if err != nil {
		return nil, fmt.Errorf("read layout index: %w", err)
	}
	x, err := image.ParseIndex(ocispec.MediaTypeImageIndex, b)
	if err != nil {
		return nil, fmt.Errorf("read layout index %s: %w", l.indexPath(), err)
	}
	return x, nil
}

// WriteIndex replaces index.json, atomically.
func (l *Layout) WriteIndex(x *ocispec.Index) error {
	x.SchemaVersion = 2
	x.MediaType = ocispec.MediaTypeImageIndex
	if x.Manifests == nil {
		x.Manifests = []ocispec.Descriptor{}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	if err := writeFile(l.indexPath(), b); err != nil {
		return fmt.Errorf("write layout index: %w", err)
	}
	return nil
}

// Tag names desc (a manifest or index already in the store) name, in the
// annotation org.opencontainers.image.ref.name, replacing an image of
// that name.
func (l *Layout) Tag(name string, desc ocispec.Descriptor) error {
	if !l.Store.Has(desc.Digest) {
		return fmt.Errorf("tag %s: %s: %w", name, desc.Digest, content.ErrNotFound)
	}
	x, err := l.Index()
	if err != nil {
		return err
	}
	desc.Annotations = withName(desc.Annotations, name)
	kept := x.Manifests[:0]
	for _, m := range x.Manifests {
		if name == "" || m.Annotations[ocispec.AnnotationRefName] != name {
			kept = append(kept, m)
		}
	}
	x.Manifests = append(kept, desc)
	return l.WriteIndex(x)
}

func withName(a map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	if name != "" {
		out[ocispec.AnnotationRefName] = name
	}
	return out
}

// Resolve finds the image named name.
func (l *Layout) Resolve(name string) (ocispec.Descriptor, error) {
	x, err := l.Index()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	for _, m := range x.Manifests {
		if m.Annotations[ocispec.AnnotationRefName] == name {
			return m, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("%s: %w", name, ErrNotFound)
}

// Manifest reads and parses the manifest desc points to, from the store.
func (l *Layout) Manifest(desc ocispec.Descriptor) (*ocispec.Manifest, error) {
	b, err := l.Store.ReadAll(desc.Digest, image.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	return image.ParseManifest(desc.MediaType, b)
}

// Children are the blobs a manifest or index refers to.
func (l *Layout) Children(desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	switch {
	case image.IsManifest(desc.MediaType):
		m, err := l.Manifest(desc)
		if err != nil {
			return nil, err
		}
		return append([]ocispec.Descriptor{m.Config}, m.Layers...), nil
	case image.IsIndex(desc.MediaType):
		b, err := l.Store.ReadAll(desc.Digest, image.MaxDocumentSize)
		if err != nil {
			return nil, err
		}
		x, err := image.ParseIndex(desc.MediaType, b)
		if err != nil {
			return nil, err
		}
		return x.Manifests, nil
	}
	return nil, nil
}

// Walk calls fn for desc and every blob below it, parents first.
func (l *Layout) Walk(desc ocispec.Descriptor, fn func(ocispec.Descriptor) error) error {
	if err := fn(desc); err != nil {
		return err
	}
	kids, err := l.Children(desc)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := l.Walk(k, fn); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes b to path through a temporary file, fsync and rename.
func writeFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
