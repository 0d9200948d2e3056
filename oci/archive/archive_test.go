package archive

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/minidocker/minidocker/oci/content"
	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/oci/layout"
)

func run(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// umociImage builds an OCI layout with umoci (the real tool): one layer
// holding /hello and /etc/motd.
func umociImage(t *testing.T) string {
	for _, p := range []string{"umoci", "skopeo"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("no %s: make deps installs it", p)
		}
	}
	if runtime.GOOS != "linux" {
		t.Skip("umoci: Linux only")
	}
	dir := t.TempDir()
	lay := filepath.Join(dir, "layout")
	bundle := filepath.Join(dir, "bundle")
	run(t, "umoci", "init", "--layout", lay)
	run(t, "umoci", "new", "--image", lay+":v1")
	unpack := []string{"umoci", "unpack", "--image", lay + ":v1", bundle}
	if os.Geteuid() != 0 {
		unpack = append(unpack[:2], append([]string{"--rootless"}, unpack[2:]...)...)
	}
	run(t, unpack...)
	rootfs := filepath.Join(bundle, "rootfs")
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "hello"), []byte("hi\n"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc", "motd"), []byte("motd\n"), 0o644)
	run(t, "umoci", "repack", "--image", lay+":v1", bundle)
	return lay
}

// unpack extracts the image's layers in order, each checked against the
// config's diff ID, and returns the rootfs.
func unpack(t *testing.T, l *layout.Layout, img Image) string {
	t.Helper()
	m, err := l.Manifest(img.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := l.Store.ReadAll(m.Config.Digest, image.MaxDocumentSize)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := image.ParseConfig(cb)
	if err != nil {
		t.Fatal(err)
	}
	rootfs := t.TempDir()
	for i, ld := range m.Layers {
		r, _, err := l.Store.Open(ld.Digest)
		if err != nil {
			t.Fatal(err)
		}
		_, err = layer.Extract(context.Background(), r, rootfs, layer.WithDigest(ld.Digest), layer.WithDiffID(cfg.RootFS.DiffIDs[i]))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return rootfs
}

func importFile(t *testing.T, l *layout.Layout, path string) []Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	imgs, err := Import(l, f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return imgs
}

func TestImportSkopeoArchives(t *testing.T) {
	lay := umociImage(t)
	dir := t.TempDir()
	for _, c := range []struct{ name, dest, want string }{
		{"docker-archive", "docker-archive:" + filepath.Join(dir, "d.tar") + ":test/hello:v1", "test/hello:v1"},
		{"oci-archive", "oci-archive:" + filepath.Join(dir, "o.tar") + ":v1", "v1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run(t, "skopeo", "copy", "--quiet", "oci:"+lay+":v1", c.dest)
			file := strings.SplitN(strings.TrimPrefix(c.dest, c.name+":"), ":", 2)[0]
			l, err := layout.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			imgs := importFile(t, l, file)
			if len(imgs) != 1 || !strings.HasSuffix(imgs[0].Name, c.want) {
				t.Fatalf("imported %+v, want one image named %s", imgs, c.want)
			}
			if d, err := l.Resolve(imgs[0].Name); err != nil || d.Digest != imgs[0].Manifest.Digest {
				t.Fatalf("resolve: %v %v", d, err)
			}
			rootfs := unpack(t, l, imgs[0])
			if b, _ := os.ReadFile(filepath.Join(rootfs, "hello")); string(b) != "hi\n" {
				t.Fatalf("hello: %q", b)
			}
		})
	}
}

// What Export writes, skopeo reads back, as a docker archive and as an
// OCI archive, and Import reads back to the same manifest.
func TestExportReadBySkopeo(t *testing.T) {
	lay := umociImage(t)
	dir := t.TempDir()
	run(t, "skopeo", "copy", "--quiet", "oci:"+lay+":v1", "oci-archive:"+filepath.Join(dir, "src.tar")+":v1")
	l, _ := layout.Open(filepath.Join(dir, "store"))
	imgs := importFile(t, l, filepath.Join(dir, "src.tar"))

	out := filepath.Join(dir, "out.tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := Export(f, l, []string{imgs[0].Name}, true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	run(t, "skopeo", "inspect", "docker-archive:"+out)
	run(t, "skopeo", "copy", "--quiet", "docker-archive:"+out, "oci:"+filepath.Join(dir, "back-docker")+":x")
	if os.Geteuid() == 0 {
		// skopeo untars an oci-archive keeping the owners (root, as in
		// every image archive): unprivileged, its chown fails.
		run(t, "skopeo", "copy", "--quiet", "oci-archive:"+out, "oci:"+filepath.Join(dir, "back-oci")+":x")
	} else {
		t.Log("skipping skopeo's oci-archive read: it needs root to chown what it untars")
	}

	l2, _ := layout.Open(t.TempDir())
	again := importFile(t, l2, out)
	if len(again) != 1 || again[0].Manifest.Digest != imgs[0].Manifest.Digest {
		t.Fatalf("round trip: %+v, want %+v", again, imgs)
	}
	if b, _ := os.ReadFile(filepath.Join(unpack(t, l2, again[0]), "etc/motd")); string(b) != "motd\n" {
		t.Fatalf("motd: %q", b)
	}
}

// A blob that is not what the archive's index says is refused, and
// nothing of it is stored.
func TestImportCorruptBlob(t *testing.T) {
	lay := umociImage(t)
	dir := t.TempDir()
	// Corrupt the layer blob in a copy of the layout, then archive it.
	l, _ := layout.Open(lay)
	desc, err := l.Resolve("v1")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := l.Manifest(desc)
	p, _ := l.Store.Path(m.Layers[0].Digest)
	os.Chmod(p, 0o644)
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0xff
	os.WriteFile(p, b, 0o644)
	run(t, "tar", "-cf", filepath.Join(dir, "bad.tar"), "-C", lay, "oci-layout", "index.json", "blobs")

	dst, _ := layout.Open(t.TempDir())
	f, _ := os.Open(filepath.Join(dir, "bad.tar"))
	defer f.Close()
	st, _ := f.Stat()
	_, err = Import(dst, f, st.Size())
	if !errors.Is(err, content.ErrDigestMismatch) {
		t.Fatalf("%v, want ErrDigestMismatch", err)
	}
	if dst.Store.Has(m.Layers[0].Digest) {
		t.Fatal("the corrupt layer was stored")
	}
	if x, _ := dst.Index(); len(x.Manifests) != 0 {
		t.Fatalf("index names %v after a failed import", x.Manifests)
	}
}

func TestImportNotAnArchive(t *testing.T) {
	l, _ := layout.Open(t.TempDir())
	p := filepath.Join(t.TempDir(), "x.tar")
	run(t, "tar", "-cf", p, "-C", "testdata", ".")
	f, _ := os.Open(p)
	defer f.Close()
	st, _ := f.Stat()
	if _, err := Import(l, f, st.Size()); !errors.Is(err, ErrFormat) {
		t.Fatalf("%v, want ErrFormat", err)
	}
}
