package images

import (
	"bufio"
	"context"
	_ "crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/unionfs"
)

// ImportOptions are docker import's.
type ImportOptions struct {
	// Changes are Dockerfile instructions applied to the config
	// (--change 'CMD ["sh"]'): CMD, ENTRYPOINT, ENV, WORKDIR, USER,
	// LABEL, EXPOSE, VOLUME, STOPSIGNAL.
	Changes []string
	// Message is the history entry's comment (-m).
	Message string
	// Platform is the config's os and architecture (default the host's).
	Platform registry.Platform
	// Created is the image's creation time (default now): set it, or
	// SOURCE_DATE_EPOCH, for an image with the same digest every time.
	Created time.Time
}

// Import makes an image of one layer from a file system tar (plain,
// gzip or zstd) and names it name, as docker import does: the layer is
// stored gzip-compressed, with an OCI config and manifest, and unpacked.
func (s *Store) Import(ctx context.Context, r io.Reader, name reference.Reference, o ImportOptions) (*Image, error) {
	name = name.WithDefaultTag()
	if name.Digest != "" {
		return nil, fmt.Errorf("import: name the image with a tag, not a digest: %s", name.Familiar())
	}
	if o.Platform.OS == "" {
		o.Platform = registry.HostPlatform()
	}
	if o.Created.IsZero() {
		o.Created = time.Now().UTC()
	}
	o.Created = o.Created.UTC().Truncate(time.Second)
	cfg := ocispec.Image{
		Created:  &o.Created,
		Platform: ocispec.Platform{OS: o.Platform.OS, Architecture: o.Platform.Architecture, Variant: o.Platform.Variant},
	}
	for _, c := range o.Changes {
		if err := applyChange(&cfg.Config, c); err != nil {
			return nil, fmt.Errorf("import: --change %q: %w", c, err)
		}
	}
	ld, diffID, err := s.storeLayer(r)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}}
	comment := o.Message
	if comment == "" {
		comment = "Imported from -"
	}
	cfg.History = []ocispec.History{{Created: &o.Created, CreatedBy: "minidocker import", Comment: comment}}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cd, err := s.content.WriteBytes(cb)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))},
		Layers: []ocispec.Descriptor{ld}}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	md, err := s.content.WriteBytes(mb)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	img := &Image{Name: name, Target: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mb))},
		Manifest: &m, Config: &cfg}
	size := int64(0)
	if info, err := s.sn.Stat(ctx, diffID.String()); err != nil || info.Kind != unionfs.KindCommitted {
		rc, _, err := s.content.Open(ld.Digest)
		if err != nil {
			return nil, err
		}
		size, _, err = s.unpackLayer(ctx, "", diffID, ld.Digest, diffID, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	sizes := map[digest.Digest]int64{}
	if size > 0 {
		sizes[diffID] = size
	}
	if err := s.record(ctx, img, reference.Reference{}, sizes); err != nil {
		return nil, err
	}
	return img, nil
}

// storeLayer compresses the tar read from r (decompressing it first if it
// is compressed) into a gzip layer blob in the content store, hashing the
// tar for the diff ID on the way. The blob is spooled to a file of the
// store's, then written (and checked) into place.
func (s *Store) storeLayer(r io.Reader) (ocispec.Descriptor, digest.Digest, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(10)
	c, err := layer.Detect(head)
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	var tarStream io.Reader = br
	switch c {
	case layer.Gzip:
		z, err := gzip.NewReader(br)
		if err != nil {
			return ocispec.Descriptor{}, "", err
		}
		tarStream = z
	case layer.Zstd:
		z, err := zstd.NewReader(br)
		if err != nil {
			return ocispec.Descriptor{}, "", err
		}
		defer z.Close()
		tarStream = z
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, "images"), "import-*")
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	diff := digest.SHA256.Digester()
	blob := digest.SHA256.Digester()
	counter := &countWriter{}
	zw := gzip.NewWriter(io.MultiWriter(tmp, blob.Hash(), counter))
	n, err := io.Copy(zw, io.TeeReader(tarStream, diff.Hash()))
	if err != nil {
		return ocispec.Descriptor{}, "", fmt.Errorf("read the tar: %w", err)
	}
	if n == 0 {
		return ocispec.Descriptor{}, "", fmt.Errorf("the tar is empty")
	}
	if err := zw.Close(); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: blob.Digest(), Size: counter.n}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	if err := s.content.Write(desc.Digest, desc.Size, tmp); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	return desc, diff.Digest(), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// applyChange applies one Dockerfile instruction to the config.
func applyChange(c *ocispec.ImageConfig, change string) error {
	instr, arg, _ := strings.Cut(strings.TrimSpace(change), " ")
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return fmt.Errorf("%s needs an argument", instr)
	}
	// The exec form is JSON; the shell form runs in /bin/sh -c.
	words := func() []string {
		var w []string
		if json.Unmarshal([]byte(arg), &w) == nil {
			return w
		}
		return []string{"/bin/sh", "-c", arg}
	}
	keyValues := func() map[string]string {
		kv := map[string]string{}
		if k, v, ok := strings.Cut(arg, "="); ok && !strings.Contains(k, " ") {
			for _, f := range strings.Fields(arg) {
				k, v, _ := strings.Cut(f, "=")
				kv[k] = strings.Trim(v, `"`)
			}
			return kv
		} else if k, v, ok = strings.Cut(arg, " "); ok {
			kv[k] = strings.TrimSpace(v) // ENV KEY value, the old form
		}
		return kv
	}
	switch strings.ToUpper(instr) {
	case "CMD":
		c.Cmd = words()
	case "ENTRYPOINT":
		c.Entrypoint = words()
	case "ENV":
		kv := keyValues()
		if len(kv) == 0 {
			return fmt.Errorf("ENV wants KEY=VALUE")
		}
		for _, k := range sortedKeys(kv) {
			c.Env = setEnv(c.Env, k+"="+kv[k])
		}
	case "WORKDIR":
		c.WorkingDir = arg
	case "USER":
		c.User = arg
	case "LABEL":
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for k, v := range keyValues() {
			c.Labels[k] = v
		}
	case "EXPOSE":
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range strings.Fields(arg) {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			c.ExposedPorts[p] = struct{}{}
		}
	case "VOLUME":
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		var vs []string
		if json.Unmarshal([]byte(arg), &vs) != nil {
			vs = strings.Fields(arg)
		}
		for _, v := range vs {
			c.Volumes[v] = struct{}{}
		}
	case "STOPSIGNAL":
		c.StopSignal = arg
	default:
		return fmt.Errorf("%s is not an instruction docker import takes (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)", instr)
	}
	return nil
}

func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, k+"=") {
			out = append(out, e)
		}
	}
	return append(out, kv)
}
