package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func TestWriteRead(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte(strings.Repeat("layer bytes ", 10000))
	for _, d := range []digest.Digest{digest.SHA256.FromBytes(blob), digest.SHA512.FromBytes(blob)} {
		if err := s.Write(d, int64(len(blob)), bytes.NewReader(blob)); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadAll(d, 1<<20)
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("read back %s: %v", d, err)
		}
		if n, err := s.Info(d); n != int64(len(blob)) || err != nil {
			t.Fatalf("info: %d %v", n, err)
		}
		p, _ := s.Path(d)
		if want := filepath.Join(s.Root(), "blobs", string(d.Algorithm()), d.Encoded()); p != want {
			t.Fatalf("path %s, want %s", p, want)
		}
	}
	var seen []digest.Digest
	s.Walk(func(d digest.Digest) error { seen = append(seen, d); return nil })
	if len(seen) != 2 {
		t.Fatalf("walk: %v", seen)
	}
	if _, err := s.ReadAll(digest.FromString("nope"), 10); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}
	if _, err := s.ReadAll(digest.SHA256.FromBytes(blob), 10); err == nil {
		t.Fatal("a blob over the read limit was read")
	}
}

func TestWriteRefusesWrongBytes(t *testing.T) {
	s, _ := Open(t.TempDir())
	blob := []byte("the real blob")
	d := digest.FromBytes(blob)
	for _, c := range []struct {
		name string
		d    digest.Digest
		size int64
		body string
		want error
	}{
		{"wrong digest", d, int64(len(blob)), "the fake blob", ErrDigestMismatch},
		{"short", d, int64(len(blob)), "the real", ErrSizeMismatch},
		{"long", d, int64(len(blob)), "the real blob and more", ErrSizeMismatch},
		{"size lies", d, 5, string(blob), ErrSizeMismatch},
		{"bad digest", "sha256:xyz", 1, "x", ErrInvalidDigest},
		{"unknown algorithm", "md5:d41d8cd98f00b204e9800998ecf8427e", 0, "", ErrInvalidDigest},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.Write(c.d, c.size, strings.NewReader(c.body))
			if !errors.Is(err, c.want) {
				t.Fatalf("%v, want %v", err, c.want)
			}
			if s.Has(d) {
				t.Fatal("a wrong blob was stored")
			}
			assertIngestEmpty(t, s)
		})
	}
}

func assertIngestEmpty(t *testing.T, s *Store) {
	t.Helper()
	left, _ := os.ReadDir(s.ingestDir())
	if len(left) > 0 {
		t.Fatalf("ingest/ holds %v", left)
	}
}

// A corrupt file in the store reads as a mismatch, not as the blob.
func TestReadVerifies(t *testing.T) {
	s, _ := Open(t.TempDir())
	d, err := s.WriteBytes([]byte("config json"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Path(d)
	os.Chmod(p, 0o644)
	os.WriteFile(p, []byte("config JSON"), 0o644)
	if _, err := s.ReadAll(d, 100); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("%v, want ErrDigestMismatch", err)
	}
	if err := s.Verify(d); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("verify: %v", err)
	}
}

// slowReader hands out its bytes a few at a time, so writers interleave.
type slowReader struct {
	b []byte
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 4096)], r.b)
	r.b = r.b[n:]
	time.Sleep(10 * time.Microsecond)
	return n, nil
}

func TestConcurrentWriters(t *testing.T) {
	s, _ := Open(t.TempDir())
	blob := bytes.Repeat([]byte("0123456789"), 100000)
	d := digest.FromBytes(blob)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Write(d, int64(len(blob)), &slowReader{blob})
		}()
	}
	// Readers meanwhile see no blob or the whole blob, never part of one.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			if b, err := s.ReadAll(d, 1<<30); err == nil && !bytes.Equal(b, blob) {
				t.Error("a reader saw a partial blob")
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Verify(d); err != nil {
		t.Fatal(err)
	}
	assertIngestEmpty(t, s)
}

// faultFS makes temp files that fail: on a write after n bytes, or on sync.
type faultFS struct {
	failAfter int
	failSync  bool
}

type faultFile struct {
	*os.File
	fs      *faultFS
	written int
}

func (f faultFS) CreateTemp(dir, pattern string) (tempFile, error) {
	file, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: &f}, nil
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.failAfter >= 0 && f.written+len(p) > f.fs.failAfter {
		n, _ := f.File.Write(p[:f.fs.failAfter-f.written])
		f.written += n
		return n, errors.New("injected: disk full")
	}
	n, err := f.File.Write(p)
	f.written += n
	return n, err
}

func (f *faultFile) Sync() error {
	if f.fs.failSync {
		return errors.New("injected: I/O error on fsync")
	}
	return f.File.Sync()
}

func TestFaultsLeaveNothing(t *testing.T) {
	blob := bytes.Repeat([]byte("x"), 1<<20)
	d := digest.FromBytes(blob)
	for _, f := range []faultFS{{failAfter: 0}, {failAfter: 300000}, {failAfter: -1, failSync: true}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			s, _ := Open(t.TempDir(), func(s *Store) { s.fs = f })
			if err := s.Write(d, int64(len(blob)), bytes.NewReader(blob)); err == nil || !strings.Contains(err.Error(), "injected") {
				t.Fatalf("error %v, want the injected one", err)
			}
			if s.Has(d) {
				t.Fatal("a failed write left a blob")
			}
			assertIngestEmpty(t, s)
		})
	}
}

// A process killed in the middle of a write leaves no blob: the
// partial file is in ingest/, never under blobs/.
func TestCrashMidWrite(t *testing.T) {
	if os.Getenv("CONTENT_CRASH_STORE") != "" {
		s, _ := Open(os.Getenv("CONTENT_CRASH_STORE"))
		r := &slowReader{bytes.Repeat([]byte("y"), 64<<20)}
		s.Write(digest.FromString("whatever"), 64<<20, r) // killed before the end
		return
	}
	root := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashMidWrite$")
	cmd.Env = append(os.Environ(), "CONTENT_CRASH_STORE="+root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the write to be under way, then kill the writer.
	for i := 0; ; i++ {
		es, _ := os.ReadDir(filepath.Join(root, "ingest"))
		if len(es) > 0 {
			break
		}
		if i > 500 {
			cmd.Process.Kill()
			t.Fatal("the writer never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	s.Walk(func(digest.Digest) error { n++; return nil })
	if n != 0 || s.Has(digest.FromString("whatever")) {
		t.Fatalf("%d blobs after a crash", n)
	}
	es, _ := os.ReadDir(filepath.Join(root, "ingest"))
	if len(es) != 1 {
		t.Fatalf("ingest: %v, want the partial write", es)
	}
}

// TestWriter: a blob written piece by piece can be read in ingest/ as it
// grows; Commit checks it, Close without Commit leaves nothing.
func TestWriter(t *testing.T) {
	s, _ := Open(t.TempDir())
	blob := []byte("first half, second half")
	d := digest.FromBytes(blob)
	w, err := s.Writer(d, int64(len(blob)))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(blob[:11])
	follow, err := os.ReadFile(w.Path())
	if err != nil || string(follow) != "first half," || w.Written() != 11 {
		t.Fatalf("the ingest file holds %q (%v), written %d", follow, err, w.Written())
	}
	if s.Has(d) {
		t.Fatal("a blob being written is visible")
	}
	if _, err := w.Write(append(blob[11:], '!')); !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("a write past the size: %v", err)
	}
	w.Write(blob[11:])
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(d); err != nil {
		t.Fatal(err)
	}
	assertIngestEmpty(t, s)

	other := digest.FromString("other")
	w, _ = s.Writer(other, 5)
	w.Write([]byte("oth"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("er")); err == nil {
		t.Fatal("a write after Close")
	}
	if err := w.Commit(); err == nil || s.Has(other) {
		t.Fatalf("a commit after Close: %v", err)
	}
	assertIngestEmpty(t, s)
	w, _ = s.Writer(other, -1)
	w.Write([]byte("not other"))
	if err := w.Commit(); !errors.Is(err, ErrDigestMismatch) || s.Has(other) {
		t.Fatalf("commit of wrong bytes: %v", err)
	}
	assertIngestEmpty(t, s)
}

// BenchmarkWrite: a 64 MiB blob into the store, hashed, fsync'd, renamed.
func BenchmarkWrite(b *testing.B) {
	s, _ := Open(b.TempDir())
	blob := bytes.Repeat([]byte("0123456789abcdef"), 4<<20)
	d := digest.FromBytes(blob)
	b.SetBytes(int64(len(blob)))
	for b.Loop() {
		if err := s.Write(d, int64(len(blob)), bytes.NewReader(blob)); err != nil {
			b.Fatal(err)
		}
		s.Delete(d)
	}
}
