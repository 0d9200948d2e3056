package snapshottest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// entry is what a tree comparison sees of a path.
type entry struct {
	Type     string
	Mode     string
	Owner    string
	Mtime    time.Time
	Content  string // sha256 of a file's bytes
	Link     string // symlink target
	Rdev     uint64
	Xattrs   map[string]string
	LinkedTo string // the first path (in name order) of the same inode, for a hardlink
}

// tree reads every path under root (root itself left out: its times belong
// to the mount, not to a layer), with overlay's own xattrs ignored.
func tree(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	inodes := map[[2]uint64]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := p[len(root)+1:]
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := entry{
			Mode:  fmt.Sprintf("%o", st.Mode&0o7777),
			Owner: fmt.Sprintf("%d:%d", st.Uid, st.Gid),
			Mtime: time.Unix(st.Mtim.Unix()),
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			e.Type = "dir"
		case unix.S_IFREG:
			e.Type = "file"
			e.Content = hash(t, p)
			if st.Nlink > 1 {
				id := [2]uint64{st.Dev, st.Ino}
				if first, ok := inodes[id]; ok {
					e.LinkedTo = first
				} else {
					inodes[id] = rel
				}
			}
		case unix.S_IFLNK:
			e.Type = "symlink"
			e.Link, _ = os.Readlink(p)
		case unix.S_IFIFO:
			e.Type = "fifo"
		default:
			e.Type = fmt.Sprintf("node %o", st.Mode&unix.S_IFMT)
			e.Rdev = st.Rdev
		}
		e.Xattrs = xattrs(t, p)
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hash(t *testing.T, p string) string {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func xattrs(t *testing.T, p string) map[string]string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil || n == 0 {
		return nil
	}
	out := map[string]string{}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
		if strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.") {
			continue
		}
		v := make([]byte, 4096)
		m, err := unix.Lgetxattr(p, name, v)
		if err != nil {
			t.Fatalf("get xattr %s of %s: %v", name, p, err)
		}
		out[name] = string(v[:m])
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
