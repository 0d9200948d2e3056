package unionfs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/mount"
)

// BenchmarkContainerStart makes a container's root on an image of N files
// and takes it down: Prepare, mount, unmount, Remove. With overlay the
// cost stays flat as the image grows; vfs copies the image each time, so
// it runs only on small images here (make bench runs 200 iterations).
func BenchmarkContainerStart(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: mounts snapshots")
	}
	ctx := context.Background()
	for _, driver := range unionfs.Drivers {
		sizes := []int{10, 1000, 10000}
		if driver == "vfs" {
			sizes = []int{10, 100}
		}
		for _, files := range sizes {
			b.Run(fmt.Sprintf("%s/files=%d", driver, files), func(b *testing.B) {
				dir := b.TempDir()
				s, err := unionfs.New(filepath.Join(dir, "store"), unionfs.WithDriver(driver))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Prepare(ctx, "import", ""); err != nil {
					b.Fatal(err)
				}
				ld, err := s.LayerDir(ctx, "import")
				if err != nil {
					b.Fatal(err)
				}
				for i := range files {
					p := filepath.Join(ld.Path, fmt.Sprintf("d%02d/f%05d", i%100, i))
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.WriteFile(p, []byte("content"), 0o644); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Commit(ctx, "image", "import"); err != nil {
					b.Fatal(err)
				}
				// The image's files go to disk now, not in the first
				// iterations' metadata fsync (ext4 commits the whole journal).
				syscall.Sync()
				target := filepath.Join(dir, "rootfs")
				os.Mkdir(target, 0o755)
				for b.Loop() {
					mounts, err := s.Prepare(ctx, "c", "image")
					if err != nil {
						b.Fatal(err)
					}
					if err := mount.All(mounts, target); err != nil {
						b.Fatal(err)
					}
					if err := mount.Unmount(target); err != nil {
						b.Fatal(err)
					}
					if err := s.Remove(ctx, "c"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
