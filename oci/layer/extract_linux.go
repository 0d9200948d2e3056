package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// Extract unpacks the layer blob read from r into dir, which must exist.
// The blob is decompressed (by magic number), hashed and untarred in one
// pass. With WithDigest or WithDiffID, a mismatch is ErrDigestMismatch,
// found when the stream ends: the tree is then not to be used, as after
// any error.
func Extract(ctx context.Context, r io.Reader, dir string, opts ...Option) (*Result, error) {
	o := newOptions(opts)
	for _, d := range []digest.Digest{o.digest, o.diffID} {
		if d == "" {
			continue
		}
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("extract layer: digest %q: %w", d, err)
		}
	}
	if !o.rootlessSet {
		o.rootless = os.Geteuid() != 0 || inUserNS()
	}
	if o.whiteouts == whiteout.FormOverlay && o.opaqueXattr == "" {
		o.opaqueXattr = whiteout.OpaqueXattr
	}
	rt, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	defer rt.close()
	s := newStream(ctx, r, &o)
	x := newExtractor(rt, &o)
	res := &Result{}
	err = x.run(ctx, tar.NewReader(s))
	if werr := x.pool.wait(); err == nil {
		err = werr
	}
	if err == nil {
		err = s.finish()
	} else {
		s.stop()
	}
	if err == nil {
		err = x.finishDirs()
	}
	if err == nil && o.sync {
		err = syncfs(rt.fd)
	}
	res.Compression, res.Decompressor = s.compression, s.decomp
	res.Size, res.TarSize = s.size, s.usize
	res.Entries, res.Skipped = x.entries, x.skipped
	if err != nil {
		return res, fmt.Errorf("extract layer: %w", err)
	}
	res.Digest, res.DiffID = s.blob, s.diff
	if o.digest != "" && o.digest != s.blob {
		return res, fmt.Errorf("extract layer: blob is %s, want %s: %w", s.blob, o.digest, ErrDigestMismatch)
	}
	if o.diffID != "" && o.diffID != s.diff {
		return res, fmt.Errorf("extract layer: diff ID is %s, want %s: %w", s.diff, o.diffID, ErrDigestMismatch)
	}
	return res, nil
}

// syncfs flushes the file system of the directory open (O_PATH) at fd;
// syncfs wants a real fd.
func syncfs(fd int) error {
	d, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		err = unix.Syncfs(d)
		unix.Close(d)
	}
	if err != nil {
		return fmt.Errorf("syncfs: %w", err)
	}
	return nil
}

// inUserNS reports whether this process is in a user namespace other
// than the initial one (root there cannot make device nodes), as runc's
// userns.RunningInUserNS does: the initial namespace maps all 2^32 ids.
func inUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !(len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}

type extractor struct {
	rt      *root
	o       *options
	pool    *pool
	entries int
	total   int64 // sizes claimed by headers
	skipped Skipped
	euid    int
	egid    int
	umask   uint32
	// dirs get their mode (rootless) and times last: writing into a
	// directory changes its mtime, and a read-only one would refuse.
	dirs   []dirMeta
	dirIdx map[string]int
	// written are the paths this layer made: whiteouts and opaque
	// directories hide only what lower layers made.
	written map[string]struct{}
	buf     []byte
	mapErr  error // from the id map, checked after each entry
}

type dirMeta struct {
	name         string
	mode         uint32
	atime, mtime unix.Timespec
}

func newExtractor(rt *root, o *options) *extractor {
	return &extractor{
		rt: rt, o: o,
		pool:    newPool(o.workers),
		euid:    os.Geteuid(),
		egid:    os.Getegid(),
		umask:   currentUmask(),
		dirIdx:  map[string]int{},
		written: map[string]struct{}{},
		buf:     make([]byte, chunkSize),
	}
}

func (x *extractor) run(ctx context.Context, tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := x.pool.failed(); err != nil {
			return err
		}
		x.entries++
		if x.entries > x.o.limits.Entries {
			return fmt.Errorf("more than %d entries: %w", x.o.limits.Entries, ErrLimit)
		}
		if hdr.Size < 0 || hdr.Size > x.o.limits.EntrySize {
			return fmt.Errorf("%s: size %d over the limit %d: %w", hdr.Name, hdr.Size, x.o.limits.EntrySize, ErrLimit)
		}
		x.total += hdr.Size
		if x.total > x.o.limits.Size {
			return fmt.Errorf("%s: entries' sizes add up to over %d: %w", hdr.Name, x.o.limits.Size, ErrLimit)
		}
		if err := x.entry(tr, hdr); err != nil {
			return fmt.Errorf("%s: %w", hdr.Name, err)
		}
		if x.mapErr != nil {
			return x.mapErr
		}
	}
}

func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header) error {
	name := clean(hdr.Name)
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	if name == "" {
		// The root itself ("./"): the target directory is the
		// snapshotter's, its metadata stays as made.
		return nil
	}
	parent, base := split(name)
	if strings.Contains(parent, whiteout.Prefix) {
		for _, c := range strings.Split(parent, "/") {
			if strings.HasPrefix(c, whiteout.Prefix) {
				return fmt.Errorf("whiteout name %q as a directory: %w", c, ErrInvalid)
			}
		}
	}
	kind, target, err := whiteout.Parse(base)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch kind {
	case whiteout.Remove:
		return x.remove(parent, target)
	case whiteout.OpaqueDir:
		return x.opaque(parent)
	}
	if x.o.whiteouts == whiteout.FormDelete {
		x.written[name] = struct{}{}
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		return x.file(tr, hdr, name)
	case tar.TypeDir:
		return x.dir(hdr, name)
	case tar.TypeSymlink:
		return x.symlink(hdr, name)
	case tar.TypeLink:
		return x.hardlink(hdr, name)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return x.node(hdr, name)
	}
	return fmt.Errorf("tar entry type %q: %w", hdr.Typeflag, ErrInvalid)
}

// create runs make on the entry's parent and base name; when the name is
// taken, it removes what is there (a file replacing a directory, an entry
// repeated later in the archive) and tries once more. keepDir leaves an
// existing directory in place (a directory over a directory merges).
func (x *extractor) create(name string, keepDir bool, make func(pfd int, base string) error) (int, string, error) {
	pfd, base, err := x.rt.parent(name, true)
	if err != nil {
		return -1, "", err
	}
	err = make(pfd, base)
	if !errors.Is(err, unix.EEXIST) {
		return pfd, base, err
	}
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return -1, "", fmt.Errorf("stat existing: %w", err)
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if keepDir && isDir {
		return pfd, base, errExists
	}
	if err := removeAt(pfd, base); err != nil {
		return -1, "", err
	}
	if isDir || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		// Cached directories may have been under it or reached through it.
		x.rt.forget()
		if pfd, base, err = x.rt.parent(name, true); err != nil {
			return -1, "", err
		}
	}
	return pfd, base, make(pfd, base)
}

var errExists = errors.New("exists")

func (x *extractor) file(tr *tar.Reader, hdr *tar.Header, name string) error {
	m := x.meta(hdr, name)
	var fd int
	_, _, err := x.create(name, false, func(pfd int, base string) (err error) {
		fd, err = unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, m.mode&0o777)
		return err
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	sparse := isSparse(hdr)
	if x.pool.n > 0 && hdr.Size <= maxQueued && !sparse {
		b := getBuf(int(hdr.Size))
		if _, err := io.ReadFull(tr, b); err != nil {
			putBuf(b)
			unix.Close(fd)
			return fmt.Errorf("read: %w", err)
		}
		x.pool.submit(job{name: name, fd: fd, data: b, meta: m})
		return nil
	}
	err = copyTo(fd, tr, x.buf, hdr.Size, sparse)
	if err == nil {
		err = x.finishFile(fd, &m)
	}
	unix.Close(fd)
	return err
}

// finishFile applies ownership, then mode (chown clears setuid/setgid),
// then xattrs (chown clears security.capability), then times.
func (x *extractor) finishFile(fd int, m *meta) error {
	if m.chown {
		if err := unix.Fchown(fd, m.uid, m.gid); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if m.chmod {
		if err := unix.Fchmod(fd, m.mode); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	for _, xa := range m.xattrs {
		if err := unix.Fsetxattr(fd, xa.name, xa.value, 0); err != nil {
			return fmt.Errorf("set xattr %s: %w", xa.name, err)
		}
	}
	return futimens(fd, &m.times)
}

func (x *extractor) dir(hdr *tar.Header, name string) error {
	m := x.meta(hdr, name)
	// Made owner-writable; the mode from the header is set at the end.
	pfd, base, err := x.create(name, true, func(pfd int, base string) error {
		return unix.Mkdirat(pfd, base, 0o700)
	})
	if err != nil && err != errExists {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := x.nodeMeta(pfd, base, &m, false); err != nil {
		return err
	}
	d := dirMeta{name: name, mode: m.mode, atime: m.times[0], mtime: m.times[1]}
	if i, ok := x.dirIdx[name]; ok {
		x.dirs[i] = d
	} else {
		x.dirIdx[name] = len(x.dirs)
		x.dirs = append(x.dirs, d)
	}
	return nil
}

func (x *extractor) symlink(hdr *tar.Header, name string) error {
	m := x.meta(hdr, name)
	pfd, base, err := x.create(name, false, func(pfd int, base string) error {
		return unix.Symlinkat(hdr.Linkname, pfd, base)
	})
	if err != nil {
		return fmt.Errorf("symlink: %w", err)
	}
	if err := x.nodeMeta(pfd, base, &m, true); err != nil {
		return err
	}
	return utimensat(pfd, base, &m.times)
}

// hardlink links name to the entry already extracted at Linkname, both
// resolved in root. linkat without AT_SYMLINK_FOLLOW links a symlink
// itself, never what it points to. A hard link carries no metadata of its
// own: changing it would change the target.
func (x *extractor) hardlink(hdr *tar.Header, name string) error {
	target := clean(hdr.Linkname)
	if target == "" {
		return fmt.Errorf("hard link to the root: %w", ErrInvalid)
	}
	if target == name {
		return nil
	}
	if x.o.whiteouts == whiteout.FormDelete {
		x.written[name] = struct{}{}
	}
	tdir, tbase := split(target)
	tfd, err := x.rt.dir(tdir, false)
	if err != nil {
		return fmt.Errorf("hard link to %s: %w", hdr.Linkname, err)
	}
	// Keep the target's directory open: making the link may replace
	// cached directories.
	tfd, err = unix.Openat(tfd, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("hard link to %s: %w", hdr.Linkname, err)
	}
	defer unix.Close(tfd)
	_, _, err = x.create(name, false, func(pfd int, base string) error {
		return unix.Linkat(tfd, tbase, pfd, base, 0)
	})
	if err != nil {
		return fmt.Errorf("hard link to %s: %w", hdr.Linkname, err)
	}
	return nil
}

func (x *extractor) node(hdr *tar.Header, name string) error {
	m := x.meta(hdr, name)
	mode := m.mode
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode |= unix.S_IFCHR
	case tar.TypeBlock:
		mode |= unix.S_IFBLK
	default:
		mode |= unix.S_IFIFO
	}
	if x.o.rootless && hdr.Typeflag != tar.TypeFifo {
		x.skipped.add(&x.skipped.Devices, name)
		return nil
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	pfd, base, err := x.create(name, false, func(pfd int, base string) error {
		return unix.Mknodat(pfd, base, mode, int(dev))
	})
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if err := x.nodeMeta(pfd, base, &m, false); err != nil {
		return err
	}
	return utimensat(pfd, base, &m.times)
}

// nodeMeta applies ownership, mode and xattrs to a non-regular entry,
// by name in its resolved parent, without following it.
func (x *extractor) nodeMeta(pfd int, base string, m *meta, isLink bool) error {
	if m.chown {
		if err := unix.Fchownat(pfd, base, m.uid, m.gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if !isLink && m.chmod && m.mode&unix.S_IFMT == 0 && !m.isDir {
		// The name was made by this entry (mknodat fails on an existing
		// name), so it is not a symlink to follow.
		if err := unix.Fchmodat(pfd, base, m.mode, 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if len(m.xattrs) > 0 {
		// No setxattrat before Linux 6.13: name the entry through the
		// parent's fd in /proc, which lsetxattr does not follow at the end.
		p := fmt.Sprintf("/proc/self/fd/%d/%s", pfd, base)
		for _, xa := range m.xattrs {
			if err := unix.Lsetxattr(p, xa.name, xa.value, 0); err != nil {
				return fmt.Errorf("set xattr %s: %w", xa.name, err)
			}
		}
	}
	return nil
}

// finishDirs sets the directories' modes and times, last.
func (x *extractor) finishDirs() error {
	x.rt.forget()
	for i := len(x.dirs) - 1; i >= 0; i-- {
		d := &x.dirs[i]
		pfd, base, err := x.rt.parent(d.name, false)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			continue // removed by a later entry
		}
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue // replaced by a later entry
		}
		fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("%s: open: %w", d.name, err)
		}
		err = unix.Fchmod(fd, d.mode)
		if err == nil {
			ts := [2]unix.Timespec{d.atime, d.mtime}
			err = futimens(fd, &ts)
		}
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return nil
}
