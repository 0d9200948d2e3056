package images

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// PushResult is what a push did.
type PushResult struct {
	Ref      reference.Reference // where it went
	Manifest ocispec.Descriptor  // the manifest put under the tag
}

// Push sends the image named ref (a tag of the store; "latest" if none)
// to the registry ref names: each blob the repository lacks is mounted
// from a repository of the same registry known to hold it, or uploaded;
// then the manifest is put under the tag. The manifest's bytes are the
// ones pulled, so the digest is the same in both registries.
func (s *Store) Push(ctx context.Context, ref reference.Reference, opts ...RemoteOption) (*PushResult, error) {
	o := newRemoteOptions(opts, 5)
	ref = ref.WithDefaultTag()
	if ref.Tag == "" {
		return nil, fmt.Errorf("push %s: push a tag (tag the image first: minidocker tag %s %s:TAG)", ref.Familiar(), ref.Familiar(), ref.Repository().Familiar())
	}
	img, err := s.Get(ctx, ref.String())
	if err != nil {
		return nil, err
	}
	if err := s.complete(ctx, img); err != nil {
		return nil, err
	}
	var sources map[string][]string
	s.locked(ctx, false, func(md *metadata) error {
		sources = map[string][]string{}
		for _, d := range blobsOf(img) {
			sources[d.Digest.String()] = md.Sources[d.Digest]
		}
		return nil
	})
	repo := o.client.Repository(ref)
	for _, l := range img.Manifest.Layers {
		o.progress(Progress{ID: shortID(l.Digest), Status: StatusPreparing})
	}
	// The layers, o.concurrency at a time; the config after them (docker
	// shows no line for it).
	var wg sync.WaitGroup
	errs := make([]error, len(img.Manifest.Layers))
	slots := make(chan struct{}, o.concurrency)
	for i, l := range img.Manifest.Layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = s.pushBlob(ctx, repo, l, sources[l.Digest.String()], o.progress, true)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := s.pushBlob(ctx, repo, img.Manifest.Config, sources[img.Manifest.Config.Digest.String()], o.progress, false); err != nil {
		return nil, err
	}
	b, err := s.content.ReadAll(img.Target.Digest, image.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	desc, err := repo.PutManifest(ctx, ref.Tag, img.Target.MediaType, b)
	if err != nil {
		return nil, err
	}
	// The repository holds the blobs now: a later push beside it mounts them.
	err = s.locked(ctx, true, func(md *metadata) error {
		if r := md.Images[ref.String()]; r != nil && r.Target.Digest == img.Target.Digest {
			r.RepoDigest = desc.Digest
		}
		for _, d := range append([]ocispec.Descriptor{img.Target, img.Manifest.Config}, img.Manifest.Layers...) {
			addSource(md, d.Digest, repo.Reference().Name())
		}
		return nil
	})
	return &PushResult{Ref: ref, Manifest: desc}, err
}

// pushBlob makes the repository hold the blob d: already there (HEAD),
// mounted from a repository of the same registry, or uploaded from the
// content store (whose reader checks the digest as it is read).
func (s *Store) pushBlob(ctx context.Context, repo *registry.Repository, d ocispec.Descriptor, sources []string, progress ProgressFunc, show bool) error {
	id := shortID(d.Digest)
	report := func(p Progress) {
		if show {
			p.ID = id
			progress(p)
		}
	}
	ok, _, err := repo.BlobExists(ctx, d.Digest, true)
	if err != nil {
		return err
	}
	if ok {
		report(Progress{Status: StatusLayerExists})
		return nil
	}
	var up *registry.Upload
	for _, src := range sources {
		host, path, _ := strings.Cut(src, "/")
		if host != repo.Reference().Domain || path == repo.Name() {
			continue
		}
		mounted, u, err := repo.Mount(ctx, d.Digest, path)
		if err != nil {
			return err
		}
		if mounted {
			report(Progress{Status: StatusMounted + path})
			return nil
		}
		up = u
		break
	}
	open := func() (io.ReadCloser, error) {
		rc, _, err := s.content.Open(d.Digest)
		return rc, err
	}
	err = repo.PushBlob(ctx, d, open, up, func(n int64) {
		report(Progress{Status: StatusPushing, Current: n, Total: d.Size})
	})
	if err != nil {
		return err
	}
	report(Progress{Status: StatusPushed})
	return nil
}
