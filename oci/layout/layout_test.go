package layout

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestTagResolve(t *testing.T) {
	root := t.TempDir()
	l, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"oci-layout", "index.json", "blobs"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatalf("a new layout has no %s", f)
		}
	}
	m1, _ := l.Store.WriteBytes([]byte(`{"schemaVersion":2}`))
	m2, _ := l.Store.WriteBytes([]byte(`{"schemaVersion":2 }`))
	d1 := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: m1, Size: 19}
	d2 := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: m2, Size: 20}
	if err := l.Tag("app:1", d1); err != nil {
		t.Fatal(err)
	}
	if err := l.Tag("app:1", d2); err != nil { // retag: replaces
		t.Fatal(err)
	}
	if err := l.Tag("app:old", d1); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(root) // read back from disk
	if err != nil {
		t.Fatal(err)
	}
	if d, err := l2.Resolve("app:1"); err != nil || d.Digest != m2 {
		t.Fatalf("app:1 = %v %v, want %s", d.Digest, err, m2)
	}
	x, _ := l2.Index()
	if len(x.Manifests) != 2 {
		t.Fatalf("index: %+v", x.Manifests)
	}
	if _, err := l2.Resolve("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("%v, want ErrNotFound", err)
	}
	missing := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"}
	if err := l2.Tag("ghost", missing); err == nil {
		t.Fatal("tagged a manifest the store does not have")
	}
}

func TestRefusesOtherLayoutVersion(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "oci-layout"), []byte(`{"imageLayoutVersion":"2.0.0"}`), 0o644)
	if _, err := Open(root); err == nil {
		t.Fatal("opened a layout of an unknown version")
	}
}
