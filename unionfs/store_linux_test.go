package unionfs_test

import (
	"testing"

	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/snapshottest"
)

func TestOverlaySuite(t *testing.T) {
	t.Parallel()
	snapshottest.Suite(t, func(root string) (unionfs.Snapshotter, error) {
		return unionfs.New(root, unionfs.WithDriver("overlay"))
	})
}

func TestVFSSuite(t *testing.T) {
	t.Parallel()
	snapshottest.Suite(t, func(root string) (unionfs.Snapshotter, error) {
		return unionfs.New(root, unionfs.WithDriver("vfs"))
	})
}
