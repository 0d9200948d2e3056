package snapshottest

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// applyLayer writes an OCI layer tar into dir, whiteouts in form: the
// suite's small extractor (the engine's, with digests and compression, is
// oci's), enough to prove a diff holds everything a layer needs.
func applyLayer(r io.Reader, dir string, form whiteout.Form) error {
	tr := tar.NewReader(r)
	type dirTime struct {
		path  string
		mtime time.Time
	}
	var dirs []dirTime
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if name == "." || name == ".." || strings.HasPrefix(name, "../") || filepath.IsAbs(name) {
			return fmt.Errorf("layer entry %q: outside the layer", h.Name)
		}
		p := filepath.Join(dir, name)
		parent := filepath.Dir(p)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return err
		}
		kind, target, err := whiteout.Parse(filepath.Base(name))
		if err != nil {
			return err
		}
		switch kind {
		case whiteout.Remove:
			if form == whiteout.FormDelete {
				err = os.RemoveAll(filepath.Join(parent, target))
			} else {
				err = withDir(parent, func(fd int) error { return whiteout.MakeOverlay(fd, target) })
			}
			if err != nil {
				return err
			}
			continue
		case whiteout.OpaqueDir:
			if form == whiteout.FormDelete {
				err = emptyDir(parent)
			} else {
				err = withDir(parent, func(fd int) error { return whiteout.SetOpaque(fd, whiteout.OpaqueXattr) })
			}
			if err != nil {
				return err
			}
			continue
		}
		var st unix.Stat_t
		if unix.Lstat(p, &st) == nil && !(h.Typeflag == tar.TypeDir && st.Mode&unix.S_IFMT == unix.S_IFDIR) {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeLink:
			if err := os.Link(filepath.Join(dir, filepath.Clean(h.Linkname)), p); err != nil {
				return err
			}
			continue // the inode's attributes came with its first path
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			mode := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[h.Typeflag]
			if err := unix.Mknod(p, mode|0o600, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor)))); err != nil {
				return err
			}
		default:
			return fmt.Errorf("layer entry %q: unsupported type %q", h.Name, h.Typeflag)
		}
		if err := unix.Lchown(p, h.Uid, h.Gid); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeSymlink {
			if err := unix.Chmod(p, uint32(h.Mode&0o7777)); err != nil {
				return err
			}
		}
		for k, v := range h.PAXRecords {
			if x, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
				if err := unix.Lsetxattr(p, x, []byte(v), 0); err != nil {
					return err
				}
			}
		}
		if h.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirTime{p, h.ModTime})
		} else if err := setMtime(p, h.ModTime); err != nil {
			return err
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setMtime(dirs[i].path, dirs[i].mtime); err != nil {
			return err
		}
	}
	return nil
}

func setMtime(p string, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}

func withDir(dir string, fn func(fd int) error) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return fn(fd)
}

func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
