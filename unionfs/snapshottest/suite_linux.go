package snapshottest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs"
	"github.com/minidocker/minidocker/unionfs/mount"
)

// New makes a snapshotter whose files live under root. The suite calls it
// with a fresh root for each test, and again on the same root to act as a
// second process sharing the store.
type New func(root string) (unionfs.Snapshotter, error)

// Suite runs the conformance tests against the snapshotters newSn makes.
func Suite(t *testing.T, newSn New) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, unionfs.Snapshotter, string, New)
	}{
		{"AddChangeRemove", testAddChangeRemove},
		{"DirRemovedInLower", testDirRemovedInLower},
		{"OpaqueDir", testOpaqueDir},
		{"Layers128", testLayers128},
		{"HardlinkAcrossLayers", testHardlinks},
		{"Metadata", testMetadata},
		{"ParallelPrepare", testParallelPrepare},
		{"RemoveInUse", testRemoveInUse},
		{"CommitImmutable", testCommitImmutable},
		{"LayerDir", testLayerDir},
		{"DiffRoundTrip", testDiffRoundTrip},
		{"Reopen", testReopen},
	} {
		t.Run(c.name, func(t *testing.T) {
			if os.Geteuid() != 0 {
				t.Skip("needs root: mounts layers and keeps their owners")
			}
			root := t.TempDir()
			sn, err := newSn(filepath.Join(root, "store"))
			if err != nil {
				t.Fatal(err)
			}
			c.fn(t, sn, root, newSn)
		})
	}
}

var ctx = context.Background()

// mountT performs mounts on a fresh directory and undoes them in Cleanup.
func mountT(t *testing.T, mounts []mount.Mount) string {
	t.Helper()
	target, err := os.MkdirTemp(t.TempDir(), "mnt")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if err := m.Mount(target); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		t.Cleanup(func() {
			// EINVAL: unmountNow got there first.
			if err := mount.Unmount(target); err != nil && !errors.Is(err, unix.EINVAL) {
				t.Error(err)
			}
		})
	}
	return target
}

// unmountNow undoes mountT's mounts before the test ends (Cleanup then
// finds nothing to do and says nothing).
func unmountNow(t *testing.T, target string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := mount.Unmount(target); err != nil {
			t.Fatal(err)
		}
	}
}

// layer commits name on parent with the changes fn makes through the
// mounted active snapshot, as a container (or docker build) would.
func layer(t *testing.T, sn unionfs.Snapshotter, name, parent string, fn func(root string)) {
	t.Helper()
	key := name + "-active"
	mounts, err := sn.Prepare(ctx, key, parent)
	if err != nil {
		t.Fatal(err)
	}
	root := mountT(t, mounts)
	fn(root)
	unmountNow(t, root, len(mounts))
	if err := sn.Commit(ctx, name, key); err != nil {
		t.Fatal(err)
	}
}

// view mounts a read-only view of name and returns its root.
func view(t *testing.T, sn unionfs.Snapshotter, name string) string {
	t.Helper()
	mounts, err := sn.View(ctx, name+"-view-"+fmt.Sprint(time.Now().UnixNano()), name)
	if err != nil {
		t.Fatal(err)
	}
	return mountT(t, mounts)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func missing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: want it gone, got %v", path, err)
	}
}

// names lists a directory.
func names(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	must(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return strings.Join(out, " ")
}

func base(t *testing.T, sn unionfs.Snapshotter) {
	layer(t, sn, "base", "", func(r string) {
		write(t, r+"/a", "a1")
		write(t, r+"/b", "b1")
		write(t, r+"/d/x", "x1")
		write(t, r+"/d/y", "y1")
		write(t, r+"/d/sub/z", "z1")
	})
}

func testAddChangeRemove(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	layer(t, sn, "top", "base", func(r string) {
		write(t, r+"/a", "a2")
		must(t, os.Remove(r+"/b"))
		write(t, r+"/c", "c2")
		write(t, r+"/d/x", "x2")
	})
	v := view(t, sn, "top")
	if got := names(t, v); got != "a c d" {
		t.Errorf("top holds %q, want a c d", got)
	}
	if read(t, v+"/a") != "a2" || read(t, v+"/c") != "c2" || read(t, v+"/d/x") != "x2" || read(t, v+"/d/y") != "y1" {
		t.Error("top does not read as its changes on base")
	}
	b := view(t, sn, "base")
	if got := names(t, b); got != "a b d" || read(t, b+"/a") != "a1" || read(t, b+"/d/x") != "x1" {
		t.Errorf("base changed under top: %q", got)
	}
}

func testDirRemovedInLower(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	layer(t, sn, "rm", "base", func(r string) { must(t, os.RemoveAll(r+"/d")) })
	layer(t, sn, "again", "rm", func(r string) { write(t, r+"/other", "o") })
	v := view(t, sn, "again")
	if got := names(t, v); got != "a b other" {
		t.Errorf("holds %q, want a b other: d was removed two layers down", got)
	}
	missing(t, v+"/d/sub/z")
}

func testOpaqueDir(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	layer(t, sn, "opaque", "base", func(r string) {
		must(t, os.RemoveAll(r+"/d"))
		write(t, r+"/d/new", "n")
	})
	v := view(t, sn, "opaque")
	if got := names(t, v+"/d"); got != "new" {
		t.Errorf("d holds %q, want only new: the lower d's files must stay hidden", got)
	}
}

func testLayers128(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	parent := ""
	for i := 0; i < 128; i++ {
		name := fmt.Sprintf("l%03d", i)
		layer(t, sn, name, parent, func(r string) {
			write(t, fmt.Sprintf("%s/files/f%03d", r, i), "")
			write(t, r+"/top", fmt.Sprint(i))
		})
		parent = name
	}
	mounts, err := sn.Prepare(ctx, "container", parent)
	must(t, err)
	r := mountT(t, mounts)
	ents, err := os.ReadDir(r + "/files")
	must(t, err)
	if len(ents) != 128 || read(t, r+"/top") != "127" {
		t.Errorf("%d files and top %q, want 128 and 127", len(ents), read(t, r+"/top"))
	}
	write(t, r+"/top", "container")
	if read(t, view(t, sn, parent)+"/top") != "127" {
		t.Error("the container's write reached the image")
	}
}

func testHardlinks(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	layer(t, sn, "base", "", func(r string) {
		write(t, r+"/a", "shared")
		write(t, r+"/h1", "h")
		must(t, os.Link(r+"/h1", r+"/h2"))
	})
	layer(t, sn, "linked", "base", func(r string) { must(t, os.Link(r+"/a", r+"/b")) })
	v := view(t, sn, "linked")
	for _, pair := range [][2]string{{"a", "b"}, {"h1", "h2"}} {
		var s1, s2 unix.Stat_t
		must(t, unix.Lstat(v+"/"+pair[0], &s1))
		must(t, unix.Lstat(v+"/"+pair[1], &s2))
		if s1.Ino != s2.Ino || s1.Nlink != 2 {
			t.Errorf("%s and %s: inodes %d, %d, links %d: want one inode, 2 links", pair[0], pair[1], s1.Ino, s2.Ino, s1.Nlink)
		}
	}
}

// metadataLayer makes a layer of every kind of entry, with owners, modes,
// times and an xattr a layer must keep.
func metadataLayer(t *testing.T, r string) {
	when := time.Date(2020, 2, 2, 2, 2, 2, 123456789, time.UTC)
	write(t, r+"/suid", "s")
	must(t, os.Chown(r+"/suid", 1000, 1001))
	must(t, unix.Chmod(r+"/suid", 0o4755))
	must(t, os.MkdirAll(r+"/tmp", 0o755))
	must(t, unix.Chmod(r+"/tmp", 0o1777))
	must(t, os.Symlink("suid", r+"/link"))
	must(t, unix.Lchown(r+"/link", 7, 8))
	must(t, unix.Mkfifo(r+"/fifo", 0o640))
	must(t, unix.Mknod(r+"/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(t, unix.Lsetxattr(r+"/suid", "user.note", []byte("kept"), 0))
	ts := []unix.Timespec{unix.NsecToTimespec(when.UnixNano()), unix.NsecToTimespec(when.UnixNano())}
	for _, p := range []string{"suid", "link", "fifo", "null", "tmp"} {
		must(t, unix.UtimesNanoAt(unix.AT_FDCWD, r+"/"+p, ts, unix.AT_SYMLINK_NOFOLLOW))
	}
}

func testMetadata(t *testing.T, sn unionfs.Snapshotter, root string, _ New) {
	want := filepath.Join(root, "want")
	must(t, os.Mkdir(want, 0o755))
	metadataLayer(t, want)
	layer(t, sn, "meta", "", func(r string) { metadataLayer(t, r) })
	// A layer on top that touches one file: copy-up keeps the rest.
	layer(t, sn, "chmod", "meta", func(r string) { must(t, unix.Chmod(r+"/suid", 0o4750)) })
	if d := cmp.Diff(tree(t, want), tree(t, view(t, sn, "meta"))); d != "" {
		t.Errorf("a committed layer lost metadata (-want +got):\n%s", d)
	}
	got := tree(t, view(t, sn, "chmod"))
	if got["suid"].Mode != "4750" || got["suid"].Xattrs["user.note"] != "kept" || got["suid"].Owner != "1000:1001" {
		t.Errorf("after chmod in the layer above: %+v", got["suid"])
	}
}

func testParallelPrepare(t *testing.T, sn unionfs.Snapshotter, root string, newSn New) {
	base(t, sn)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half through this store, half through a second one on the
			// same root: another process, as far as the lock can tell.
			s := sn
			if i%2 == 1 {
				var err error
				if s, err = newSn(filepath.Join(root, "store")); err != nil {
					errs[i] = err
					return
				}
			}
			_, errs[i] = s.Prepare(ctx, fmt.Sprintf("c%02d", i), "base")
		}()
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	var got []string
	must(t, sn.Walk(ctx, func(i unionfs.Info) error {
		if i.Kind == unionfs.KindActive {
			got = append(got, i.Name)
		}
		return nil
	}))
	if len(got) != n {
		t.Errorf("%d active snapshots after %d parallel prepares: %q", len(got), n, got)
	}
	// Each has a writable tree of its own.
	for i := range 2 {
		m, err := sn.Mounts(ctx, fmt.Sprintf("c%02d", i))
		must(t, err)
		r := mountT(t, m)
		write(t, r+"/a", fmt.Sprint(i))
	}
	for i := range 2 {
		m, _ := sn.Mounts(ctx, fmt.Sprintf("c%02d", i))
		if got := read(t, mountT(t, m)+"/a"); got != fmt.Sprint(i) {
			t.Errorf("c%02d/a = %q: containers share a writable layer", i, got)
		}
	}
}

func testRemoveInUse(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	_, err := sn.Prepare(ctx, "child", "base")
	must(t, err)
	if err := sn.Remove(ctx, "base"); !errors.Is(err, unionfs.ErrInUse) || !strings.Contains(err.Error(), "child") {
		t.Errorf("remove a parent with a child: %v, want ErrInUse naming the child", err)
	}
	if _, err := sn.Stat(ctx, "base"); err != nil {
		t.Errorf("refused remove still removed: %v", err)
	}
	must(t, sn.Remove(ctx, "child"))
	must(t, sn.Remove(ctx, "base"))
	if err := sn.Remove(ctx, "base"); !errors.Is(err, unionfs.ErrNotFound) {
		t.Errorf("remove twice: %v, want ErrNotFound", err)
	}
	if err := sn.Walk(ctx, func(i unionfs.Info) error { return fmt.Errorf("left: %s", i.Name) }); err != nil {
		t.Error(err)
	}
}

func testCommitImmutable(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	if _, err := sn.Stat(ctx, "base-active"); !errors.Is(err, unionfs.ErrNotFound) {
		t.Errorf("the active key after commit: %v, want ErrNotFound", err)
	}
	info, err := sn.Stat(ctx, "base")
	must(t, err)
	if info.Kind != unionfs.KindCommitted {
		t.Errorf("kind %v after commit", info.Kind)
	}
	for what, err := range map[string]error{
		"Mounts":   second(sn.Mounts(ctx, "base")),
		"Commit":   sn.Commit(ctx, "again", "base"),
		"LayerDir": second(sn.LayerDir(ctx, "base")),
	} {
		if !errors.Is(err, unionfs.ErrNotActive) {
			t.Errorf("%s of a committed snapshot: %v, want ErrNotActive", what, err)
		}
	}
	if _, err := sn.Prepare(ctx, "base", ""); !errors.Is(err, unionfs.ErrExists) {
		t.Errorf("prepare over a committed key: %v, want ErrExists", err)
	}
	_, err = sn.Prepare(ctx, "active", "base")
	must(t, err)
	if _, err := sn.Prepare(ctx, "on-active", "active"); !errors.Is(err, unionfs.ErrNotCommitted) {
		t.Errorf("prepare on an active parent: %v, want ErrNotCommitted", err)
	}
	if _, err := sn.Prepare(ctx, "orphan", "nosuch"); !errors.Is(err, unionfs.ErrNotFound) {
		t.Errorf("prepare on a missing parent: %v, want ErrNotFound", err)
	}
	// A view is read-only.
	v := view(t, sn, "base")
	if err := os.WriteFile(v+"/a", []byte("x"), 0o644); !errors.Is(err, unix.EROFS) {
		t.Errorf("write into a view: %v, want EROFS", err)
	}
	var u unionfs.Usage
	if u, err = sn.Usage(ctx, "base"); err != nil || u.Inodes < 6 || u.Size <= 0 {
		t.Errorf("usage of base: %+v, %v: want its 6 inodes", u, err)
	}
}

func second[T any](_ T, err error) error { return err }

// testLayerDir writes a layer straight into a prepared snapshot, whiteouts
// in the form the driver asks for, as the layer extractor does.
func testLayerDir(t *testing.T, sn unionfs.Snapshotter, _ string, _ New) {
	base(t, sn)
	_, err := sn.Prepare(ctx, "extract", "base")
	must(t, err)
	ld, err := sn.LayerDir(ctx, "extract")
	must(t, err)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, h := range []*tar.Header{
		{Name: ".wh.a", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "d/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "d/only", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "new", Typeflag: tar.TypeReg, Mode: 0o644},
	} {
		must(t, tw.WriteHeader(h))
	}
	must(t, tw.Close())
	must(t, applyLayer(&layer, ld.Path, ld.Whiteouts))
	must(t, sn.Commit(ctx, "extracted", "extract"))
	v := view(t, sn, "extracted")
	if got, got2 := names(t, v), names(t, v+"/d"); got != "b d new" || got2 != "only" {
		t.Errorf("after the layer: / holds %q, /d holds %q; want b d new, only", got, got2)
	}
}

// testDiffRoundTrip takes a container's changes out as a layer, applies it
// onto the container's parent, and compares the two trees.
func testDiffRoundTrip(t *testing.T, sn unionfs.Snapshotter, root string, _ New) {
	layer(t, sn, "base", "", func(r string) {
		write(t, r+"/a", "a1")
		write(t, r+"/gone", "g")
		write(t, r+"/same", "s")
		write(t, r+"/d/x", "x1")
		write(t, r+"/d/sub/y", "y1")
		write(t, r+"/rmdir/z", "z")
		write(t, r+"/etc/conf", "c")
		metadataLayer(t, r)
	})
	mounts, err := sn.Prepare(ctx, "container", "base")
	must(t, err)
	c := mountT(t, mounts)
	write(t, c+"/a", "a2 longer")
	must(t, os.Remove(c+"/gone"))
	must(t, os.RemoveAll(c+"/rmdir"))
	must(t, os.RemoveAll(c+"/d"))
	write(t, c+"/d/new", "n")
	write(t, c+"/added/deep/file", "f")
	must(t, os.Chmod(c+"/etc/conf", 0o600))
	must(t, os.Link(c+"/same", c+"/same-link"))
	must(t, os.Symlink("/etc/conf", c+"/conf-link"))
	must(t, unix.Lsetxattr(c+"/added/deep/file", "user.x", []byte("1"), 0))
	must(t, os.Chown(c+"/added/deep/file", 5, 6))

	var d1, d2 bytes.Buffer
	must(t, sn.Diff(ctx, "container", &d1))
	must(t, sn.Diff(ctx, "container", &d2))
	if !bytes.Equal(d1.Bytes(), d2.Bytes()) {
		t.Error("two diffs of the same snapshot differ: the order is not deterministic")
	}
	entries := tarNames(t, d1.Bytes())
	for _, want := range []string{".wh.gone", ".wh.rmdir", "a", "added/deep/file", "d/new", "same-link", "etc/conf"} {
		if !strings.Contains(" "+entries+" ", " "+want+" ") {
			t.Errorf("the diff has no %s: %s", want, entries)
		}
	}
	for _, never := range []string{"rmdir/z", "gone ", "suid", "tmp/"} {
		if strings.Contains(entries+" ", " "+never) {
			t.Errorf("the diff has %s, which did not change: %s", never, entries)
		}
	}
	if !strings.Contains(entries, "hardlink:same-link->same") && !strings.Contains(entries, "hardlink:same->same-link") {
		t.Errorf("the new hardlink is not a hardlink entry: %s", entries)
	}

	_, err = sn.Prepare(ctx, "applied", "base")
	must(t, err)
	ld, err := sn.LayerDir(ctx, "applied")
	must(t, err)
	must(t, applyLayer(bytes.NewReader(d1.Bytes()), ld.Path, ld.Whiteouts))
	must(t, sn.Commit(ctx, "applied-layer", "applied"))
	if d := cmp.Diff(tree(t, c), tree(t, view(t, sn, "applied-layer"))); d != "" {
		t.Errorf("the diff applied on the parent is not the container's tree (-container +applied):\n%s", d)
	}
}

// tarNames lists a layer's entry names, and hardlinks as hardlink:NAME->TARGET.
func tarNames(t *testing.T, b []byte) string {
	tr := tar.NewReader(bytes.NewReader(b))
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return strings.Join(out, " ")
		}
		must(t, err)
		out = append(out, h.Name)
		if h.Typeflag == tar.TypeLink {
			out = append(out, "hardlink:"+h.Name+"->"+h.Linkname)
		}
	}
}

// testReopen opens the store again, as the next minidocker process does.
func testReopen(t *testing.T, sn unionfs.Snapshotter, root string, newSn New) {
	base(t, sn)
	_, err := sn.Prepare(ctx, "c", "base")
	must(t, err)
	again, err := newSn(filepath.Join(root, "store"))
	must(t, err)
	info, err := again.Stat(ctx, "c")
	must(t, err)
	if info.Parent != "base" || info.Kind != unionfs.KindActive {
		t.Errorf("after reopening: %+v", info)
	}
	m, err := again.Mounts(ctx, "c")
	must(t, err)
	if read(t, mountT(t, m)+"/d/x") != "x1" {
		t.Error("reopened store mounts another tree")
	}
}
