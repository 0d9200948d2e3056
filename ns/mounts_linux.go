package ns

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs"
)

// openMountSources clones each bind's host path as a mount of its own
// (open_tree, OPEN_TREE_CLONE: Linux 5.2) while the host's tree is still
// reachable, before pivot_root; Source becomes the clone's /proc/self/fd
// entry, which MoveMount attaches after. (A plain bind from a path under
// the old root fails once that root is detached: the kernel binds only
// from mounts in the caller's namespace.)
func openMountSources(cfg *Config) error {
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		if m.Type != "bind" {
			continue
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return fmt.Errorf("open bind source %s: %w", m.Source, err)
		}
		m.Source = "/proc/self/fd/" + strconv.Itoa(fd)
	}
	return nil
}

// MoveMount attaches the detached mount open as /proc/self/fd/N at dst.
func (kernelFS) MoveMount(src, dst string) error {
	fd, err := strconv.Atoi(strings.TrimPrefix(src, "/proc/self/fd/"))
	if err != nil {
		return fmt.Errorf("move mount %s: not an open mount", src)
	}
	return unix.MoveMount(fd, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH)
}

// CopyUp copies what src holds into dst if dst is empty and src a
// directory. dst is a detached mount, /proc/self/fd/N: the copy is made
// from inside it (fchdir), since a path through the magic link to its
// root is the link, not the directory.
func (kernelFS) CopyUp(src, dst string) error {
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil
	}
	f, err := os.Open(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return nil
	}
	cwd, err := os.Open(".")
	if err != nil {
		return err
	}
	defer cwd.Close()
	if err := unix.Fchdir(int(f.Fd())); err != nil {
		return err
	}
	defer unix.Fchdir(int(cwd.Fd()))
	return unionfs.CopyTree(context.Background(), src, ".")
}
