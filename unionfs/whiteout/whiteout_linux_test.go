package whiteout

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOverlayForm(t *testing.T) {
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := MakeOverlay(int(d.Fd()), "gone"); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("mknod 0/0 needs root here: %v", err)
		}
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dir, "gone"), &st); err != nil {
		t.Fatal(err)
	}
	if !IsOverlay(&st) {
		t.Errorf("mode %o rdev %d: not an overlay whiteout", st.Mode, st.Rdev)
	}
	if err := unix.Lstat(dir, &st); err != nil || IsOverlay(&st) {
		t.Errorf("a directory reads as a whiteout (%v)", err)
	}

	for _, x := range []string{UserOpaqueXattr, OpaqueXattr} {
		if ok, err := IsOpaque(int(d.Fd()), x); ok || err != nil {
			t.Errorf("IsOpaque(%s) before SetOpaque = %v, %v", x, ok, err)
		}
		if err := SetOpaque(int(d.Fd()), x); err != nil {
			if x == OpaqueXattr && os.Geteuid() != 0 {
				continue // trusted.* needs CAP_SYS_ADMIN
			}
			t.Fatal(err)
		}
		if ok, err := IsOpaque(int(d.Fd()), x); !ok || err != nil {
			t.Errorf("IsOpaque(%s) after SetOpaque = %v, %v", x, ok, err)
		}
	}
}
