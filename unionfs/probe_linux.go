package unionfs

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/mount"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// probeOverlay mounts a small overlay under root and deletes a lower file
// through it: overlay works here only if the kernel has it, we may mount,
// and root's file system can hold an upper dir (xattrs, 0/0 devices).
func probeOverlay(root string) (err error) {
	dir, err := os.MkdirTemp(root, "probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, d := range []string{"l1", "l2", "upper", "work", "merged"} {
		if err := os.Mkdir(p(d), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(p("l1/file"), nil, 0o644); err != nil {
		return err
	}
	m := mount.Mount{Type: "overlay", Source: "overlay", Options: append([]string{
		"lowerdir=" + p("l2") + ":" + p("l1"), "upperdir=" + p("upper"), "workdir=" + p("work")}, overlayOptions...)}
	if err := m.Mount(p("merged")); err != nil {
		return err
	}
	defer func() {
		if uerr := mount.Unmount(p("merged")); err == nil {
			err = uerr
		}
	}()
	if err := os.Remove(p("merged/file")); err != nil {
		return fmt.Errorf("delete through the overlay: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(p("upper/file"), &st); err != nil || !whiteout.IsOverlay(&st) {
		return fmt.Errorf("no whiteout in the upper dir after a delete (%v)", err)
	}
	return nil
}
