package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/layout"
	"github.com/minidocker/minidocker/testscript"
)

// The pull benchmark's image: a busybox base and the generated toolchain
// layer cut in four, like an image that adds a Go or JDK install over a
// few RUN steps. Made once, deterministically, into an OCI layout per
// compression (pull-v1/gzip, pull-v1/zstd) under the cache.
const pullImageVersion = "pull-v1"

// pullImage is the image's layouts and, for the floors, its layer files.
type pullImage struct {
	Layouts map[string]string   // compression -> OCI layout dir (tag "bench")
	Layers  map[string][]string // compression -> layer files, bottom first
	Size    map[string]int64    // compression -> bytes of all layers
}

var pullCompressions = []string{"gzip", "zstd"}

func makePullImage(cacheDir string, toolchain layerFiles) (*pullImage, error) {
	dir := filepath.Join(cacheDir, pullImageVersion)
	img := &pullImage{Layouts: map[string]string{}, Layers: map[string][]string{}, Size: map[string]int64{}}
	names := []string{"base", "t1", "t2", "t3", "t4"}
	done := filepath.Join(dir, "done")
	for _, c := range pullCompressions {
		img.Layouts[c] = filepath.Join(dir, c)
		for _, n := range names {
			img.Layers[c] = append(img.Layers[c], filepath.Join(dir, n+".tar."+map[string]string{"gzip": "gz", "zstd": "zst"}[c]))
		}
	}
	sizes := func() {
		for _, c := range pullCompressions {
			for _, l := range img.Layers[c] {
				if st, err := os.Stat(l); err == nil {
					img.Size[c] += st.Size()
				}
			}
		}
	}
	if _, err := os.Stat(done); err == nil {
		sizes()
		return img, nil
	}
	fmt.Fprintf(os.Stderr, "generating the pull benchmark's image in %s ...\n", dir)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tars := []string{filepath.Join(dir, "base.tar")}
	if err := baseLayer(tars[0], filepath.Join(dir, "rootfs")); err != nil {
		return nil, err
	}
	parts, err := splitLayer(toolchain.Tar, filepath.Join(dir, "t"), 4)
	if err != nil {
		return nil, err
	}
	tars = append(tars, parts...)
	for _, c := range pullCompressions {
		for i, t := range tars {
			if err := compressFile(t, img.Layers[c][i], c); err != nil {
				return nil, err
			}
		}
		if err := writeLayout(img.Layouts[c], tars, img.Layers[c], c); err != nil {
			return nil, err
		}
	}
	for _, t := range tars {
		os.Remove(t)
	}
	sizes()
	return img, os.WriteFile(done, nil, 0o644)
}

// baseLayer tars a busybox rootfs with GNU tar, sorted and with fixed
// times, so the same bytes come out each time.
func baseLayer(dst, rootfs string) error {
	if err := testscript.MkRootfs(rootfs); err != nil {
		return err
	}
	defer os.RemoveAll(rootfs)
	out, err := exec.Command("tar", "--sort=name", "--mtime=@1767225600", "--numeric-owner", "--owner=0", "--group=0",
		"-C", rootfs, "-cf", dst, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("tar the base layer: %v: %s", err, out)
	}
	return nil
}

// splitLayer cuts the tar src into n tars of about equal size, in archive
// order, named prefix1.tar ... A hard link to a file of an earlier part
// becomes a copy of that file: a layer's hard link cannot reach into the
// layers below it.
func splitLayer(src, prefix string, n int) ([]string, error) {
	total, links, err := scanTar(src)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var outs []string
	var out *os.File
	var tw *tar.Writer
	part, done := 0, int64(0)
	partOf := map[string]int{}
	kept := map[string][]byte{} // contents of hard links' targets
	hdrs := map[string]*tar.Header{}
	closePart := func() error {
		if tw == nil {
			return nil
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return out.Close()
	}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if tw == nil || (done >= total*int64(part)/int64(n) && part < n) {
			if err := closePart(); err != nil {
				return nil, err
			}
			part++
			name := fmt.Sprintf("%s%d.tar", prefix, part)
			if out, err = os.Create(name); err != nil {
				return nil, err
			}
			tw = tar.NewWriter(out)
			outs = append(outs, name)
		}
		var body []byte
		if hdr.Typeflag == tar.TypeReg {
			if body, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
			if links[hdr.Name] {
				kept[hdr.Name], hdrs[hdr.Name] = body, hdr
			}
		}
		if hdr.Typeflag == tar.TypeLink && partOf[hdr.Linkname] != part {
			t := hdrs[hdr.Linkname]
			if t == nil {
				return nil, fmt.Errorf("split %s: hard link %s to %s, not seen before", src, hdr.Name, hdr.Linkname)
			}
			cp := *t
			cp.Name = hdr.Name
			hdr, body = &cp, kept[hdr.Linkname]
		}
		partOf[hdr.Name] = part
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(body); err != nil {
			return nil, err
		}
		done += hdr.Size
	}
	return outs, closePart()
}

// scanTar adds up the sizes of src's entries and finds its hard links'
// targets.
func scanTar(src string) (int64, map[string]bool, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var total int64
	links := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return total, links, nil
		}
		if err != nil {
			return 0, nil, err
		}
		total += hdr.Size
		if hdr.Typeflag == tar.TypeLink {
			links[hdr.Linkname] = true
		}
	}
}

func compressFile(src, dst, compression string) error {
	return writeAtomic(dst, func(w io.Writer) error {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		var zw io.WriteCloser
		switch compression {
		case "gzip":
			zw, err = gzip.NewWriterLevel(w, 6)
		case "zstd":
			zw, err = zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		default:
			err = errors.New("unknown compression " + compression)
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(zw, in); err != nil {
			return err
		}
		return zw.Close()
	})
}

// writeLayout makes an OCI layout holding the image, tagged "bench".
func writeLayout(dir string, tars, blobs []string, compression string) error {
	l, err := layout.Open(dir)
	if err != nil {
		return err
	}
	mt := map[string]string{"gzip": ocispec.MediaTypeImageLayerGzip, "zstd": ocispec.MediaTypeImageLayerZstd}[compression]
	var layers []ocispec.Descriptor
	var diffIDs []digest.Digest
	for i, blob := range blobs {
		d, size, err := digestFile(blob)
		if err != nil {
			return err
		}
		f, err := os.Open(blob)
		if err != nil {
			return err
		}
		err = l.Store.Write(d, size, f)
		f.Close()
		if err != nil {
			return err
		}
		diffID, _, err := digestFile(tars[i])
		if err != nil {
			return err
		}
		layers = append(layers, ocispec.Descriptor{MediaType: mt, Digest: d, Size: size})
		diffIDs = append(diffIDs, diffID)
	}
	cfg, _ := json.Marshal(ocispec.Image{
		Platform: ocispec.Platform{Architecture: runtime.GOARCH, OS: "linux"},
		Config:   ocispec.ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
	})
	cd, err := l.Store.WriteBytes(cfg)
	if err != nil {
		return err
	}
	m, _ := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(cfg))},
		Layers:    layers,
	})
	md, err := l.Store.WriteBytes(m)
	if err != nil {
		return err
	}
	return l.Tag("bench", ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(m))})
}

func digestFile(p string) (digest.Digest, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	dg := digest.SHA256.Digester()
	n, err := io.Copy(dg.Hash(), f)
	return dg.Digest(), n, err
}
