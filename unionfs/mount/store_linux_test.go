package mount_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/mount"
)

// The store's own layout (snapshots/N/fs side by side) keeps a
// 128-layer container under a page for mount(2) once the paths are made
// relative, though the absolute ones are far over it.
func TestStoreLayersMount2(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts overlays")
	}
	mount.ForceLegacy(t)
	ctx := context.Background()
	s, err := unionfs.New(filepath.Join(t.TempDir(), "a-store-root-with-a-long-path"), unionfs.WithDriver("overlay"))
	if err != nil {
		t.Fatal(err)
	}
	parent := ""
	for i := range 128 {
		key, name := fmt.Sprintf("extract-%d", i), fmt.Sprintf("sha256:%064d", i)
		if _, err := s.Prepare(ctx, key, parent); err != nil {
			t.Fatal(err)
		}
		ld, err := s.LayerDir(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ld.Path, "top"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx, name, key); err != nil {
			t.Fatal(err)
		}
		parent = name
	}
	mounts, err := s.Prepare(ctx, "container", parent)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Join(mounts[0].Options, ",")); n < os.Getpagesize() {
		t.Fatalf("options are %d bytes: the test must go over a page", n)
	}
	target := filepath.Join(t.TempDir(), "rootfs")
	os.Mkdir(target, 0o755)
	if err := mount.All(mounts, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mount.Unmount(target); err != nil {
			t.Error(err)
		}
	})
	if b, _ := os.ReadFile(filepath.Join(target, "top")); string(b) != "127" {
		t.Errorf("top = %q, want 127", b)
	}
}
