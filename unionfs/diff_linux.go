package unionfs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// change is one entry of a layer: a file to add (path on disk), or a
// whiteout or opaque marker (named in the OCI form, with a time).
type change struct {
	name  string // in the layer, relative, slash-separated
	path  string // for an add: the file to read
	mark  bool   // a whiteout or opaque marker: an empty file
	mtime time.Time
}

// changes produces a layer's entries in order, through emit.
type changes func(emit func(change) error) error

// upperChanges are the changes in an overlay's upper dir: everything in it
// is new or changed, a 0/0 device is a deleted path (.wh.NAME), a dir with
// the opaque xattr hides all below it (.wh..wh..opq right after the dir,
// before its own entries).
func upperChanges(upper string) changes {
	return func(emit func(change) error) error {
		return filepath.WalkDir(upper, func(p string, d os.DirEntry, err error) error {
			if err != nil || p == upper {
				return err
			}
			rel := filepath.ToSlash(p[len(upper)+1:])
			var st unix.Stat_t
			if err := unix.Lstat(p, &st); err != nil {
				return err
			}
			if whiteout.IsOverlay(&st) {
				return emit(marker(path.Join(path.Dir(rel), whiteout.Name(path.Base(rel))), filepath.Dir(p)))
			}
			if err := emit(change{name: rel, path: p}); err != nil {
				return err
			}
			if d.IsDir() && isOverlayOpaque(p) {
				return emit(marker(rel+"/"+whiteout.Opaque, p))
			}
			return nil
		})
	}
}

// isOverlayOpaque reads trusted.overlay.opaque: the form of the overlays
// this package mounts (root, not userxattr).
func isOverlayOpaque(dir string) bool {
	buf := make([]byte, 1)
	n, err := unix.Lgetxattr(dir, whiteout.OpaqueXattr, buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// marker is a whiteout or opaque entry, timed as the directory it is in.
func marker(name, dir string) change {
	c := change{name: name, mark: true}
	var st unix.Stat_t
	if unix.Lstat(dir, &st) == nil {
		c.mtime = time.Unix(st.Mtim.Unix()).UTC()
	}
	return c
}

// treeChanges compares two full trees (vfs: a snapshot and its parent, ""
// for none), both walked in name order: what is only in new or differs is
// added, what is only in old gets a whiteout.
func treeChanges(old, new string) changes {
	return func(emit func(change) error) error { return compareDir(old, new, ".", emit) }
}

func compareDir(old, new, rel string, emit func(change) error) error {
	newNames, err := names(filepath.Join(new, rel))
	if err != nil {
		return err
	}
	var oldNames []string
	if old != "" {
		if oldNames, err = names(filepath.Join(old, rel)); err != nil {
			return err
		}
	}
	all := append(slices.Clone(newNames), oldNames...)
	slices.Sort(all)
	for _, name := range slices.Compact(all) {
		r := path.Join(rel, name)
		np, op := filepath.Join(new, r), filepath.Join(old, r)
		inNew, inOld := slices.Contains(newNames, name), slices.Contains(oldNames, name)
		if !inNew {
			if err := emit(marker(path.Join(rel, whiteout.Name(name)), filepath.Join(new, rel))); err != nil {
				return err
			}
			continue
		}
		var nst, ost unix.Stat_t
		if err := unix.Lstat(np, &nst); err != nil {
			return err
		}
		isDir := nst.Mode&unix.S_IFMT == unix.S_IFDIR
		if inOld {
			if err := unix.Lstat(op, &ost); err != nil {
				return err
			}
		}
		sameType := inOld && ost.Mode&unix.S_IFMT == nst.Mode&unix.S_IFMT
		changed := !sameType
		if sameType {
			if changed, err = differs(op, np, &ost, &nst); err != nil {
				return err
			}
		}
		if changed {
			if err := emit(change{name: r, path: np}); err != nil {
				return err
			}
		}
		if isDir {
			o := old
			if !sameType {
				o = "" // nothing below it in the parent
			}
			// An unchanged dir still goes before a change below it, as in
			// an overlay's upper dir: the extractor then restores its time.
			sub := emit
			if !changed {
				pending := true
				sub = func(c change) error {
					if pending {
						pending = false
						if err := emit(change{name: r, path: np}); err != nil {
							return err
						}
					}
					return emit(c)
				}
			}
			if err := compareDir(o, new, r, sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// names lists a directory's entries in name order; a missing dir is empty.
func names(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = e.Name()
	}
	return out, err
}

// differs reports whether a path of the same type changed between the
// trees: metadata, link count (a new hardlink to it), link target,
// xattrs, or content when all else is equal (a write that kept the size
// and set the time back).
func differs(op, np string, o, n *unix.Stat_t) (bool, error) {
	if o.Mode != n.Mode || o.Uid != n.Uid || o.Gid != n.Gid || o.Mtim != n.Mtim || o.Rdev != n.Rdev {
		return true, nil
	}
	typ := n.Mode & unix.S_IFMT
	if typ != unix.S_IFDIR && (o.Size != n.Size || o.Nlink != n.Nlink) {
		return true, nil
	}
	ox, err := readXattrs(op)
	if err != nil {
		return false, err
	}
	nx, err := readXattrs(np)
	if err != nil {
		return false, err
	}
	if len(ox) != len(nx) {
		return true, nil
	}
	for k, v := range ox {
		if w, ok := nx[k]; !ok || !bytes.Equal(v, w) {
			return true, nil
		}
	}
	switch typ {
	case unix.S_IFLNK:
		ol, err1 := os.Readlink(op)
		nl, err2 := os.Readlink(np)
		return ol != nl, errors.Join(err1, err2)
	case unix.S_IFREG:
		return contentDiffers(op, np)
	}
	return false, nil
}

func contentDiffers(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return true, nil
		}
		if ea == io.EOF || ea == io.ErrUnexpectedEOF {
			return false, nil
		}
		if ea != nil || eb != nil {
			return false, errors.Join(ea, eb)
		}
	}
}

// writeLayer writes the changes as an OCI layer tar: PAX headers (times to
// the nanosecond, xattrs as SCHILY.xattr.*), numeric owners only, and a
// second path of an inode as a hardlink entry to the first.
func writeLayer(ctx context.Context, w io.Writer, chs changes) error {
	tw := tar.NewWriter(w)
	links := map[[2]uint64]string{}
	err := chs(func(c change) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.mark {
			return tw.WriteHeader(&tar.Header{Name: c.name, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: c.mtime, Format: tar.FormatPAX})
		}
		return writeEntry(tw, c, links)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func writeEntry(tw *tar.Writer, c change, links map[[2]uint64]string) error {
	var st unix.Stat_t
	if err := unix.Lstat(c.path, &st); err != nil {
		return err
	}
	h := &tar.Header{
		Name:    c.name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()).UTC(),
		Format:  tar.FormatPAX,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		h.Typeflag, h.Name = tar.TypeDir, c.name+"/"
	case unix.S_IFREG:
		h.Typeflag, h.Size = tar.TypeReg, st.Size
		if st.Nlink > 1 {
			id := [2]uint64{st.Dev, st.Ino}
			if first, ok := links[id]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			} else {
				links[id] = c.name
			}
		}
	case unix.S_IFLNK:
		link, err := os.Readlink(c.path)
		if err != nil {
			return err
		}
		h.Typeflag, h.Linkname = tar.TypeSymlink, link
	case unix.S_IFCHR, unix.S_IFBLK:
		h.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			h.Typeflag = tar.TypeBlock
		}
		h.Devmajor, h.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	case unix.S_IFIFO:
		h.Typeflag = tar.TypeFifo
	default:
		return nil // sockets have no tar form; docker leaves them out too
	}
	xattrs, err := readXattrs(c.path)
	if err != nil {
		return err
	}
	for k, v := range xattrs {
		if h.PAXRecords == nil {
			h.PAXRecords = map[string]string{}
		}
		h.PAXRecords["SCHILY.xattr."+k] = string(v)
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write %s: %w", c.name, err)
	}
	if h.Typeflag != tar.TypeReg || h.Size == 0 {
		return nil
	}
	f, err := os.Open(c.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(tw, f, h.Size); err != nil {
		return fmt.Errorf("write %s: %w", c.name, err)
	}
	return nil
}
