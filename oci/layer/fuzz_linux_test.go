package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzExtract feeds arbitrary blobs to the extractor in a target beside a
// canary directory: whatever the bytes, nothing outside the target may
// change, and the extractor returns (an error or not) without panicking.
// The seeds in testdata/fuzz/FuzzExtract are hostile layers (every
// breakout case, compressed ones, lying headers) and run with go test;
// go test -fuzz FuzzExtract ./oci/layer explores from them.
// MINIDOCKER_WRITE_CORPUS=1 go test -run TestWriteCorpus rewrites them.
func FuzzExtract(f *testing.F) {
	f.Fuzz(func(t *testing.T, blob []byte) {
		tmp := t.TempDir()
		canary := filepath.Join(tmp, "canary")
		dest := filepath.Join(tmp, "dest")
		mustMkdir(t, canary)
		mustMkdir(t, dest)
		mustWrite(t, filepath.Join(canary, "file"), "canary", 0o644)
		before := snapshot(t, tmp, dest)
		_, err := Extract(context.Background(), bytes.NewReader(blob), dest,
			WithRootless(true), WithLimits(Limits{Size: 64 << 20, Entries: 10000}))
		if err != nil && errors.Is(err, errStopped) {
			t.Fatalf("internal error leaked: %v", err)
		}
		after := snapshot(t, tmp, dest)
		for k, v := range before {
			if after[k] != v {
				t.Fatalf("%s changed: %q -> %q", k, v, after[k])
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok {
				t.Fatalf("%s made outside the target", k)
			}
		}
		// Leave the tree removable.
		filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})
}

// corpus is the seed corpus of FuzzExtract, by file name.
func corpus() map[string][]byte {
	c := map[string][]byte{}
	for _, bo := range breakouts {
		var es []entry
		if bo.lower != nil {
			es = bo.lower("/tmp/fuzz-victim")
		}
		c[bo.name] = tarOf(0, 0, append(es, bo.entries("/tmp/fuzz-victim")...)...)
	}
	c["gzip"] = gz(tarOf(0, 0, file("a", "b", 0o644), dir("d", 0o755), hardlink("a", "d/b")))
	c["zstd"] = zst(tarOf(0, 0, symlink("/", "r"), file("r/x", "y", 0o644)))
	var lie bytes.Buffer
	tw := tar.NewWriter(&lie)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "liar", Size: 1 << 40, Mode: 0o644})
	tw.Write([]byte("short"))
	c["lying-size"] = lie.Bytes()
	sp := tarOf(0, 0, file("x", "", 0o644))
	c["whiteouts"] = tarOf(0, 0, file(".wh.x", "", 0o644), file("d/.wh..wh..opq", "", 0o644), file("d/.wh..wh.plnk", "", 0o644))
	c["tiny"] = sp[:512]
	return c
}

func TestWriteCorpus(t *testing.T) {
	if os.Getenv("MINIDOCKER_WRITE_CORPUS") == "" {
		t.Skip("set MINIDOCKER_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzExtract")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzExtract")
	os.MkdirAll(dir, 0o755)
	for name, b := range corpus() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The checked-in corpus holds every breakout case.
func TestCorpusCurrent(t *testing.T) {
	for name, b := range corpus() {
		got, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzExtract", name))
		if err != nil {
			t.Fatalf("%v (MINIDOCKER_WRITE_CORPUS=1 go test -run TestWriteCorpus ./oci/layer)", err)
		}
		if want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b); string(got) != want {
			t.Errorf("%s is stale (MINIDOCKER_WRITE_CORPUS=1 go test -run TestWriteCorpus ./oci/layer)", name)
		}
	}
}
