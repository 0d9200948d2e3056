package archive

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/layout"
)

// Export writes the images named names in l as an OCI archive to w;
// with docker set, also a manifest.json, as Docker 25+ `docker save`
// does, so that `docker load` of any version reads it too.
func Export(w io.Writer, l *layout.Layout, names []string, docker bool) error {
	tw := tar.NewWriter(w)
	x := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
	x.SchemaVersion = 2
	var dms []dockerManifest
	written := map[digest.Digest]bool{}
	for _, name := range names {
		desc, err := l.Resolve(name)
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		x.Manifests = append(x.Manifests, desc)
		err = l.Walk(desc, func(d ocispec.Descriptor) error {
			if written[d.Digest] {
				return nil
			}
			written[d.Digest] = true
			return writeBlob(tw, l, d)
		})
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		if docker {
			if !image.IsManifest(desc.MediaType) {
				return fmt.Errorf("export %s: an index (multi-platform image) has no docker save form: export without it", name)
			}
			m, err := l.Manifest(desc)
			if err != nil {
				return err
			}
			dm := dockerManifest{Config: blobPath(m.Config.Digest), RepoTags: []string{name}}
			for _, ld := range m.Layers {
				dm.Layers = append(dm.Layers, blobPath(ld.Digest))
			}
			dms = append(dms, dm)
		}
	}
	hdr, _ := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err := writeFile(tw, ocispec.ImageLayoutFile, hdr); err != nil {
		return err
	}
	ib, _ := json.Marshal(x)
	if err := writeFile(tw, "index.json", ib); err != nil {
		return err
	}
	if docker {
		mb, _ := json.Marshal(dms)
		if err := writeFile(tw, "manifest.json", mb); err != nil {
			return err
		}
	}
	return tw.Close()
}

var epoch = time.Unix(0, 0)

func writeFile(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(b)), Mode: 0o644, ModTime: epoch}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// writeBlob copies a blob from the store, checked as it is read.
func writeBlob(tw *tar.Writer, l *layout.Layout, d ocispec.Descriptor) error {
	r, size, err := l.Store.Open(d.Digest)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: blobPath(d.Digest), Size: size, Mode: 0o444, ModTime: epoch}); err != nil {
		return err
	}
	_, err = io.Copy(tw, r)
	return err
}
