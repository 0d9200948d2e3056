package content

import (
	"bytes"
	_ "crypto/sha256" // digest algorithms for go-digest
	_ "crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
)

// Store keeps blobs under root/blobs/ALG/HEX; writes in progress live in
// root/ingest until they are complete and checked.
type Store struct {
	root string
	fs   fileSystem
}

// Option configures a Store.
type Option func(*Store)

// fileSystem is the seam tests use to inject faults into writes.
type fileSystem interface {
	CreateTemp(dir, pattern string) (tempFile, error)
}

type tempFile interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
}

type osFS struct{}

func (osFS) CreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// Open opens (making it if need be) the store at root. Writes a crash
// left in ingest/ an hour ago or more are removed: they were never blobs
// (younger ones may be another process's writes in progress).
func Open(root string, opts ...Option) (*Store, error) {
	s := &Store{root: root, fs: osFS{}}
	for _, o := range opts {
		o(s)
	}
	for _, d := range []string{s.ingestDir(), filepath.Join(root, "blobs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open content store: %w", err)
		}
	}
	stale, _ := filepath.Glob(filepath.Join(s.ingestDir(), "*"))
	for _, p := range stale {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(p)
		}
	}
	return s, nil
}

// Root is the store's directory.
func (s *Store) Root() string { return s.root }

func (s *Store) ingestDir() string { return filepath.Join(s.root, "ingest") }

// Path is where the blob d is (or would be) kept.
func (s *Store) Path(d digest.Digest) (string, error) {
	if err := validate(d); err != nil {
		return "", err
	}
	return filepath.Join(s.root, "blobs", string(d.Algorithm()), d.Encoded()), nil
}

func validate(d digest.Digest) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%q: %w: %v", d, ErrInvalidDigest, err)
	}
	if a := d.Algorithm(); a != digest.SHA256 && a != digest.SHA512 {
		return fmt.Errorf("%q: %w: algorithm %s not supported (sha256, sha512)", d, ErrInvalidDigest, a)
	}
	return nil
}

// Info is the size of the blob d, or ErrNotFound.
func (s *Store) Info(d digest.Digest) (int64, error) {
	p, err := s.Path(d)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("%s: %w", d, ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// Has reports whether the blob d is in the store.
func (s *Store) Has(d digest.Digest) bool {
	_, err := s.Info(d)
	return err == nil
}

// Write stores the blob read from r under d, checking that r holds
// exactly size bytes (size < 0: any) that hash to d. Nothing is stored
// on an error. Writing a blob the store has is a no-op (r is not read);
// two writers of one blob both succeed, and the blob is whole.
func (s *Store) Write(d digest.Digest, size int64, r io.Reader) error {
	if err := validate(d); err != nil {
		return err
	}
	if s.has(d, size) {
		return nil
	}
	w, err := s.Writer(d, size)
	if err != nil {
		return err
	}
	defer w.Close()
	// In 256 KiB pieces, each hashed while it is in the cache (a reader
	// with WriteTo would hand over the whole blob at once).
	if _, err := io.CopyBuffer(w, struct{ io.Reader }{r}, make([]byte, 256<<10)); err != nil {
		return err
	}
	return w.Commit()
}

// has reports whether the blob d is stored with size bytes (size < 0: any).
func (s *Store) has(d digest.Digest, size int64) bool {
	p, err := s.Path(d)
	if err != nil {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && (size < 0 || st.Size() == size)
}

// Writer is a blob being written, containerd's content.Writer: the bytes
// go to a file of their own in ingest/, hashed and counted as they come;
// Commit checks them and renames the file into place, Close without
// Commit throws it away. A reader may follow the write in the file at
// Path (the pull pipeline extracts a layer while it downloads).
type Writer struct {
	s    *Store
	d    digest.Digest
	size int64
	f    tempFile
	h    hash.Hash
	n    int64
	done bool
}

// Writer starts writing the blob d of size bytes (size < 0: any).
func (s *Store) Writer(d digest.Digest, size int64) (*Writer, error) {
	dst, err := s.Path(d)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, fmt.Errorf("write blob %s: %w", d, err)
	}
	f, err := s.fs.CreateTemp(s.ingestDir(), d.Encoded()[:12]+"-*")
	if err != nil {
		return nil, fmt.Errorf("write blob %s: %w", d, err)
	}
	return &Writer{s: s, d: d, size: size, f: f, h: d.Algorithm().Hash()}, nil
}

// Write adds p to the blob; more bytes than the size is ErrSizeMismatch.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("write blob %s: writer closed", w.d)
	}
	if w.size >= 0 && w.n+int64(len(p)) > w.size {
		return 0, fmt.Errorf("write blob %s: more than %d bytes: %w", w.d, w.size, ErrSizeMismatch)
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("write blob %s: %w", w.d, err)
	}
	return n, nil
}

// Written is how many bytes were written so far.
func (w *Writer) Written() int64 { return w.n }

// Path is the file in ingest/ the bytes are written to.
func (w *Writer) Path() string { return w.f.Name() }

// Commit checks the size and the digest, and makes the blob visible.
// On an error nothing is stored, and the writer is closed.
func (w *Writer) Commit() error {
	if w.done {
		return fmt.Errorf("write blob %s: writer closed", w.d)
	}
	defer w.Close()
	d := w.d
	if w.size >= 0 && w.n != w.size {
		return fmt.Errorf("write blob %s: %d bytes, want %d: %w", d, w.n, w.size, ErrSizeMismatch)
	}
	if got := digest.NewDigest(d.Algorithm(), w.h); got != d {
		return fmt.Errorf("write blob %s: got %s: %w", d, got, ErrDigestMismatch)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("write blob %s: sync: %w", d, err)
	}
	w.done = true
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("write blob %s: %w", d, err)
	}
	dst, _ := w.s.Path(d)
	// rename is atomic: a reader sees no blob or the whole blob.
	err := os.Chmod(w.f.Name(), 0o444)
	if err == nil {
		err = os.Rename(w.f.Name(), dst)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("write blob %s: %w", d, err)
	}
	return syncDir(filepath.Dir(dst))
}

// Close throws the write away, unless it was committed.
func (w *Writer) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}

// WriteBytes stores b, returning its sha256 digest.
func (s *Store) WriteBytes(b []byte) (digest.Digest, error) {
	d := digest.FromBytes(b)
	return d, s.Write(d, int64(len(b)), bytes.NewReader(b))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open returns a reader of the blob d that checks, when it reaches the
// end, that the bytes hash to d: a corrupt blob reads as
// ErrDigestMismatch instead of io.EOF.
func (s *Store) Open(d digest.Digest) (io.ReadSeekCloser, int64, error) {
	p, err := s.Path(d)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("%s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return &verifier{f: f, d: d, h: d.Algorithm().Hash()}, st.Size(), nil
}

// ReadAll reads the whole blob d, checked; limit bounds its size (a
// manifest or config is read into memory: a huge one is refused).
func (s *Store) ReadAll(d digest.Digest, limit int64) ([]byte, error) {
	r, size, err := s.Open(d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if size > limit {
		return nil, fmt.Errorf("blob %s: %d bytes, more than the %d allowed here", d, size, limit)
	}
	return io.ReadAll(r)
}

// Delete removes the blob d.
func (s *Store) Delete(d digest.Digest) error {
	p, err := s.Path(d)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", d, ErrNotFound)
	} else if err != nil {
		return err
	}
	return nil
}

// Walk calls fn for every blob's digest.
func (s *Store) Walk(fn func(digest.Digest) error) error {
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA512} {
		es, err := os.ReadDir(filepath.Join(s.root, "blobs", string(alg)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range es {
			d := digest.NewDigestFromEncoded(alg, e.Name())
			if d.Validate() != nil {
				continue
			}
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// verifier hashes what is read; at EOF, the digest must match. A seek
// (for a reader that jumps) turns the check off: whoever seeks reads
// parts, and must verify otherwise (Store.Verify).
type verifier struct {
	f       *os.File
	d       digest.Digest
	h       hash.Hash
	seeked  bool
	checked bool
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	if !v.seeked {
		v.h.Write(p[:n])
	}
	if err == io.EOF && !v.seeked && !v.checked {
		v.checked = true
		if got := digest.NewDigest(v.d.Algorithm(), v.h); got != v.d {
			return n, fmt.Errorf("read blob %s: got %s: %w", v.d, got, ErrDigestMismatch)
		}
	}
	return n, err
}

func (v *verifier) Seek(off int64, whence int) (int64, error) {
	v.seeked = true
	return v.f.Seek(off, whence)
}

func (v *verifier) Close() error { return v.f.Close() }

// Verify reads the blob d through and checks its digest.
func (s *Store) Verify(d digest.Digest) error {
	r, _, err := s.Open(d)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(io.Discard, r)
	return err
}
