package images_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/layout"
	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/oci/registry/registrytest"
	"github.com/minidocker/minidocker/testscript"
)

func need(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s (make deps installs it)", p)
		}
	}
}

func run(t *testing.T, stdin []byte, argv ...string) []byte {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, &stderr)
	}
	return out
}

// busybox makes the transcripts' busybox root filesystem and its tar.
func busybox(t *testing.T) (dir string, tarball []byte) {
	t.Helper()
	need(t, "tar")
	dir = filepath.Join(t.TempDir(), "rootfs")
	if err := testscript.MkRootfs(dir); err != nil {
		t.Skip(err)
	}
	return dir, run(t, nil, "tar", "--numeric-owner", "-C", dir, "-cf", "-", ".")
}

// TestRoundTrip: an image built from busybox-static (docker import),
// pushed to docker-registry, pulled into another store: the same
// manifest, config and tree. Pushed under another name of the registry,
// its blobs are mounted, not sent; pushed again, they are found there.
func TestRoundTrip(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	rootfs, tarball := busybox(t)
	ctx := context.Background()
	a, _ := openStore(t)
	name := mustRef(t, reg.Addr+"/busybox:latest")
	imported, err := a.Import(ctx, bytes.NewReader(tarball), name, images.ImportOptions{Changes: []string{`CMD ["sh"]`}})
	if err != nil {
		t.Fatal(err)
	}
	want := tree(t, rootfs)
	if got := unpackedTree(t, a, imported); got != want {
		t.Fatalf("the imported image's tree differs from the rootfs:\n%s\nwant:\n%s", got, want)
	}
	var ev events
	res, err := a.Push(ctx, name, images.WithProgress(ev.add))
	if err != nil {
		t.Fatal(err)
	}
	layerID := imported.Manifest.Layers[0].Digest.Encoded()[:12]
	if res.Manifest.Digest != imported.Target.Digest || ev.of(layerID) != "Preparing, Pushing, Pushed" {
		t.Fatalf("push: %+v, events %q", res, ev.of(layerID))
	}

	b, broot := openStore(t)
	pulled, err := b.Pull(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if pulled.Image.Target.Digest != imported.Target.Digest || pulled.Image.ID() != imported.ID() || pulled.Image.Config.Config.Cmd[0] != "sh" {
		t.Fatalf("pulled %+v, pushed %+v", pulled.Image.Target, imported.Target)
	}
	if got := unpackedTree(t, b, pulled.Image); got != want {
		t.Fatalf("the pulled tree differs from the rootfs:\n%s\nwant:\n%s", got, want)
	}
	assertClean(t, b, broot)

	// Another repository of the same registry: a mount.
	other := mustRef(t, reg.Addr+"/library/copy:v1")
	if err := b.Tag(ctx, name.String(), other); err != nil {
		t.Fatal(err)
	}
	var ev2 events
	if _, err := b.Push(ctx, other, images.WithProgress(ev2.add)); err != nil {
		t.Fatal(err)
	}
	if got := ev2.of(layerID); got != "Preparing, Mounted from busybox" {
		t.Errorf("push to another repository: %q, want a mount", got)
	}
	var ev3 events
	if _, err := b.Push(ctx, other, images.WithProgress(ev3.add)); err != nil {
		t.Fatal(err)
	}
	if got := ev3.of(layerID); got != "Preparing, Layer already exists" {
		t.Errorf("push again: %q", got)
	}
	for _, n := range []string{name.String(), other.String()} {
		if _, err := b.Remove(ctx, n, images.RemoveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	assertEmpty(t, b, broot)
}

// TestSkopeoInterop: skopeo pushes an image umoci built from busybox, as
// OCI and as Docker schema 2, and minidocker pulls both; minidocker
// pushes, and skopeo reads the manifest and copies the image back byte
// for byte.
func TestSkopeoInterop(t *testing.T) {
	need(t, "skopeo", "umoci")
	reg := registrytest.Start(t, registrytest.Options{})
	rootfs, tarball := busybox(t)
	ctx := context.Background()
	work := t.TempDir()
	lay, bundle := filepath.Join(work, "layout"), filepath.Join(work, "bundle")
	run(t, nil, "umoci", "init", "--layout", lay)
	run(t, nil, "umoci", "new", "--image", lay+":latest")
	unpack := []string{"umoci", "unpack", "--image", lay + ":latest", bundle}
	if os.Geteuid() != 0 {
		unpack = append(unpack[:2], append([]string{"--rootless"}, unpack[2:]...)...)
	}
	run(t, nil, unpack...)
	run(t, nil, "cp", "-a", rootfs+"/.", filepath.Join(bundle, "rootfs"))
	run(t, nil, "umoci", "repack", "--image", lay+":latest", bundle)
	want := tree(t, rootfs)

	s, root := openStore(t)
	for format, mt := range map[string]string{"oci": ocispec.MediaTypeImageManifest, "v2s2": image.MediaTypeDockerManifest} {
		dst := reg.Addr + "/skopeo/busybox:" + format
		run(t, nil, "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false", "--format", format, "oci:"+lay+":latest", "docker://"+dst)
		res, err := s.Pull(ctx, mustRef(t, dst))
		if err != nil {
			t.Fatalf("pull what skopeo pushed as %s: %v", format, err)
		}
		if res.Image.Target.MediaType != mt {
			t.Errorf("%s: pulled a %s", format, res.Image.Target.MediaType)
		}
		if got := unpackedTree(t, s, res.Image); got != want {
			t.Errorf("%s: the tree differs from the rootfs:\n%s\nwant:\n%s", format, got, want)
		}
	}
	assertClean(t, s, root)

	// minidocker pushes; skopeo reads it back.
	name := mustRef(t, reg.Addr+"/minidocker/busybox:latest")
	img, err := s.Import(ctx, bytes.NewReader(tarball), name, images.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(ctx, name); err != nil {
		t.Fatal(err)
	}
	ours, _ := s.Content().ReadAll(img.Target.Digest, 1<<20)
	raw := run(t, nil, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://"+name.String())
	if !bytes.Equal(raw, ours) {
		t.Fatalf("skopeo inspect --raw:\n%s\nwe pushed:\n%s", raw, ours)
	}
	var inspect struct{ Digest digest.Digest }
	json.Unmarshal(run(t, nil, "skopeo", "inspect", "--tls-verify=false", "docker://"+name.String()), &inspect)
	if inspect.Digest != img.Target.Digest {
		t.Errorf("skopeo inspect: digest %s, want %s", inspect.Digest, img.Target.Digest)
	}
	out := filepath.Join(work, "copied")
	run(t, nil, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "docker://"+name.String(), "dir:"+out)
	if b, _ := os.ReadFile(filepath.Join(out, "manifest.json")); !bytes.Equal(b, ours) {
		t.Errorf("skopeo's copy of the manifest differs:\n%s", b)
	}
	for _, d := range append([]ocispec.Descriptor{img.Manifest.Config}, img.Manifest.Layers...) {
		theirs, err := os.ReadFile(filepath.Join(out, d.Digest.Encoded()))
		mine, _ := s.Content().ReadAll(d.Digest, 1<<30)
		if err != nil || !bytes.Equal(theirs, mine) {
			t.Errorf("skopeo's copy of blob %s differs (%v)", d.Digest, err)
		}
	}
}

// TestSkopeoIndex: skopeo pushes a two-platform index; minidocker pulls
// the host's platform by default and the other with a platform asked
// for, and refuses one the index lacks.
func TestSkopeoIndex(t *testing.T) {
	need(t, "skopeo")
	reg := registrytest.Start(t, registrytest.Options{})
	dir := t.TempDir()
	l, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var entries []ocispec.Descriptor
	for _, arch := range []string{"amd64", "arm64"} {
		lb, diffID := layerOf(file("arch", arch))
		ld, _ := l.Store.WriteBytes(lb)
		cb, _ := json.Marshal(ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: arch}, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}}})
		cd, _ := l.Store.WriteBytes(cb)
		mb, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
			Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))},
			Layers: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: ld, Size: int64(len(lb))}}})
		md, _ := l.Store.WriteBytes(mb)
		entries = append(entries, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mb)),
			Platform: &ocispec.Platform{OS: "linux", Architecture: arch}})
	}
	xb, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: entries})
	xd, _ := l.Store.WriteBytes(xb)
	if err := l.Tag("multi", ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: xd, Size: int64(len(xb))}); err != nil {
		t.Fatal(err)
	}
	dst := reg.Addr + "/skopeo/multi:latest"
	run(t, nil, "skopeo", "--insecure-policy", "copy", "--all", "--dest-tls-verify=false", "oci:"+dir+":multi", "docker://"+dst)

	s, _ := openStore(t)
	ctx := context.Background()
	for _, c := range []struct{ platform, want string }{{"linux/amd64", "amd64"}, {"linux/arm64/v8", "arm64"}} {
		p, _ := registry.ParsePlatform(c.platform)
		name := mustRef(t, reg.Addr+"/skopeo/multi-"+c.want)
		if err := func() error {
			res, err := s.Pull(ctx, mustRef(t, dst), images.WithPlatform(p))
			if err != nil {
				return err
			}
			if res.Image.Index == nil || res.Image.Index.Digest != xd || res.Image.RepoDigest != xd {
				t.Errorf("%s: index %+v, repo digest %s, want %s", c.platform, res.Image.Index, res.Image.RepoDigest, xd)
			}
			if res.Image.Config.Architecture != c.want || !strings.Contains(unpackedTree(t, s, res.Image), "arch -rw-r--r-- "+owner+" "+hash8(c.want+"")) {
				t.Errorf("%s: pulled %s", c.platform, res.Image.Config.Architecture)
			}
			return s.Tag(ctx, dst, name)
		}(); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := registry.ParsePlatform("linux/ppc64le")
	if _, err := s.Pull(ctx, mustRef(t, dst), images.WithPlatform(p)); err == nil || !strings.Contains(err.Error(), "no matching manifest for linux/ppc64le in the manifest list entries") {
		t.Errorf("a platform the index lacks: %v", err)
	}
}
