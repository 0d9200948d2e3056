package ns

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// recordFS is fsOps that writes down every call instead of making it, so
// the order and flags of the root filesystem setup are checked without root.
type recordFS struct {
	calls   []string
	dirs    map[string]bool  // paths that Stat reports as directories
	files   map[string]bool  // paths that Stat reports as files
	failOn  map[string]error // call prefix -> error
	flagsOf uintptr          // what MountFlags reports
}

func (r *recordFS) do(call string) error {
	r.calls = append(r.calls, call)
	for prefix, err := range r.failOn {
		if strings.HasPrefix(call, prefix) {
			return err
		}
	}
	return nil
}

func (r *recordFS) Mount(src, dst, fstype string, flags uintptr, data string) error {
	return r.do(fmt.Sprintf("mount %q %s %s %#x %q", src, dst, fstype, flags, data))
}
func (r *recordFS) MountAll(ms []mount.Mount, target string) error {
	var s []string
	for _, m := range ms {
		s = append(s, m.String())
	}
	return r.do(fmt.Sprintf("mountall %s on %s", strings.Join(s, "; "), target))
}
func (r *recordFS) Unmount(p string, flags int) error {
	return r.do(fmt.Sprintf("umount %s %#x", p, flags))
}
func (r *recordFS) PivotRoot(n, o string) error            { return r.do("pivot_root " + n + " " + o) }
func (r *recordFS) Chdir(d string) error                   { return r.do("chdir " + d) }
func (r *recordFS) MkdirAll(p string, _ os.FileMode) error { return r.do("mkdir " + p) }
func (r *recordFS) Symlink(o, n string) error              { return r.do("symlink " + n + " -> " + o) }
func (r *recordFS) Touch(p string) error                   { return r.do("touch " + p) }
func (r *recordFS) Mknod(p string, mode, major, minor uint32) error {
	return r.do(fmt.Sprintf("mknod %s %o %d:%d", p, mode, major, minor))
}
func (r *recordFS) MountFlags(string) (uintptr, error) { return r.flagsOf, nil }
func (r *recordFS) CopyUp(src, dst string) error       { return r.do("copyup " + src + " " + dst) }
func (r *recordFS) MoveMount(src, dst string) error    { return r.do("move_mount " + src + " " + dst) }
func (r *recordFS) Stat(p string) (bool, error) {
	switch {
	case r.dirs[p]:
		return true, nil
	case r.files[p]:
		return false, nil
	}
	return false, os.ErrNotExist
}

func newRecordFS() *recordFS {
	return &recordFS{
		dirs:  map[string]bool{"/proc/acpi": true, "/proc/sys": true, "/": true},
		files: map[string]bool{"/proc/kcore": true, "/proc/sysrq-trigger": true},
	}
}

func testConfig() *Config {
	return &Config{Rootfs: "/r", Cwd: "/work", MaskedPaths: []string{"/proc/kcore", "/proc/acpi", "/proc/nosuch"},
		ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger"}}
}

func index(t *testing.T, calls []string, prefix string) int {
	t.Helper()
	for i, c := range calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	t.Fatalf("no call %q in:\n%s", prefix, strings.Join(calls, "\n"))
	return -1
}

func TestRootfsOrder(t *testing.T) {
	r := newRecordFS()
	r.flagsOf = msNosuid
	if err := setupRootfs(r, testConfig()); err != nil {
		t.Fatal(err)
	}
	// Propagation goes private before anything is mounted.
	if want := fmt.Sprintf(`mount "" /  %#x ""`, msRec|msPrivate); r.calls[0] != want {
		t.Errorf("first call %q, want %q", r.calls[0], want)
	}
	if want := fmt.Sprintf(`mount "/r" /r  %#x ""`, msBind|msRec); r.calls[1] != want {
		t.Errorf("second call %q, want %q", r.calls[1], want)
	}
	// Kernel file systems are mounted under the new root before the pivot;
	// masks and read-only binds after it, on the new paths.
	pivot := index(t, r.calls, "pivot_root . .")
	for _, before := range []string{`mount "proc" /r/proc proc`, `mount "sysfs" /r/sys sysfs`, `mount "tmpfs" /r/dev tmpfs`, `mount "devpts" /r/dev/pts devpts`, "mknod /r/dev/null 20666 1:3"} {
		if i := index(t, r.calls, before); i > pivot {
			t.Errorf("%q after pivot_root", before)
		}
	}
	if r.calls[pivot-1] != "chdir /r" || r.calls[pivot+1] != fmt.Sprintf("umount . %#x", mntDetach) || r.calls[pivot+2] != "chdir /" {
		t.Errorf("pivot sequence:\n%s", strings.Join(r.calls[pivot-1:pivot+3], "\n"))
	}
	for _, after := range []string{`mount "/dev/null" /proc/kcore`, `mount "tmpfs" /proc/acpi tmpfs 0x1`, `mount "/proc/sys" /proc/sys`, "mkdir /work"} {
		if i := index(t, r.calls, after); i < pivot {
			t.Errorf("%q before pivot_root", after)
		}
	}
	if slices.ContainsFunc(r.calls, func(c string) bool { return strings.Contains(c, "/proc/nosuch") && strings.HasPrefix(c, "mount") }) {
		t.Error("masked a path the kernel does not have")
	}
	// Read-only binds are remounted with MS_RDONLY on top of what they had.
	if want := fmt.Sprintf(`mount "" /proc/sys  %#x ""`, msNosuid|msBind|msRemount|msRdonly); !slices.Contains(r.calls, want) {
		t.Errorf("no %q in\n%s", want, strings.Join(r.calls, "\n"))
	}
}

func TestRootfsKeepsLockedFlags(t *testing.T) {
	r := newRecordFS()
	r.flagsOf = msNosuid | msNodev
	cfg := testConfig()
	cfg.ReadOnly = true
	if err := setupRootfs(r, cfg); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`mount "" /  %#x ""`, msNosuid|msNodev|msBind|msRemount|msRdonly)
	if got := r.calls[len(r.calls)-1]; got != want {
		t.Errorf("last call %q, want %q (read-only root after the working dir)", got, want)
	}
	if i := index(t, r.calls, "mkdir /work"); i > len(r.calls)-2 {
		t.Error("working directory created after the root went read-only")
	}
	if slices.ContainsFunc(r.calls, func(c string) bool { return strings.HasPrefix(c, `mount "/" /`) }) {
		t.Error("a second bind over the root: the writable one stays reachable beneath")
	}
}

func TestRootfsRootless(t *testing.T) {
	r := newRecordFS()
	cfg := testConfig()
	cfg.Rootless = true
	r.failOn = map[string]error{`mount "sysfs"`: os.ErrPermission}
	if err := setupRootfs(r, cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.calls {
		if strings.HasPrefix(c, "mknod") {
			t.Errorf("rootless made a device node: %s", c)
		}
		if strings.Contains(c, "gid=5") {
			t.Errorf("rootless devpts asks for the unmapped tty group: %s", c)
		}
	}
	for _, want := range []string{"touch /r/dev/null", fmt.Sprintf(`mount "/dev/null" /r/dev/null  %#x ""`, msBind),
		fmt.Sprintf(`mount "/sys" /r/sys  %#x ""`, msBind|msRec)} {
		index(t, r.calls, want)
	}
}

func TestRootfsErrorsSayWhat(t *testing.T) {
	r := newRecordFS()
	r.failOn = map[string]error{"pivot_root": errors.New("invalid argument")}
	err := setupRootfs(r, testConfig())
	if diff := cmp.Diff("pivot_root to /r: invalid argument", fmt.Sprint(err)); diff != "" {
		t.Error(diff)
	}
}

// The image's layers are mounted on the rootfs after propagation is
// private (else the overlay would show on the host) and before the bind
// that makes it a mount point for pivot_root.
func TestRootfsLayersOrder(t *testing.T) {
	r := newRecordFS()
	cfg := testConfig()
	cfg.RootfsMounts = []mount.Mount{{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/l2:/l1", "upperdir=/u", "workdir=/w"}}}
	if err := setupRootfs(r, cfg); err != nil {
		t.Fatal(err)
	}
	want := "mountall mount -t overlay -o lowerdir=/l2:/l1,upperdir=/u,workdir=/w overlay on /r"
	if r.calls[1] != want {
		t.Errorf("second call %q, want %q", r.calls[1], want)
	}
	if !strings.HasPrefix(r.calls[2], `mount "/r" /r`) {
		t.Errorf("third call %q, want the bind of the rootfs", r.calls[2])
	}
	// Without layers, nothing is mounted for them.
	r = newRecordFS()
	if err := setupRootfs(r, testConfig()); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(r.calls, func(c string) bool { return strings.HasPrefix(c, "mountall") }) {
		t.Error("mounted layers that were not asked for")
	}
}
