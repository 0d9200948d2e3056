package layer

import (
	"runtime"

	"github.com/opencontainers/go-digest"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// Limits bound what one layer may make the extractor do. A zero field
// takes its default.
type Limits struct {
	// Size is the most uncompressed bytes read (default 64 GiB).
	Size int64
	// EntrySize is the largest size one entry may claim (default Size).
	EntrySize int64
	// Entries is the most tar entries (default 4Mi).
	Entries int
}

// DefaultLimits are what a layer gets when no limit is set: far above
// any real image (the largest layers seen are tens of GB), far below what
// fills a disk by surprise.
var DefaultLimits = Limits{Size: 64 << 30, Entries: 4 << 20}

type options struct {
	digest, diffID digest.Digest
	whiteouts      whiteout.Form
	opaqueXattr    string
	limits         Limits
	rootless       bool
	rootlessSet    bool
	external       bool
	workers        int
	idMap          func(uid, gid int) (int, int, error)
	sync           bool
}

// Option configures Extract.
type Option func(*options)

// WithDigest checks the blob as read (compressed, as stored) against d.
func WithDigest(d digest.Digest) Option { return func(o *options) { o.digest = d } }

// WithDiffID checks the uncompressed tar stream against d.
func WithDiffID(d digest.Digest) Option { return func(o *options) { o.diffID = d } }

// WithWhiteouts picks how whiteouts are written, in the form the target's
// snapshot asks for (unionfs.LayerDir): whiteout.FormDelete (the default)
// deletes what a whiteout names, as the target holds the parent layers
// already (a copying snapshotter); whiteout.FormOverlay writes overlayfs's
// whiteouts, and xattr names the opaque-directory xattr
// (whiteout.OpaqueXattr, or whiteout.UserOpaqueXattr for an overlay
// mounted with userxattr).
func WithWhiteouts(f whiteout.Form, xattr string) Option {
	return func(o *options) { o.whiteouts, o.opaqueXattr = f, xattr }
}

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithRootless says whether the caller lacks the privileges of root in the
// initial user namespace: devices, ownership and trusted.*/security.*
// xattrs are then skipped and listed in the Result. The default is the
// effective uid not being 0, or running in a user namespace.
func WithRootless(r bool) Option { return func(o *options) { o.rootless, o.rootlessSet = r, true } }

// WithIDMap maps each entry's owner before it is applied, as Docker's
// userns-remap and a rootless runtime's subordinate ids do (container uid
// 0 becomes, say, host uid 100000). An error (an id outside the map)
// fails the extraction. Rootless without a map, ownership is skipped.
func WithIDMap(m func(uid, gid int) (int, int, error)) Option {
	return func(o *options) { o.idMap = m }
}

// WithSync makes Extract flush the target's file system (one syncfs)
// before it returns: no fsync per file, which would cost more than the
// extraction, but the layer is on disk when the snapshot is committed.
func WithSync() Option { return func(o *options) { o.sync = true } }

// WithExternalGzip allows (the default) or forbids decompressing gzip with
// an external program (igzip, unpigz, pigz) when one is on PATH; it is
// several times faster than any Go gzip reader. The blob is still hashed
// by the extractor as it is fed to the program.
func WithExternalGzip(ok bool) Option { return func(o *options) { o.external = ok } }

// WithWorkers sets how many goroutines write file contents while the tar
// stream is read (default: GOMAXPROCS, at least 2). 0 writes in line.
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

func newOptions(opts []Option) options {
	o := options{
		whiteouts: whiteout.FormDelete,
		limits:    DefaultLimits,
		external:  true,
		workers:   max(runtime.GOMAXPROCS(0), 2),
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.whiteouts != whiteout.FormOverlay {
		o.whiteouts = whiteout.FormDelete
	}
	if o.limits.Size <= 0 {
		o.limits.Size = DefaultLimits.Size
	}
	if o.limits.EntrySize <= 0 || o.limits.EntrySize > o.limits.Size {
		o.limits.EntrySize = o.limits.Size
	}
	if o.limits.Entries <= 0 {
		o.limits.Entries = DefaultLimits.Entries
	}
	return o
}
