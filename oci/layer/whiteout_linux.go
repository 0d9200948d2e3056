package layer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// remove handles ".wh.NAME" in the directory parent.
func (x *extractor) remove(parent, name string) error {
	full := join(parent, name)
	if x.o.whiteouts == whiteout.FormOverlay {
		pfd, err := x.rt.dir(parent, true)
		if err != nil {
			return err
		}
		err = whiteout.MakeOverlay(pfd, name)
		if errors.Is(err, unix.EEXIST) {
			// This layer made NAME too: a whiteout hides lower layers only.
			return nil
		}
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("%w (an overlay whiteout is a 0/0 device, which needs CAP_MKNOD: extract with whiteout.FormDelete)", err)
		}
		return err
	}
	if _, ok := x.written[full]; ok {
		return nil
	}
	pfd, err := x.rt.dir(parent, false)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil // nothing there to hide
	}
	if err != nil {
		return err
	}
	if err := removeAt(pfd, name); err != nil {
		return err
	}
	x.rt.forget()
	return nil
}

// opaque handles ".wh..wh..opq" in the directory dir.
func (x *extractor) opaque(dir string) error {
	if x.o.whiteouts == whiteout.FormOverlay {
		fd, err := x.openDir(dir)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return whiteout.SetOpaque(fd, x.o.opaqueXattr)
	}
	// Everything in dir from lower layers goes; what this layer put there
	// (before or after this entry) stays.
	dfd, err := x.rt.dir(dir, false)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	err = emptyDir(dfd, ".", func(n string) bool {
		_, ok := x.written[join(dir, n)]
		return ok
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	x.rt.forget()
	return err
}

// openDir opens dir (resolved in root, made if missing) for reading.
func (x *extractor) openDir(dir string) (int, error) {
	pfd, base := x.rt.fd, "."
	if dir != "" {
		var err error
		pfd, err = x.rt.dir(dir, true)
		if err != nil {
			return -1, err
		}
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", dir, err)
	}
	return fd, nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
