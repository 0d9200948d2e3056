package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/minidocker/minidocker/unionfs"
)

// setup prepares the container's writable layer on o.layers and points
// *rootfs at the empty directory the container's init mounts them on (in
// its own mount namespace: nothing is mounted here). release removes the
// layer and the directory: the container's changes do not outlive it.
func (o *storageOptions) setup(rootfs *string, stderr io.Writer) (release func(), err error) {
	release = func() {}
	if len(o.layers) == 0 {
		if o.driver != "" {
			return release, errors.New("--storage-driver goes with --layer (see 'minidocker run --help')")
		}
		return release, nil
	}
	if *rootfs != "" {
		return release, errors.New("give --rootfs DIR or --layer DIR, not both (see 'minidocker run --help')")
	}
	for _, l := range o.layers {
		if fi, err := os.Stat(l); err == nil && isHostRoot(fi) {
			return release, fmt.Errorf("layer %s is the host's own root: give directories that hold layers", l)
		}
	}
	root := o.root
	if root == "" {
		root = defaultRoot()
	}
	store, err := unionfs.New(root, unionfs.WithDriver(o.driver), unionfs.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(stderr, "minidocker: "+format+"\n", args...)
	}))
	if err != nil {
		return release, err
	}
	key := newID()
	dir := filepath.Join(root, "containers", key)
	if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o700); err != nil {
		return release, fmt.Errorf("create container dir: %w", err)
	}
	ctx := context.Background()
	if o.mounts, err = store.PrepareLayers(ctx, key, o.layers); err != nil {
		os.RemoveAll(dir)
		return release, err
	}
	*rootfs = filepath.Join(dir, "rootfs")
	return func() {
		err := errors.Join(store.Remove(ctx, key), os.RemoveAll(dir))
		if err != nil {
			fmt.Fprintf(stderr, "minidocker: remove the container's layer: %v\n", err)
		}
	}, nil
}
