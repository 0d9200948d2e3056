package ns

import (
	"fmt"
	"path/filepath"
)

// Mount is one of the container's own mounts (docker's -v, --mount,
// --tmpfs): a bind of a host path, such as a volume's directory, or a
// tmpfs.
type Mount struct {
	Type        string // "bind" or "tmpfs"
	Source      string // bind: the host path
	Destination string // in the container
	Options     string // tmpfs: size=64m,mode=1777
	ReadOnly    bool
	// CopyUp is for a volume: if it is empty, the files the image has at
	// Destination are first copied into it, as docker does on first use.
	CopyUp bool
}

// mountVolumes mounts the container's own mounts in the new root, after
// pivot_root: each Destination is made (a directory, or an empty file for
// a file) and resolved inside the container, its symlinks too, so no path
// in the image can point a mount at the host. A bind's Source was opened
// before pivot_root as a detached mount of its own (openMountSources),
// reached through /proc/self/fd and attached with move_mount(2).
func mountVolumes(ops fsOps, mounts []Mount) error {
	for _, m := range mounts {
		dst := filepath.Join("/", m.Destination)
		switch m.Type {
		case "tmpfs":
			if err := ops.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("create mount point %s: %w", dst, err)
			}
			flags := uintptr(msNosuid | msNodev | msNoexec) // docker's defaults for --tmpfs
			if m.ReadOnly {
				flags |= msRdonly
			}
			if err := ops.Mount("tmpfs", dst, "tmpfs", flags, m.Options); err != nil {
				return fmt.Errorf("mount tmpfs on %s: %w", dst, err)
			}
		case "bind":
			isDir, err := ops.Stat(m.Source)
			if err != nil {
				return fmt.Errorf("bind mount %s: %w", m.Destination, err)
			}
			if isDir {
				err = ops.MkdirAll(dst, 0o755)
			} else if err = ops.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
				err = ops.Touch(dst)
			}
			if err != nil {
				return fmt.Errorf("create mount point %s: %w", dst, err)
			}
			if m.CopyUp && isDir {
				if err := ops.CopyUp(dst, m.Source); err != nil {
					return fmt.Errorf("copy %s into its volume: %w", dst, err)
				}
			}
			if err := ops.MoveMount(m.Source, dst); err != nil {
				return fmt.Errorf("bind mount on %s: %w", dst, err)
			}
			if m.ReadOnly {
				if err := remountReadonly(ops, dst); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("mount on %s: unknown type %q", dst, m.Type)
		}
	}
	return nil
}
