package images_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry/registrytest"
	"github.com/minidocker/minidocker/unionfs"
)

func mustRef(t testing.TB, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openStore opens a store in a fresh directory, with vfs: every snapshot
// holds its whole tree, which the tests read without mounting.
func openStore(t testing.TB) (*images.Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := images.Open(root, images.WithDriver("vfs", t.Logf))
	if err != nil {
		t.Fatal(err)
	}
	return s, root
}

type entry struct {
	name, body string
	typ        byte
	link       string
}

func file(name, body string) entry { return entry{name: name, body: body, typ: tar.TypeReg} }
func dir(name string) entry        { return entry{name: name, typ: tar.TypeDir} }
func whiteout(name string) entry {
	d, b := filepath.Split(name)
	return entry{name: d + ".wh." + b, typ: tar.TypeReg}
}

// layerOf is a gzip'd layer tar and its diff ID.
func layerOf(entries ...entry) ([]byte, digest.Digest) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link,
			ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Format: tar.FormatPAX}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		tw.WriteHeader(h)
		tw.Write([]byte(e.body))
	}
	tw.Close()
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(tb.Bytes())
	zw.Close()
	return zb.Bytes(), digest.FromBytes(tb.Bytes())
}

// fakeImage is an image served by a fake registry.
type fakeImage struct {
	layers   [][]byte
	config   []byte
	manifest []byte
	digest   digest.Digest
}

// serveImage puts an image of the given layers on f as repo:tag.
func serveImage(f *registrytest.Fake, repo, tag string, layers ...[]entry) fakeImage {
	var img fakeImage
	var diffIDs []digest.Digest
	var descs []ocispec.Descriptor
	for _, l := range layers {
		b, diffID := layerOf(l...)
		img.layers = append(img.layers, b)
		diffIDs = append(diffIDs, diffID)
		descs = append(descs, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: f.AddBlob(b), Size: int64(len(b))})
	}
	created := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	img.config, _ = json.Marshal(ocispec.Image{Created: &created, Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		Config: ocispec.ImageConfig{Cmd: []string{"sh"}}, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}})
	cd := f.AddBlob(img.config)
	img.manifest, _ = json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(img.config))}, Layers: descs})
	img.digest = f.AddManifest(repo, tag, ocispec.MediaTypeImageManifest, img.manifest)
	return img
}

// tree lists the files under dir: path, type and mode, owner, content hash
// or link target. The root itself is left out.
func tree(t testing.TB, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		what := ""
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			what = "-> " + l
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			h := sha256.Sum256(b)
			what = hex.EncodeToString(h[:8])
		}
		lines = append(lines, fmt.Sprintf("%s %s %d:%d %s", rel, fi.Mode(), st.Uid, st.Gid, what))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// unpackedTree is the tree of an image's layers: with vfs, its top
// snapshot's, read through a view (a bind, not mounted here) removed after.
func unpackedTree(t testing.TB, s *images.Store, img *images.Image) string {
	t.Helper()
	ctx := context.Background()
	key := fmt.Sprintf("view-%d", time.Now().UnixNano())
	ms, err := s.Snapshotter().View(ctx, key, img.TopLayer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Snapshotter().Remove(ctx, key)
	if len(ms) != 1 || ms[0].Type != "bind" {
		t.Fatalf("view of %s: %+v, want one bind", img.TopLayer(), ms)
	}
	return tree(t, ms[0].Source)
}

// assertEmpty checks that the store holds no image, no blob, no
// snapshot, and nothing in ingest/.
func assertEmpty(t testing.TB, s *images.Store, root string) {
	t.Helper()
	ctx := context.Background()
	if l, err := s.List(ctx); err != nil || len(l) != 0 {
		var names []string
		for _, img := range l {
			names = append(names, img.Name.String())
		}
		t.Errorf("images left: %v %v", names, err)
	}
	var blobs []digest.Digest
	s.Content().Walk(func(d digest.Digest) error { blobs = append(blobs, d); return nil })
	if len(blobs) > 0 {
		t.Errorf("blobs left: %v", blobs)
	}
	assertClean(t, s, root)
	var snaps []string
	s.Snapshotter().Walk(ctx, func(i unionfs.Info) error { snaps = append(snaps, i.Name); return nil })
	if len(snaps) > 0 {
		t.Errorf("snapshots left: %v", snaps)
	}
}

// assertClean checks that no write is left half done (ingest/ is empty,
// no import spool) and that every blob in the store verifies.
func assertClean(t testing.TB, s *images.Store, root string) {
	t.Helper()
	if left, _ := os.ReadDir(filepath.Join(root, "content", "ingest")); len(left) > 0 {
		t.Errorf("ingest/ holds %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(root, "images", "import-*")); len(left) > 0 {
		t.Errorf("import spool files left: %v", left)
	}
	s.Content().Walk(func(d digest.Digest) error {
		if err := s.Content().Verify(d); err != nil {
			t.Errorf("blob %s: %v", d, err)
		}
		return nil
	})
}

// owner is how the layers' 0:0 files come out: as themselves for root,
// as the caller for a user (a rootless extraction keeps no ownership).
var owner = fmt.Sprintf("%d:%d", os.Geteuid(), os.Getegid())

func hash8(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
