package images

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/archive"
	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/layout"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// Save writes the images named names to w as docker save does: with
// docker set, a tarball docker load reads (manifest.json, and the OCI
// layout Docker 25+ writes beside it); without, an OCI archive (an image
// layout in a tar, as skopeo's oci-archive). The blobs go through an OCI
// layout made in dir, a directory of the caller's that is removed after.
func (s *Store) Save(ctx context.Context, w io.Writer, names []string, docker bool, dir string) error {
	l, err := layout.Open(dir)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	var tags []string
	for _, name := range names {
		img, err := s.Get(ctx, name)
		if err != nil {
			return fmt.Errorf("save %s: %w", name, err)
		}
		for _, d := range append([]ocispec.Descriptor{img.Target, img.Manifest.Config}, img.Manifest.Layers...) {
			if err := copyBlob(l.Store, s.content, d); err != nil {
				return fmt.Errorf("save %s: %w", name, err)
			}
		}
		tag := img.Name.Familiar()
		if err := l.Tag(tag, img.Target); err != nil {
			return fmt.Errorf("save %s: %w", name, err)
		}
		tags = append(tags, tag)
	}
	return archive.Export(w, l, tags, docker)
}

// Load reads a docker save tarball or an OCI archive (r, size bytes) into
// the store, through an OCI layout made in dir, as docker load: every
// blob is checked against its digest, each layer unpacked into its
// snapshot, and only then the image named. An image the archive does not
// name is refused: the store keeps images by name. It returns the names
// loaded.
func (s *Store) Load(ctx context.Context, r io.ReaderAt, size int64, dir string) ([]string, error) {
	l, err := layout.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	imgs, err := archive.Import(l, r, size)
	if err != nil {
		return nil, fmt.Errorf("load: %w (want a docker save tarball or an OCI archive)", err)
	}
	var loaded []string
	for _, ai := range imgs {
		if ai.Name == "" {
			return loaded, fmt.Errorf("load: the archive has an image without a name (%s): tag it before saving it", ai.Manifest.Digest)
		}
		name, err := reference.Parse(ai.Name)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", ai.Name, err)
		}
		desc, err := platformManifest(l, ai.Manifest)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", ai.Name, err)
		}
		m, err := l.Manifest(desc)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", ai.Name, err)
		}
		for _, d := range append([]ocispec.Descriptor{desc, m.Config}, m.Layers...) {
			if err := copyBlob(s.content, l.Store, d); err != nil {
				return loaded, fmt.Errorf("load %s: %w", ai.Name, err)
			}
		}
		cb, err := s.content.ReadAll(m.Config.Digest, 16<<20)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", ai.Name, err)
		}
		var cfg ocispec.Image
		if err := json.Unmarshal(cb, &cfg); err != nil {
			return loaded, fmt.Errorf("load %s: config: %w", ai.Name, err)
		}
		if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
			return loaded, fmt.Errorf("load %s: %d layers, %d diff IDs in the config", ai.Name, len(m.Layers), len(cfg.RootFS.DiffIDs))
		}
		img := &Image{Name: name.WithDefaultTag(), Target: desc, Manifest: m, Config: &cfg}
		if err := s.Unpack(ctx, img); err != nil {
			return loaded, err
		}
		if err := s.record(ctx, img, reference.Reference{}, nil); err != nil {
			return loaded, err
		}
		loaded = append(loaded, img.Name.Familiar())
	}
	return loaded, nil
}

// platformManifest is desc if it is a manifest, or the host's manifest
// of the index desc.
func platformManifest(l *layout.Layout, desc ocispec.Descriptor) (ocispec.Descriptor, error) {
	if image.IsManifest(desc.MediaType) {
		return desc, nil
	}
	children, err := l.Children(desc)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	host := registry.HostPlatform()
	for _, c := range children {
		if p := c.Platform; p != nil && p.OS == host.OS && p.Architecture == host.Architecture && image.IsManifest(c.MediaType) {
			return c, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("no image for %s/%s in the archive's index", host.OS, host.Architecture)
}

// copyBlob copies d from src to dst (checked against its digest as it is
// written), if dst does not have it.
func copyBlob(dst, src *content.Store, d ocispec.Descriptor) error {
	if dst.Has(d.Digest) {
		return nil
	}
	rc, _, err := src.Open(d.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	return dst.Write(d.Digest, d.Size, rc)
}

// TempDir makes a scratch directory for Save and Load under the store's
// root (on its file system); the caller removes it.
func (s *Store) TempDir() (string, error) {
	return os.MkdirTemp(s.root, "tmp-archive-")
}
