package images

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// unpackLayer extracts the layer blob read from src into a new snapshot on
// parent and commits it as chainID. The extractor checks the blob's digest
// and the diff ID as it goes; on any error the half-made snapshot is
// removed. made is false when another process committed the same layer
// first (then theirs is used).
func (s *Store) unpackLayer(ctx context.Context, parent string, chainID, blob, diffID digest.Digest, src io.Reader) (tarSize int64, made bool, err error) {
	var rnd [6]byte
	rand.Read(rnd[:])
	key := "extract-" + hex.EncodeToString(rnd[:]) + "-" + chainID.Encoded()[:12]
	if _, err := s.sn.Prepare(ctx, key, parent); err != nil {
		return 0, false, err
	}
	committed := false
	defer func() {
		if !committed {
			if rerr := s.sn.Remove(context.Background(), key); rerr != nil && err == nil {
				err = rerr
			}
		}
	}()
	ld, err := s.sn.LayerDir(ctx, key)
	if err != nil {
		return 0, false, err
	}
	opts := []layer.Option{layer.WithDiffID(diffID), layer.WithWhiteouts(ld.Whiteouts, whiteout.OpaqueXattr), layer.WithSync()}
	if blob != "" {
		opts = append(opts, layer.WithDigest(blob))
	}
	res, err := layer.Extract(ctx, src, ld.Path, opts...)
	if err != nil {
		return 0, false, err
	}
	err = s.sn.Commit(ctx, chainID.String(), key)
	if errors.Is(err, unionfs.ErrExists) {
		return res.TarSize, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	committed = true
	return res.TarSize, true, nil
}

// Unpack makes img's layers' snapshots that are missing, from the blobs
// in the store: after a change of storage driver, or for an image whose
// layers were removed by hand. Pull does it as it downloads.
func (s *Store) Unpack(ctx context.Context, img *Image) error {
	parent := ""
	sizes := map[digest.Digest]int64{}
	for i, c := range img.ChainIDs() {
		if info, err := s.sn.Stat(ctx, c.String()); err == nil && info.Kind == unionfs.KindCommitted {
			parent = c.String()
			continue
		}
		desc := img.Manifest.Layers[i]
		rc, _, err := s.content.Open(desc.Digest)
		if err != nil {
			return fmt.Errorf("unpack %s: %w", img.Name.Familiar(), err)
		}
		size, _, err := s.unpackLayer(ctx, parent, c, desc.Digest, img.DiffIDs()[i], rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("unpack %s: layer %s: %w", img.Name.Familiar(), desc.Digest, err)
		}
		sizes[img.DiffIDs()[i]] = size
		parent = c.String()
	}
	return s.locked(ctx, true, func(md *metadata) error {
		for d, n := range sizes {
			md.TarSizes[d] = n
		}
		return nil
	})
}

// record names img, once every blob is verified in the store and every
// layer committed; from is the repository its blobs came from (a push to
// another repository of that registry can mount them).
func (s *Store) record(ctx context.Context, img *Image, from reference.Reference, tarSizes map[digest.Digest]int64) error {
	return s.locked(ctx, true, func(md *metadata) error {
		// Checked under the lock: a failed pull beside this one removes
		// what it made, and what it made may be what this one found.
		if err := s.complete(ctx, img); err != nil {
			return fmt.Errorf("%w (pull again)", err)
		}
		if err := s.replace(ctx, md, img.Name.String(), img.Target.Digest); err != nil {
			return err
		}
		md.Images[img.Name.String()] = &record{Target: img.Target, Index: img.Index, RepoDigest: img.RepoDigest, Added: time.Now().UTC()}
		for d, n := range tarSizes {
			md.TarSizes[d] = n
		}
		img.Size = 0
		for _, d := range img.DiffIDs() {
			img.Size += md.TarSizes[d]
		}
		if from.Domain != "" {
			for _, d := range blobsOf(img) {
				addSource(md, d.Digest, from.Name())
			}
		}
		return nil
	})
}

func addSource(md *metadata, d digest.Digest, repo string) {
	if !slices.Contains(md.Sources[d], repo) {
		md.Sources[d] = append(md.Sources[d], repo)
	}
}

// blobsOf are the blobs an image is made of: its manifest, its index if
// it came from one, its config and its layers.
func blobsOf(img *Image) []ocispec.Descriptor {
	out := []ocispec.Descriptor{img.Target, img.Manifest.Config}
	if img.Index != nil {
		out = append(out, *img.Index)
	}
	return append(out, img.Manifest.Layers...)
}

// referenced are the blobs and snapshots the recorded images use.
func (s *Store) referenced(md *metadata) (map[digest.Digest]bool, map[string]bool) {
	blobs, snaps := map[digest.Digest]bool{}, map[string]bool{}
	for name, r := range md.Images {
		blobs[r.Target.Digest] = true
		if r.Index != nil {
			blobs[r.Index.Digest] = true
		}
		img, err := s.load(md, name, r)
		if err != nil {
			continue // what is unreadable cannot be kept whole anyway
		}
		for _, d := range blobsOf(img) {
			blobs[d.Digest] = true
		}
		for _, c := range img.ChainIDs() {
			snaps[c.String()] = true
		}
	}
	return blobs, snaps
}

// replace drops the name key from md before it is given to the manifest
// target, and deletes the image it named if no name is left to it: an
// image is not kept nameless (docker's dangling <none> images), its
// layers stay only if a container stands on them.
func (s *Store) replace(ctx context.Context, md *metadata, key string, target digest.Digest) error {
	old, ok := md.Images[key]
	if !ok || old.Target.Digest == target {
		return nil
	}
	img, err := s.load(md, key, old)
	delete(md.Images, key)
	if err != nil || len(namesOf(md, old.Target.Digest)) > 0 {
		return nil
	}
	_, err = s.deleteImage(ctx, md, img)
	return err
}
