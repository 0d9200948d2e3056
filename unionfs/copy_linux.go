package unionfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// copyTree copies the tree src into dst with everything a layer carries:
// owners, modes, times, xattrs, devices, symlinks, hardlinks (kept as
// links). With layered, src is a layer in overlay's form applied onto what
// dst holds: a 0/0 device deletes its path, an opaque directory is emptied
// first, and what src has replaces what dst had.
func copyTree(ctx context.Context, src, dst string, layered bool) error {
	links := map[[2]uint64]string{} // src inode -> dst path, for hardlinks
	type dirTime struct {
		path string
		st   unix.Stat_t
	}
	var dirs []dirTime
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
		if layered && whiteout.IsOverlay(&st) {
			if err := os.RemoveAll(target); err != nil {
				return fmt.Errorf("apply whiteout %s: %w", target, err)
			}
			return nil
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := copyDir(p, target, &st, layered && rel != "."); err != nil {
				return err
			}
			dirs = append(dirs, dirTime{target, st})
			return nil
		}
		if layered {
			if err := os.RemoveAll(target); err != nil {
				return fmt.Errorf("replace %s: %w", target, err)
			}
		}
		if st.Nlink > 1 {
			id := [2]uint64{st.Dev, st.Ino}
			if first, ok := links[id]; ok {
				if err := os.Link(first, target); err != nil {
					return fmt.Errorf("copy hardlink %s: %w", p, err)
				}
				return nil
			}
			links[id] = target
		}
		return copyNode(p, target, &st)
	})
	if err != nil {
		return err
	}
	// Directory times last, deepest first: creating entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setTimes(dirs[i].path, &dirs[i].st); err != nil {
			return err
		}
	}
	return nil
}

// copyDir makes dst a directory like src. Applying a layer, an existing
// non-directory is replaced, and an opaque src empties dst first.
func copyDir(src, dst string, st *unix.Stat_t, layered bool) error {
	var cur unix.Stat_t
	exists := unix.Lstat(dst, &cur) == nil
	if exists && cur.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := os.Remove(dst); err != nil {
			return fmt.Errorf("replace %s: %w", dst, err)
		}
		exists = false
	}
	if exists && layered && isOpaque(src) {
		ents, err := os.ReadDir(dst)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := os.RemoveAll(filepath.Join(dst, e.Name())); err != nil {
				return fmt.Errorf("empty opaque dir %s: %w", dst, err)
			}
		}
	}
	if !exists {
		if err := unix.Mkdir(dst, 0o700); err != nil {
			return fmt.Errorf("copy dir %s: %w", src, err)
		}
	}
	return setAttrs(src, dst, st)
}

// isOpaque reports whether dir is marked opaque (in either xattr form).
func isOpaque(dir string) bool {
	for _, x := range []string{whiteout.OpaqueXattr, whiteout.UserOpaqueXattr} {
		buf := make([]byte, 1)
		if n, err := unix.Lgetxattr(dir, x, buf); err == nil && n == 1 && buf[0] == 'y' {
			return true
		}
	}
	return false
}

// copyNode copies a file, symlink, device, fifo or socket.
func copyNode(src, dst string, st *unix.Stat_t) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if err := copyFile(src, dst); err != nil {
			return err
		}
	case unix.S_IFLNK:
		link, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(link, dst); err != nil {
			return fmt.Errorf("copy symlink %s: %w", src, err)
		}
	default:
		if err := unix.Mknod(dst, st.Mode, int(st.Rdev)); err != nil {
			return fmt.Errorf("copy node %s: %w", src, err)
		}
	}
	if err := setAttrs(src, dst, st); err != nil {
		return err
	}
	return setTimes(dst, st)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	_, err = io.Copy(out, in) // copy_file_range: shared extents where the fs can
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// setAttrs gives dst src's owner, mode and xattrs (overlay's own left out).
// The mode comes after the owner: chown clears setuid and setgid.
func setAttrs(src, dst string, st *unix.Stat_t) error {
	if err := unix.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("chown %s: %w", dst, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Chmod(dst, st.Mode&0o7777); err != nil {
			return fmt.Errorf("chmod %s: %w", dst, err)
		}
	}
	xattrs, err := readXattrs(src)
	if err != nil {
		return err
	}
	for name, value := range xattrs {
		if err := unix.Lsetxattr(dst, name, value, 0); err != nil {
			return fmt.Errorf("set xattr %s on %s: %w", name, dst, err)
		}
	}
	return nil
}

func setTimes(p string, st *unix.Stat_t) error {
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", p, err)
	}
	return nil
}

// readXattrs returns p's extended attributes, without overlay's own
// (trusted.overlay.*, user.overlay.*): they describe a layer's place in
// an overlay, not the file.
func readXattrs(p string) (map[string][]byte, error) {
	size, err := unix.Llistxattr(p, nil)
	if errors.Is(err, unix.ENOTSUP) || size == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list xattrs of %s: %w", p, err)
	}
	buf := make([]byte, size)
	if size, err = unix.Llistxattr(p, buf); err != nil {
		return nil, fmt.Errorf("list xattrs of %s: %w", p, err)
	}
	out := map[string][]byte{}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:size]), "\x00"), "\x00") {
		if name == "" || strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.") {
			continue
		}
		n, err := unix.Lgetxattr(p, name, nil)
		if err != nil {
			return nil, fmt.Errorf("get xattr %s of %s: %w", name, p, err)
		}
		v := make([]byte, n)
		if n, err = unix.Lgetxattr(p, name, v); err != nil {
			return nil, fmt.Errorf("get xattr %s of %s: %w", name, p, err)
		}
		out[name] = v[:n]
	}
	return out, nil
}
