package archive

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/oci/layout"
)

// maxEntries bounds the tar entries of an archive read.
const maxEntries = 1 << 20

// member is a file in the archive: where its bytes are.
type member struct {
	off, size int64
	link      string // a symlink's or hard link's target (docker save dedups layers with them)
}

type archiveFiles map[string]member

// scan lists the archive's files and where their contents start.
func scan(r io.ReaderAt, size int64) (archiveFiles, error) {
	cr := &countingReader{r: io.NewSectionReader(r, 0, size)}
	tr := tar.NewReader(cr)
	files := archiveFiles{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read archive: %w", err)
		}
		if len(files) >= maxEntries {
			return nil, fmt.Errorf("read archive: more than %d entries", maxEntries)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		switch hdr.Typeflag {
		case tar.TypeReg:
			// tar.Reader has read the header (and any PAX records): the
			// contents start here.
			files[name] = member{off: cr.n, size: hdr.Size}
		case tar.TypeSymlink:
			files[name] = member{link: path.Join(path.Dir(name), hdr.Linkname)}
		case tar.TypeLink:
			files[name] = member{link: path.Clean(hdr.Linkname)}
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// open returns the contents of the file name, following links (a few).
func (a archiveFiles) open(r io.ReaderAt, name string) (*io.SectionReader, error) {
	name = path.Clean(name)
	for range 8 {
		m, ok := a[name]
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, ErrMissing)
		}
		if m.link == "" {
			return io.NewSectionReader(r, m.off, m.size), nil
		}
		name = m.link
	}
	return nil, fmt.Errorf("%s: too many links", name)
}

func (a archiveFiles) readAll(r io.ReaderAt, name string) ([]byte, error) {
	sr, err := a.open(r, name)
	if err != nil {
		return nil, err
	}
	if sr.Size() > image.MaxDocumentSize {
		return nil, fmt.Errorf("%s: %d bytes, too large for a document", name, sr.Size())
	}
	return io.ReadAll(sr)
}

// Image is an image imported: its name (if the archive gave one) and
// its manifest.
type Image struct {
	Name     string
	Manifest ocispec.Descriptor
}

// Import copies the images of the archive r (size bytes) into l, and
// names them in l's index. Both formats are recognised by their files.
func Import(l *layout.Layout, r io.ReaderAt, size int64) ([]Image, error) {
	files, err := scan(r, size)
	if err != nil {
		return nil, err
	}
	var imgs []Image
	switch {
	case files.has("index.json") && files.has(ocispec.ImageLayoutFile):
		imgs, err = importOCI(l, r, files)
	case files.has("manifest.json"):
		imgs, err = importDocker(l, r, files)
	default:
		return nil, ErrFormat
	}
	if err != nil {
		return nil, fmt.Errorf("import archive: %w", err)
	}
	for _, img := range imgs {
		if err := l.Tag(img.Name, img.Manifest); err != nil {
			return nil, fmt.Errorf("import archive: %w", err)
		}
	}
	return imgs, nil
}

func (a archiveFiles) has(name string) bool { _, ok := a[name]; return ok }

func blobPath(d digest.Digest) string {
	return path.Join("blobs", string(d.Algorithm()), d.Encoded())
}

// importOCI copies every blob the archive's index reaches.
func importOCI(l *layout.Layout, r io.ReaderAt, files archiveFiles) ([]Image, error) {
	b, err := files.readAll(r, ocispec.ImageLayoutFile)
	if err != nil {
		return nil, err
	}
	var hdr ocispec.ImageLayout
	if err := json.Unmarshal(b, &hdr); err != nil || hdr.Version != ocispec.ImageLayoutVersion {
		return nil, fmt.Errorf("oci-layout %q: want imageLayoutVersion %s", b, ocispec.ImageLayoutVersion)
	}
	b, err = files.readAll(r, "index.json")
	if err != nil {
		return nil, err
	}
	x, err := image.ParseIndex(ocispec.MediaTypeImageIndex, b)
	if err != nil {
		return nil, err
	}
	var imgs []Image
	for _, m := range x.Manifests {
		if err := copyTree(l, r, files, m); err != nil {
			return nil, err
		}
		name := m.Annotations[ocispec.AnnotationRefName]
		if n := m.Annotations["io.containerd.image.name"]; n != "" {
			name = n // Docker 25+ writes the full reference here
		}
		imgs = append(imgs, Image{Name: name, Manifest: m})
	}
	return imgs, nil
}

// copyTree stores desc's blob and, for manifests and indexes, their
// children's, each checked against its digest and size.
func copyTree(l *layout.Layout, r io.ReaderAt, files archiveFiles, desc ocispec.Descriptor) error {
	if err := desc.Digest.Validate(); err != nil {
		return fmt.Errorf("descriptor: %w", err)
	}
	sr, err := files.open(r, blobPath(desc.Digest))
	if err != nil {
		return err
	}
	if err := l.Store.Write(desc.Digest, desc.Size, sr); err != nil {
		return err
	}
	kids, err := l.Children(desc)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := copyTree(l, r, files, k); err != nil {
			return err
		}
	}
	return nil
}

// dockerManifest is an entry of a docker save manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// importDocker reads manifest.json: each image is a config file and
// layer tars, by path. A manifest is made for each (OCI, with the layers'
// compression told by their magic), as containerd does.
func importDocker(l *layout.Layout, r io.ReaderAt, files archiveFiles) ([]Image, error) {
	b, err := files.readAll(r, "manifest.json")
	if err != nil {
		return nil, err
	}
	var dms []dockerManifest
	if err := json.Unmarshal(b, &dms); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var imgs []Image
	for _, dm := range dms {
		cb, err := files.readAll(r, dm.Config)
		if err != nil {
			return nil, err
		}
		cfg, err := image.ParseConfig(cb)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dm.Config, err)
		}
		if len(cfg.RootFS.DiffIDs) != len(dm.Layers) {
			return nil, fmt.Errorf("%s: %d diff IDs for %d layers", dm.Config, len(cfg.RootFS.DiffIDs), len(dm.Layers))
		}
		cd, err := l.Store.WriteBytes(cb)
		if err != nil {
			return nil, err
		}
		m := ocispec.Manifest{
			MediaType: ocispec.MediaTypeImageManifest,
			Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))},
		}
		m.SchemaVersion = 2
		for i, lp := range dm.Layers {
			desc, err := importLayer(l, r, files, lp, cfg.RootFS.DiffIDs[i])
			if err != nil {
				return nil, err
			}
			m.Layers = append(m.Layers, desc)
		}
		mb, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		md, err := l.Store.WriteBytes(mb)
		if err != nil {
			return nil, err
		}
		desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mb))}
		if len(dm.RepoTags) == 0 {
			imgs = append(imgs, Image{Manifest: desc})
		}
		for _, tag := range dm.RepoTags {
			imgs = append(imgs, Image{Name: tag, Manifest: desc})
		}
	}
	return imgs, nil
}

// importLayer stores one layer file; an uncompressed one must hash to
// its diff ID (a compressed one is checked when it is extracted).
func importLayer(l *layout.Layout, r io.ReaderAt, files archiveFiles, name string, diffID digest.Digest) (ocispec.Descriptor, error) {
	sr, err := files.open(r, name)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	head := make([]byte, 10)
	n, _ := sr.ReadAt(head, 0)
	comp, err := layer.Detect(head[:n])
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("%s: %w", name, err)
	}
	mt := map[layer.Compression]string{
		layer.Uncompressed: ocispec.MediaTypeImageLayer,
		layer.Gzip:         ocispec.MediaTypeImageLayerGzip,
		layer.Zstd:         ocispec.MediaTypeImageLayerZstd,
	}[comp]
	d := diffID
	if comp != layer.Uncompressed || d.Algorithm() != digest.SHA256 {
		// The digest of the file as it is: hash it first.
		dg := digest.SHA256.Digester()
		if _, err := io.Copy(dg.Hash(), io.NewSectionReader(sr, 0, sr.Size())); err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("%s: %w", name, err)
		}
		d = dg.Digest()
	}
	if err := l.Store.Write(d, sr.Size(), io.NewSectionReader(sr, 0, sr.Size())); err != nil {
		if errors.Is(err, content.ErrDigestMismatch) {
			return ocispec.Descriptor{}, fmt.Errorf("layer %s does not hash to its diff ID %s: %w", name, diffID, err)
		}
		return ocispec.Descriptor{}, fmt.Errorf("layer %s: %w", name, err)
	}
	return ocispec.Descriptor{MediaType: mt, Digest: d, Size: sr.Size()}, nil
}
