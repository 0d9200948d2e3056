package unionfs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/mount"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// driver holds a snapshot's files; the Store keeps the metadata around it.
// dir is the snapshot's directory (with fs/ inside), lowers the fs dirs it
// stands on, topmost first; external when those are PrepareLayers' plain
// directories rather than the driver's own snapshots.
type driver interface {
	name() string
	whiteouts() whiteout.Form
	create(ctx context.Context, dir string, kind Kind, lowers []string, external bool) error
	mounts(dir string, kind Kind, lowers []string) []mount.Mount
	commit(dir string) error
	diff(ctx context.Context, w io.Writer, dir string, lowers []string, external bool) error
}

// overlay keeps in each snapshot only the files of its own layer. An
// active snapshot is mounted as an overlay: its fs dir the upper, its
// parents' the lowers. Whiteouts are overlay's: 0/0 devices, opaque xattrs.
type overlay struct{}

func (overlay) name() string             { return "overlay" }
func (overlay) whiteouts() whiteout.Form { return whiteout.FormOverlay }

func (overlay) create(ctx context.Context, dir string, kind Kind, lowers []string, external bool) error {
	fs := filepath.Join(dir, "fs")
	if err := os.Mkdir(fs, 0o755); err != nil {
		return err
	}
	// The merged root takes the upper dir's owner and mode: keep the image's.
	if len(lowers) > 0 {
		if err := copyDirAttrs(lowers[0], fs); err != nil {
			return err
		}
	}
	if kind == KindActive {
		return os.Mkdir(filepath.Join(dir, "work"), 0o700)
	}
	return nil
}

// overlayOptions are fixed, not left to the kernel's defaults: with
// redirect_dir or metacopy on, an upper dir no longer holds every change
// a diff must see (a renamed directory would be a pointer to a lower one).
// index=off: a layer may be a lower of many overlays at once.
var overlayOptions = []string{"index=off", "redirect_dir=off", "metacopy=off"}

func (overlay) mounts(dir string, kind Kind, lowers []string) []mount.Mount {
	fs := filepath.Join(dir, "fs")
	switch {
	case len(lowers) == 0 && kind == KindActive:
		return []mount.Mount{{Type: "bind", Source: fs, Options: []string{"rbind", "rw"}}}
	case len(lowers) == 0:
		return []mount.Mount{{Type: "bind", Source: fs, Options: []string{"rbind", "ro"}}}
	case len(lowers) == 1 && kind == KindView:
		// overlay wants two lowers without an upper; one is a bind.
		return []mount.Mount{{Type: "bind", Source: lowers[0], Options: []string{"rbind", "ro"}}}
	}
	esc := make([]string, len(lowers))
	for i, l := range lowers {
		esc[i] = strings.NewReplacer(`\`, `\\`, `:`, `\:`, `,`, `\,`).Replace(l)
	}
	opts := []string{"lowerdir=" + strings.Join(esc, ":")}
	if kind == KindActive {
		opts = append(opts, "upperdir="+fs, "workdir="+filepath.Join(dir, "work"))
	} else {
		opts = append(opts, "ro")
	}
	return []mount.Mount{{Type: "overlay", Source: "overlay", Options: append(opts, overlayOptions...)}}
}

// commit drops the work dir: a committed layer is only ever a lower.
func (overlay) commit(dir string) error { return os.RemoveAll(filepath.Join(dir, "work")) }

func (overlay) diff(ctx context.Context, w io.Writer, dir string, lowers []string, external bool) error {
	return writeLayer(ctx, w, upperChanges(filepath.Join(dir, "fs")))
}

// vfs keeps in each snapshot a full copy of its parent's tree, changed in
// place; a snapshot is mounted by a bind. It needs no overlay, and pays for
// that in disk space and in the time each copy takes.
type vfs struct{}

func (vfs) name() string             { return "vfs" }
func (vfs) whiteouts() whiteout.Form { return whiteout.FormDelete }

func (vfs) create(ctx context.Context, dir string, kind Kind, lowers []string, external bool) error {
	fs := filepath.Join(dir, "fs")
	switch {
	case len(lowers) == 0:
		return os.Mkdir(fs, 0o755)
	case !external:
		return copyTree(ctx, lowers[0], fs, false) // the parent is a full tree
	}
	// Plain layer directories: applied one on another, bottom first.
	for i := len(lowers) - 1; i >= 0; i-- {
		if err := copyTree(ctx, lowers[i], fs, true); err != nil {
			return err
		}
	}
	return nil
}

func (vfs) mounts(dir string, kind Kind, lowers []string) []mount.Mount {
	mode := "rw"
	if kind == KindView {
		mode = "ro"
	}
	return []mount.Mount{{Type: "bind", Source: filepath.Join(dir, "fs"), Options: []string{"rbind", mode}}}
}

func (vfs) commit(dir string) error { return nil }

func (vfs) diff(ctx context.Context, w io.Writer, dir string, lowers []string, external bool) error {
	if external {
		return fmt.Errorf("diff against plain layer directories: %w", ErrNotSupported)
	}
	parent := ""
	if len(lowers) > 0 {
		parent = lowers[0]
	}
	return writeLayer(ctx, w, treeChanges(parent, filepath.Join(dir, "fs")))
}

// copyDirAttrs gives dst the owner and mode of src.
func copyDirAttrs(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	if err := os.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	return os.Chmod(dst, fileMode(st.Mode))
}

// fileMode converts a stat mode's permission bits (and setuid, setgid,
// sticky) to an os.FileMode.
func fileMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	if m&unix.S_ISUID != 0 {
		mode |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= os.ModeSticky
	}
	return mode
}

// diskUsage counts the blocks and inodes under dir, each inode once.
func diskUsage(dir string) (Usage, error) {
	var u Usage
	seen := map[[2]uint64]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		id := [2]uint64{st.Dev, st.Ino}
		if !seen[id] {
			seen[id] = true
			u.Inodes++
			u.Size += st.Blocks * 512
		}
		return nil
	})
	return u, err
}
