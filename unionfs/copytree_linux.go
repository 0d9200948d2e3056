package unionfs

import "context"

// CopyTree copies the tree src into the directory dst with owners, modes,
// times, xattrs, devices, symlinks and hardlinks: what docker does to a
// new volume with the image's files at its mount point.
func CopyTree(ctx context.Context, src, dst string) error {
	return copyTree(ctx, src, dst, false)
}
