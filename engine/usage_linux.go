package engine

import (
	"context"
	"io/fs"
	"syscall"
)

// layerSize is the size of the container's writable snapshot (0 for a
// --rootfs directory, whose files are not the engine's).
func (e *Engine) layerSize(ctx context.Context, c *Container) int64 {
	if c.Rootfs != "" {
		return 0
	}
	s, err := e.snapshots(c.Driver)
	if err != nil {
		return 0
	}
	u, err := s.Usage(ctx, c.ID)
	if err != nil {
		return 0
	}
	return u.Size
}

func inode(fi fs.FileInfo) (uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return 0, false
	}
	return st.Ino, true
}
