package images

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/reference"
)

// Image is an image of the store under one of its names, with its
// manifest and config read (and checked) from the content store.
type Image struct {
	Name   reference.Reference // tagged, or digested when pulled by digest
	Target ocispec.Descriptor  // the manifest
	Index  *ocispec.Descriptor // the index it was chosen from, if any
	Added  time.Time           // when the name was recorded
	// RepoDigest is the digest the name's registry serves the image under
	// (the index's, or the manifest's); "" until pulled or pushed.
	RepoDigest digest.Digest
	Manifest   *ocispec.Manifest
	Config     *ocispec.Image
	// Size is the sum of the layers' uncompressed sizes, as docker
	// images shows it (0 when unknown).
	Size int64
}

// ID is the image's ID as docker prints it: the config's digest.
func (i *Image) ID() digest.Digest { return i.Manifest.Config.Digest }

// DiffIDs are the layers' diff IDs, bottom first.
func (i *Image) DiffIDs() []digest.Digest { return i.Config.RootFS.DiffIDs }

// ChainIDs are the layers' chain IDs, bottom first: the names of their
// committed snapshots. A layer's chain ID names it with everything below
// it (image-spec's ChainID), so two images share a snapshot only if they
// share the whole stack under it.
func (i *Image) ChainIDs() []digest.Digest { return ChainIDs(i.DiffIDs()) }

// TopLayer is the snapshot a container of the image is prepared on ("" for
// an image without layers).
func (i *Image) TopLayer() string {
	ids := i.ChainIDs()
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1].String()
}

// ChainIDs computes chain IDs: the first is the diff ID, each next one
// sha256(previous + " " + diff ID).
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = digest.NewDigestFromBytes(digest.SHA256, sha(out[i-1].String()+" "+d.String()))
	}
	return out
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// load reads the manifest and config of a record.
func (s *Store) load(md *metadata, name string, r *record) (*Image, error) {
	ref, err := reference.ParseCanonical(name)
	if err != nil {
		return nil, fmt.Errorf("image store: name %q: %w", name, err)
	}
	img := &Image{Name: ref, Target: r.Target, Index: r.Index, Added: r.Added, RepoDigest: r.RepoDigest}
	b, err := s.content.ReadAll(r.Target.Digest, image.MaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("image %s: manifest: %w", ref.Familiar(), err)
	}
	if img.Manifest, err = image.ParseManifest(r.Target.MediaType, b); err != nil {
		return nil, fmt.Errorf("image %s: %w", ref.Familiar(), err)
	}
	b, err = s.content.ReadAll(img.Manifest.Config.Digest, image.MaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", ref.Familiar(), err)
	}
	if img.Config, err = image.ParseConfig(b); err != nil {
		return nil, fmt.Errorf("image %s: %w", ref.Familiar(), err)
	}
	for _, d := range img.DiffIDs() {
		img.Size += md.TarSizes[d]
	}
	return img, nil
}

// List is every name of every image, newest first (by the config's
// creation time, then by name).
func (s *Store) List(ctx context.Context) ([]*Image, error) {
	var out []*Image
	err := s.locked(ctx, false, func(md *metadata) error {
		for name, r := range md.Images {
			img, err := s.load(md, name, r)
			if err != nil {
				return err
			}
			out = append(out, img)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *Image) int {
		if c := created(b).Compare(created(a)); c != 0 {
			return c
		}
		return strings.Compare(a.Name.String(), b.Name.String())
	})
	return out, err
}

func created(i *Image) time.Time {
	if i.Config.Created != nil {
		return *i.Config.Created
	}
	return time.Time{}
}

// Get finds an image as docker's CLI does: by name ("busybox" is
// docker.io/library/busybox:latest), by name@digest (the manifest's or the
// index's), or by a prefix of its ID ("3f57d9401f8d", "sha256:3f57...").
func (s *Store) Get(ctx context.Context, name string) (*Image, error) {
	var img *Image
	err := s.locked(ctx, false, func(md *metadata) error {
		var err error
		img, err = s.find(md, name)
		return err
	})
	return img, err
}

// find resolves name in md.
func (s *Store) find(md *metadata, name string) (*Image, error) {
	if ref, err := reference.Parse(name); err == nil {
		ref = ref.WithDefaultTag()
		if ref.Digest != "" {
			for key, r := range md.Images {
				k, _ := reference.ParseCanonical(key)
				if k.Name() == ref.Name() && (r.Target.Digest == ref.Digest || r.Index != nil && r.Index.Digest == ref.Digest) {
					img, err := s.load(md, key, r)
					if err != nil {
						return nil, err
					}
					img.Name = ref
					return img, nil
				}
			}
		} else if r, ok := md.Images[ref.String()]; ok {
			return s.load(md, ref.String(), r)
		}
	}
	// An ID, or a prefix of one.
	hexID := strings.TrimPrefix(name, "sha256:")
	if hexID == "" || strings.Trim(hexID, "0123456789abcdef") != "" || len(hexID) > 64 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, familiar(name))
	}
	var found *Image
	for _, key := range sortedKeys(md.Images) {
		img, err := s.load(md, key, md.Images[key])
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(img.ID().Encoded(), hexID) {
			if found != nil && found.ID() != img.ID() {
				return nil, fmt.Errorf("%w: %s matches images %s and %s: give more of the ID", ErrAmbiguous, name, found.ID().Encoded()[:12], img.ID().Encoded()[:12])
			}
			if found == nil {
				found = img
			}
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, familiar(name))
	}
	return found, nil
}

// familiar is name as docker repeats it in "No such image: busybox:latest".
func familiar(name string) string {
	if ref, err := reference.Parse(name); err == nil {
		return ref.WithDefaultTag().Familiar()
	}
	return name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// namesOf are the names recorded for the manifest d.
func namesOf(md *metadata, d digest.Digest) []string {
	var out []string
	for _, k := range sortedKeys(md.Images) {
		if md.Images[k].Target.Digest == d {
			out = append(out, k)
		}
	}
	return out
}
