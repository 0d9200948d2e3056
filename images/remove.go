package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/unionfs"
)

// Tag names the image src (a name or an ID) dst too, replacing what dst
// named before.
func (s *Store) Tag(ctx context.Context, src string, dst reference.Reference) error {
	if dst.Digest != "" {
		return fmt.Errorf("refusing to create a tag with a digest reference: %s", dst.Familiar())
	}
	dst = dst.WithDefaultTag()
	return s.locked(ctx, true, func(md *metadata) error {
		img, err := s.find(md, src)
		if err != nil {
			return err
		}
		r := &record{Target: img.Target, Index: img.Index, Added: time.Now().UTC()}
		if old := md.Images[img.Name.String()]; old != nil && dst.Name() == img.Name.Name() {
			r.RepoDigest = old.RepoDigest // the registry's digest is the repository's
		}
		if err := s.replace(ctx, md, dst.String(), img.Target.Digest); err != nil {
			return err
		}
		md.Images[dst.String()] = r
		return nil
	})
}

// RemoveOptions are rmi's.
type RemoveOptions struct {
	// Force removes an image named in several repositories by its ID, and
	// untags one a container uses (whose layers then stay).
	Force bool
	// InUse, set by the engine, names a container that uses the image,
	// or returns "".
	InUse func(*Image) string
}

// Removed is what Remove did, as docker rmi prints it: the names
// untagged, then the image and the layers deleted.
type Removed struct {
	Untagged []string
	Deleted  []digest.Digest
}

// Remove untags the image name (or every name of an image given by ID),
// and deletes it when no name is left: its blobs and its layers' snapshots
// that no other image uses. A layer a container's snapshot stands on
// stays.
func (s *Store) Remove(ctx context.Context, name string, o RemoveOptions) (*Removed, error) {
	out := &Removed{}
	err := s.locked(ctx, true, func(md *metadata) error {
		img, err := s.find(md, name)
		if err != nil {
			return err
		}
		var keys []string
		if _, ok := md.Images[img.Name.String()]; ok && !isID(name, img) {
			keys = []string{img.Name.String()}
		} else {
			repos := map[string]bool{}
			for _, k := range sortedKeys(md.Images) {
				if md.Images[k].Target.Digest == img.Target.Digest {
					keys = append(keys, k)
					ref, _ := reference.ParseCanonical(k)
					repos[ref.Name()] = true
				}
			}
			if len(repos) > 1 && !o.Force {
				return fmt.Errorf("%w: unable to delete %s (must be forced) - image is referenced in multiple repositories", ErrConflict, img.ID().Encoded()[:12])
			}
		}
		last := len(namesOf(md, img.Target.Digest)) == len(keys)
		inUse := ""
		if o.InUse != nil && last {
			inUse = o.InUse(img)
		}
		if inUse != "" && !o.Force {
			return fmt.Errorf("%w: unable to remove repository reference %q (must force) - container %s is using its referenced image %s",
				ErrConflict, familiar(name), inUse, img.ID().Encoded()[:12])
		}
		digests := map[string]digest.Digest{}
		for _, k := range keys {
			r := md.Images[k]
			delete(md.Images, k)
			ref, _ := reference.ParseCanonical(k)
			out.Untagged = append(out.Untagged, ref.Familiar())
			if r.RepoDigest != "" {
				digests[ref.Name()] = r.RepoDigest
			}
		}
		// A repository's digest goes with its last name there.
		for _, repo := range sortedKeys(digests) {
			ref, _ := reference.ParseCanonical(repo)
			rd := ref.WithDigest(digests[repo]).Familiar()
			if !repoKeeps(md, repo, img.Target.Digest) && !slices.Contains(out.Untagged, rd) {
				out.Untagged = append(out.Untagged, rd)
			}
		}
		if !last || inUse != "" {
			return nil
		}
		deleted, err := s.deleteImage(ctx, md, img)
		out.Deleted = deleted
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// isID reports whether name found img by its ID rather than by a name.
func isID(name string, img *Image) bool {
	ref, err := reference.Parse(name)
	return err != nil || ref.WithDefaultTag().String() != img.Name.String() && ref.Digest == ""
}

// repoKeeps reports whether repo still names the manifest d.
func repoKeeps(md *metadata, repo string, d digest.Digest) bool {
	for k, r := range md.Images {
		if ref, _ := reference.ParseCanonical(k); ref.Name() == repo && r.Target.Digest == d {
			return true
		}
	}
	return false
}

// deleteImage removes img's blobs and snapshots that no recorded image
// uses (md no longer names img), top layer first.
func (s *Store) deleteImage(ctx context.Context, md *metadata, img *Image) ([]digest.Digest, error) {
	blobs, snaps := s.referenced(md)
	deleted := []digest.Digest{img.ID()}
	var errs []error
	chain := img.ChainIDs()
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i].String()
		if snaps[c] {
			break // the rest of the stack is another image's too
		}
		err := s.sn.Remove(ctx, c)
		if errors.Is(err, unionfs.ErrInUse) {
			break // a container stands on it: it stays, with what is under it
		}
		if err != nil && !errors.Is(err, unionfs.ErrNotFound) {
			errs = append(errs, err)
			break
		}
		if err == nil {
			deleted = append(deleted, chain[i])
		}
	}
	for _, d := range blobsOf(img) {
		if !blobs[d.Digest] {
			if err := s.content.Delete(d.Digest); err != nil && !errors.Is(err, content.ErrNotFound) {
				errs = append(errs, err)
			}
			delete(md.Sources, d.Digest)
		}
	}
	return deleted, errors.Join(errs...)
}
