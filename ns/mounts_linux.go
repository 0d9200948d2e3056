package ns

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs"
)

// openMountSources opens each bind's host path while the host's tree is
// still reachable (before pivot_root) and points Source at the open
// file's /proc/self/fd entry, which the kernel resolves to it after.
func openMountSources(cfg *Config) error {
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		if m.Type != "bind" {
			continue
		}
		fd, err := unix.Open(m.Source, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open bind source %s: %w", m.Source, err)
		}
		m.Source = "/proc/self/fd/" + strconv.Itoa(fd)
	}
	return nil
}

// CopyUp copies what src holds into dst if dst is empty and src a
// directory.
func (kernelFS) CopyUp(src, dst string) error {
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil
	}
	f, err := os.Open(dst)
	if err != nil {
		return err
	}
	names, _ := f.Readdirnames(1)
	f.Close()
	if len(names) > 0 {
		return nil
	}
	return unionfs.CopyTree(context.Background(), src, dst)
}
