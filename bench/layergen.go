package main

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// The generated layer looks like a toolchain layer (a Go or JDK install):
// about 17,000 files in 1,400 directories, most of them small source
// files, some medium, a few large binaries; symlinks and hard links among
// them; about 250 MB, compressing about 3.5:1. Same bytes on every
// machine: a fixed seed, no timestamps from the clock.
const (
	genSeed    = 6
	genVersion = "v1" // bump when the generator changes: the cache is by name
)

type sizeClass struct {
	count    int
	min, max int
	binary   bool
}

var genClasses = []sizeClass{
	{12000, 200, 6 << 10, false},
	{4000, 6 << 10, 28 << 10, false},
	{930, 28 << 10, 110 << 10, false},
	{70, 256 << 10, 2 << 20, true},
}

var genTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// layerFiles are the generated layer in each form, made once under dir.
type layerFiles struct{ Tar, Gzip, Zstd string }

func generateLayer(dir string) (layerFiles, error) {
	base := filepath.Join(dir, "layer-"+genVersion)
	lf := layerFiles{Tar: base + ".tar", Gzip: base + ".tar.gz", Zstd: base + ".tar.zst"}
	if _, err := os.Stat(lf.Zstd); err == nil {
		return lf, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return lf, err
	}
	fmt.Fprintf(os.Stderr, "generating %s ...\n", lf.Tar)
	if err := writeAtomic(lf.Tar, func(w io.Writer) error { return writeLayerTar(w) }); err != nil {
		return lf, err
	}
	compress := func(dst string, wrap func(io.Writer) (io.WriteCloser, error)) error {
		return writeAtomic(dst, func(w io.Writer) error {
			in, err := os.Open(lf.Tar)
			if err != nil {
				return err
			}
			defer in.Close()
			zw, err := wrap(w)
			if err != nil {
				return err
			}
			if _, err := io.Copy(zw, in); err != nil {
				return err
			}
			return zw.Close()
		})
	}
	if err := compress(lf.Gzip, func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriterLevel(w, 6) }); err != nil {
		return lf, err
	}
	if err := compress(lf.Zstd, func(w io.Writer) (io.WriteCloser, error) {
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	}); err != nil {
		return lf, err
	}
	return lf, nil
}

func writeAtomic(dst string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(dst), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dst)
}

func writeLayerTar(w io.Writer) error {
	rng := rand.New(rand.NewPCG(genSeed, genSeed))
	words := make([]string, 3000)
	for i := range words {
		n := 2 + rng.IntN(9)
		b := make([]byte, n)
		for j := range b {
			b[j] = "etaoinshrdlucmfwypvbgkqjxz_"[min(rng.IntN(27), rng.IntN(27))]
		}
		words[i] = string(b)
	}
	tw := tar.NewWriter(w)
	hdr := func(h *tar.Header) error {
		h.ModTime, h.Format = genTime, tar.FormatPAX
		return tw.WriteHeader(h)
	}
	// Directories: a tree three or four levels deep.
	dirs := []string{"usr/", "usr/lib/", "usr/lib/toolchain/"}
	for _, d := range dirs {
		if err := hdr(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755}); err != nil {
			return err
		}
	}
	for len(dirs) < 1400 {
		parent := dirs[2+rng.IntN(len(dirs)-2)]
		d := fmt.Sprintf("%s%s%d/", parent, words[rng.IntN(len(words))], len(dirs))
		if len(d) > 200 {
			continue
		}
		dirs = append(dirs, d)
		if err := hdr(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755}); err != nil {
			return err
		}
	}
	body := make([]byte, 0, 2<<20)
	var files []string
	n := 0
	for _, c := range genClasses {
		for range c.count {
			size := c.min + rng.IntN(c.max-c.min)
			body = body[:0]
			if c.binary {
				body = binaryBody(rng, body, size)
			} else {
				body = textBody(rng, words, body, size)
			}
			d := dirs[2+rng.IntN(len(dirs)-2)]
			name := fmt.Sprintf("%s%s_%d.%s", d, words[rng.IntN(len(words))], n, []string{"go", "h", "c", "s", "txt"}[rng.IntN(5)])
			mode := int64(0o644)
			if c.binary {
				mode = 0o755
			}
			n++
			files = append(files, name)
			if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}); err != nil {
				return err
			}
			if _, err := tw.Write(body); err != nil {
				return err
			}
		}
	}
	for i := range 200 {
		if err := hdr(&tar.Header{Typeflag: tar.TypeSymlink, Name: fmt.Sprintf("usr/lib/toolchain/link%d", i),
			Linkname: "/" + files[rng.IntN(len(files))], Mode: 0o777}); err != nil {
			return err
		}
	}
	for i := range 50 {
		if err := hdr(&tar.Header{Typeflag: tar.TypeLink, Name: fmt.Sprintf("usr/lib/toolchain/hard%d", i),
			Linkname: files[rng.IntN(len(files))], Mode: 0o644}); err != nil {
			return err
		}
	}
	return tw.Close()
}

// textBody is source-like text: lines of words from a small vocabulary.
func textBody(rng *rand.Rand, words []string, b []byte, size int) []byte {
	indent := 0
	for len(b) < size {
		for range indent {
			b = append(b, '\t')
		}
		for k := 3 + rng.IntN(8); k > 0; k-- {
			b = append(b, words[rng.IntN(rng.IntN(len(words))+1)]...)
			b = append(b, " (){}.,=;:"[rng.IntN(10)])
		}
		b = append(b, '\n')
		indent = max(0, min(4, indent+rng.IntN(3)-1))
	}
	return b[:size]
}

// binaryBody is machine-code-like: random bytes with repeats of earlier
// stretches, compressing about 2.5:1.
func binaryBody(rng *rand.Rand, b []byte, size int) []byte {
	for len(b) < size {
		if len(b) > 1024 && rng.IntN(3) != 0 {
			n := 8 + rng.IntN(120)
			off := len(b) - 1 - rng.IntN(min(len(b)-1, 32<<10))
			for i := 0; i < n; i++ {
				b = append(b, b[off+i%(len(b)-off)])
			}
			continue
		}
		for range 4 + rng.IntN(28) {
			b = append(b, byte(rng.Uint32()&0x7f))
		}
	}
	return b[:size]
}
