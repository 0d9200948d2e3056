package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/unionfs"
)

// RemoteOption configures Pull and Push.
type RemoteOption func(*remoteOptions)

type remoteOptions struct {
	client      *registry.Client
	platform    registry.Platform
	progress    ProgressFunc
	concurrency int
}

// WithClient is the registry client (default: registry.New(), anonymous).
func WithClient(c *registry.Client) RemoteOption { return func(o *remoteOptions) { o.client = c } }

// WithPlatform picks an index's manifest (default: registry.HostPlatform()).
func WithPlatform(p registry.Platform) RemoteOption { return func(o *remoteOptions) { o.platform = p } }

// WithProgress receives per-layer events.
func WithProgress(f ProgressFunc) RemoteOption { return func(o *remoteOptions) { o.progress = f } }

// WithConcurrency bounds the layers moved at once (default 3 for a pull,
// docker's max-concurrent-downloads; 5 for a push, its uploads).
func WithConcurrency(n int) RemoteOption { return func(o *remoteOptions) { o.concurrency = n } }

func newRemoteOptions(opts []RemoteOption, concurrency int) remoteOptions {
	o := remoteOptions{platform: registry.HostPlatform(), progress: func(Progress) {}, concurrency: concurrency}
	for _, opt := range opts {
		opt(&o)
	}
	if o.client == nil {
		o.client = registry.New()
	}
	o.concurrency = max(o.concurrency, 1)
	return o
}

// PullResult is what a pull did.
type PullResult struct {
	Image *Image
	// Updated is docker's "Downloaded newer image" (the name is new or
	// points elsewhere now); false is "Image is up to date".
	Updated bool
}

// Pull fetches ref (a tag, "latest" if none, or a digest) from its
// registry into the store and names it ref.
func (s *Store) Pull(ctx context.Context, ref reference.Reference, opts ...RemoteOption) (*PullResult, error) {
	o := newRemoteOptions(opts, 3)
	ref = ref.WithDefaultTag()
	name := ref
	if ref.Digest != "" {
		name = ref.WithDigest(ref.Digest) // docker drops the tag of name:tag@digest
	}
	repo := o.client.Repository(ref)
	if ref.Digest == "" {
		// Ask for the digest first: a pull of what is here moves nothing.
		if head, err := repo.HeadManifest(ctx, ref.Tag); err == nil && head.Digest != "" {
			if img, ok := s.upToDate(ctx, name, head.Digest, o.platform); ok {
				return &PullResult{Image: img}, nil
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &puller{s: s, o: o, repo: repo, cancel: cancel}
	img, err := p.pull(ctx, name)
	if err != nil {
		cancel()
		p.wg.Wait()
		if cerr := p.cleanup(); cerr != nil {
			err = fmt.Errorf("%w (and cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	return &PullResult{Image: img, Updated: true}, nil
}

// upToDate reports whether name is recorded as the manifest d, or as
// the manifest the index d has for platform, with all of it in the store.
func (s *Store) upToDate(ctx context.Context, name reference.Reference, d digest.Digest, platform registry.Platform) (*Image, bool) {
	var img *Image
	s.locked(ctx, false, func(md *metadata) error {
		r, ok := md.Images[name.String()]
		switch {
		case !ok:
			return nil
		case r.Index != nil && r.Index.Digest == d:
			b, err := s.content.ReadAll(d, image.MaxDocumentSize)
			if err != nil {
				return nil
			}
			x, err := image.ParseIndex(r.Index.MediaType, b)
			if err != nil {
				return nil
			}
			if child, err := registry.SelectManifest(x, platform); err != nil || child.Digest != r.Target.Digest {
				return nil
			}
		case r.Target.Digest != d:
			return nil
		}
		loaded, err := s.load(md, name.String(), r)
		if err == nil && s.complete(ctx, loaded) == nil {
			img = loaded
		}
		return nil
	})
	return img, img != nil
}

// complete checks that every blob and every layer of img is here.
func (s *Store) complete(ctx context.Context, img *Image) error {
	for _, d := range append([]ocispec.Descriptor{img.Target, img.Manifest.Config}, img.Manifest.Layers...) {
		if !s.content.Has(d.Digest) {
			return fmt.Errorf("%w: %s: blob %s is missing", ErrIncomplete, img.Name.Familiar(), d.Digest)
		}
	}
	for _, c := range img.ChainIDs() {
		if info, err := s.sn.Stat(ctx, c.String()); err != nil || info.Kind != unionfs.KindCommitted {
			return fmt.Errorf("%w: %s: layer %s is not unpacked", ErrIncomplete, img.Name.Familiar(), c)
		}
	}
	return nil
}

// puller is one pull: what it fetched and made, to undo on a failure.
type puller struct {
	s      *Store
	o      remoteOptions
	repo   *registry.Repository
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	blobs     []digest.Digest // committed by this pull
	snapshots []string        // committed by this pull, bottom first
	tarSizes  map[digest.Digest]int64
	firstErr  error
}

// fail records the first download that failed, and stops the pull.
func (p *puller) fail(err error) {
	p.mu.Lock()
	if p.firstErr == nil {
		p.firstErr = err
	}
	p.mu.Unlock()
	p.cancel()
}

func (p *puller) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstErr
}

func (p *puller) madeBlob(d digest.Digest) {
	p.mu.Lock()
	p.blobs = append(p.blobs, d)
	p.mu.Unlock()
}

// fetchManifest gets a manifest or index and keeps it in the store.
func (p *puller) fetchManifest(ctx context.Context, ident string) (ocispec.Descriptor, []byte, error) {
	desc, b, err := p.repo.Manifest(ctx, ident)
	if err != nil {
		return desc, nil, err
	}
	if !p.s.content.Has(desc.Digest) {
		if err := p.s.content.Write(desc.Digest, desc.Size, bytesReader(b)); err != nil {
			return desc, nil, err
		}
		p.madeBlob(desc.Digest)
	}
	return desc, b, nil
}

func (p *puller) pull(ctx context.Context, name reference.Reference) (*Image, error) {
	ident := name.Identifier()
	desc, b, err := p.fetchManifest(ctx, ident)
	if err != nil {
		return nil, err
	}
	var index *ocispec.Descriptor
	if image.IsIndex(desc.MediaType) {
		x, err := image.ParseIndex(desc.MediaType, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name.Familiar(), err)
		}
		child, err := registry.SelectManifest(x, p.o.platform)
		if err != nil {
			return nil, err
		}
		idx := desc
		index = &idx
		if desc, b, err = p.fetchManifest(ctx, child.Digest.String()); err != nil {
			return nil, err
		}
		if !image.IsManifest(desc.MediaType) {
			return nil, fmt.Errorf("%s: the index's entry for %s is a %s, not an image manifest: %w", name.Familiar(), p.o.platform, desc.MediaType, ErrInvalid)
		}
	}
	m, err := image.ParseManifest(desc.MediaType, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name.Familiar(), err)
	}
	if !image.IsConfig(m.Config.MediaType) {
		return nil, fmt.Errorf("%s: config of type %s: not an image (an artifact?): %w", name.Familiar(), m.Config.MediaType, ErrInvalid)
	}
	if err := p.fetchBlob(ctx, m.Config); err != nil {
		return nil, err
	}
	cb, err := p.s.content.ReadAll(m.Config.Digest, image.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	cfg, err := image.ParseConfig(cb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name.Familiar(), err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("%s: the manifest has %d layers, the config %d diff IDs: %w", name.Familiar(), len(m.Layers), len(cfg.RootFS.DiffIDs), ErrInvalid)
	}
	for _, l := range m.Layers {
		if !image.IsLayer(l.MediaType) {
			return nil, fmt.Errorf("%s: layer %s of type %s: %w", name.Familiar(), l.Digest, l.MediaType, ErrInvalid)
		}
		if len(l.URLs) > 0 {
			return nil, fmt.Errorf("%s: layer %s is a foreign layer (served from %s): not supported", name.Familiar(), l.Digest, l.URLs[0])
		}
	}
	if err := p.layers(ctx, m.Layers, cfg.RootFS.DiffIDs); err != nil {
		return nil, err
	}
	img := &Image{Name: name, Target: desc, Index: index, Manifest: m, Config: cfg, RepoDigest: desc.Digest}
	if index != nil {
		img.RepoDigest = index.Digest
	}
	if err := p.s.record(ctx, img, p.repo.Reference(), p.tarSizes); err != nil {
		return nil, err
	}
	return img, nil
}

// fetchBlob downloads a small blob (a config) into the store, unless it
// is there.
func (p *puller) fetchBlob(ctx context.Context, desc ocispec.Descriptor) error {
	if p.s.content.Has(desc.Digest) {
		return nil
	}
	rc, err := p.repo.Blob(ctx, desc)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := p.s.content.Write(desc.Digest, desc.Size, rc); err != nil {
		return err
	}
	p.madeBlob(desc.Digest)
	return nil
}

// layerJob is one layer of a pull.
type layerJob struct {
	desc             ocispec.Descriptor
	diffID, chainID  digest.Digest
	id               string
	download, unpack bool
	spool            *spool
	downloaded       chan struct{}
}

// layers brings every layer into the store: the downloads run at once,
// o.concurrency at a time; the extractions run bottom up (a snapshot is
// prepared on its committed parent), each following its download.
func (p *puller) layers(ctx context.Context, descs []ocispec.Descriptor, diffIDs []digest.Digest) error {
	chain := ChainIDs(diffIDs)
	p.tarSizes = map[digest.Digest]int64{}
	jobs := make([]*layerJob, len(descs))
	for i, d := range descs {
		j := &layerJob{desc: d, diffID: diffIDs[i], chainID: chain[i], id: shortID(d.Digest), downloaded: make(chan struct{})}
		j.download = !p.s.content.Has(d.Digest)
		info, err := p.s.sn.Stat(ctx, chain[i].String())
		j.unpack = err != nil || info.Kind != unionfs.KindCommitted
		if j.download || j.unpack {
			p.o.progress(Progress{ID: j.id, Status: StatusPullingLayer})
		} else {
			p.o.progress(Progress{ID: j.id, Status: StatusAlreadyExists})
		}
		jobs[i] = j
	}
	slots := make(chan struct{}, p.o.concurrency)
	for _, j := range jobs {
		if !j.download {
			close(j.downloaded)
			continue
		}
		j.spool = newSpool()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer close(j.downloaded)
			select {
			case slots <- struct{}{}:
			default:
				p.o.progress(Progress{ID: j.id, Status: StatusWaiting})
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					j.spool.finish(ctx.Err())
					return
				}
			}
			defer func() { <-slots }()
			err := p.download(ctx, j)
			if err != nil && ctx.Err() == nil {
				p.fail(err) // stop the rest: the pull cannot succeed
			}
			j.spool.finish(err)
		}()
	}
	parent := ""
	for _, j := range jobs {
		err := p.unpackJob(ctx, j, parent)
		if j.spool != nil {
			if err != nil {
				p.cancel() // no use finishing the download
			}
			<-j.downloaded
			if j.spool.err != nil && !errors.Is(j.spool.err, context.Canceled) {
				err = j.spool.err // the download's failure is the story
			}
			j.spool.close()
		}
		if err != nil {
			if first := p.failed(); first != nil {
				return first
			}
			return err
		}
		if j.download || j.unpack {
			p.o.progress(Progress{ID: j.id, Status: StatusPullComplete})
		}
		parent = j.chainID.String()
	}
	return nil
}

// download streams the layer from the registry into the content store,
// verified by the registry client as it comes and by the store at commit.
func (p *puller) download(ctx context.Context, j *layerJob) error {
	w, err := p.s.content.Writer(j.desc.Digest, j.desc.Size)
	if err != nil {
		return err
	}
	defer w.Close()
	f, err := os.Open(w.Path())
	if err != nil {
		return fmt.Errorf("follow the download of %s: %w", j.desc.Digest, err)
	}
	j.spool.start(f)
	rc, err := p.repo.Blob(ctx, j.desc)
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := make([]byte, 256<<10)
	var got int64
	last := time.Time{}
	for {
		n, rerr := rc.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			j.spool.wrote(int64(n))
			got += int64(n)
			if now := time.Now(); now.Sub(last) > 100*time.Millisecond || got == j.desc.Size {
				last = now
				p.o.progress(Progress{ID: j.id, Status: StatusDownloading, Current: got, Total: j.desc.Size})
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	p.o.progress(Progress{ID: j.id, Status: StatusVerifying})
	if err := w.Commit(); err != nil {
		return err
	}
	p.madeBlob(j.desc.Digest)
	p.o.progress(Progress{ID: j.id, Status: StatusDownloaded})
	return nil
}

// unpackJob extracts the layer into its snapshot, if it needs one, from
// its download as it grows or from the store.
func (p *puller) unpackJob(ctx context.Context, j *layerJob, parent string) error {
	if !j.unpack {
		return nil
	}
	var src io.Reader
	if j.spool != nil {
		src = j.spool.reader(ctx)
	} else {
		rc, _, err := p.s.content.Open(j.desc.Digest)
		if err != nil {
			return err
		}
		defer rc.Close()
		src = rc
	}
	src = &extractProgress{r: src, j: j, report: p.o.progress}
	size, made, err := p.s.unpackLayer(ctx, parent, j.chainID, j.desc.Digest, j.diffID, src)
	if err != nil {
		return fmt.Errorf("layer %s: %w", j.desc.Digest, err)
	}
	p.mu.Lock()
	p.tarSizes[j.diffID] = size
	if made {
		p.snapshots = append(p.snapshots, j.chainID.String())
	}
	p.mu.Unlock()
	return nil
}

// extractProgress reports the extraction's progress once the download is
// done (while it runs, the download's line is the one that moves).
type extractProgress struct {
	r      io.Reader
	j      *layerJob
	n      int64
	last   time.Time
	report ProgressFunc
}

func (e *extractProgress) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	downloaded := true
	if e.j.spool != nil {
		select {
		case <-e.j.downloaded:
		default:
			downloaded = false
		}
	}
	if now := time.Now(); downloaded && n > 0 && (now.Sub(e.last) > 100*time.Millisecond || e.n == e.j.desc.Size) {
		e.last = now
		e.report(Progress{ID: e.j.id, Status: StatusExtracting, Current: e.n, Total: e.j.desc.Size})
	}
	return n, err
}

// cleanup undoes a failed pull: the snapshots and blobs it made go,
// unless an image recorded meanwhile (another process's pull) uses them.
// No ingest file is left: each content.Writer removed its own.
func (p *puller) cleanup() error {
	ctx := context.Background()
	return p.s.locked(ctx, true, func(md *metadata) error {
		keepBlobs, keepSnaps := p.s.referenced(md)
		var errs []error
		for i := len(p.snapshots) - 1; i >= 0; i-- {
			if sn := p.snapshots[i]; !keepSnaps[sn] {
				if err := p.s.sn.Remove(ctx, sn); err != nil && !errors.Is(err, unionfs.ErrNotFound) && !errors.Is(err, unionfs.ErrInUse) {
					errs = append(errs, err)
				}
			}
		}
		for _, d := range p.blobs {
			if !keepBlobs[d] {
				if err := p.s.content.Delete(d); err != nil && !errors.Is(err, content.ErrNotFound) {
					errs = append(errs, err)
				}
			}
		}
		return errors.Join(errs...)
	})
}
