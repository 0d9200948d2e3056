package layer

import (
	"bufio"
	"context"
	_ "crypto/sha256" // digest algorithms used by go-digest
	_ "crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// chunkSize is the unit the decompressing goroutine hands to the tar
// reader: large enough that the hand-off costs nothing per file.
const chunkSize = 1 << 20

// stream is the uncompressed tar stream, produced by its own goroutine:
// the blob is read and hashed, decompressed (in process, or by an external
// program), and the output hashed and counted, while the caller's
// goroutine parses tar and writes files.
type stream struct {
	full  chan []byte
	empty chan []byte
	quit  chan struct{}
	done  chan struct{}
	cur   []byte
	off   int

	// set by the producer before done is closed
	err         error
	compression Compression
	size, usize int64
	blob, diff  digest.Digest
	decomp      string // what decompressed
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func algorithm(d digest.Digest) digest.Algorithm {
	if d != "" && d.Algorithm().Available() {
		return d.Algorithm()
	}
	return digest.SHA256
}

// newStream starts the producer. blobAlg and diffAlg are the algorithms of
// the expected digests (sha256 when none is given).
func newStream(ctx context.Context, r io.Reader, o *options) *stream {
	s := &stream{
		full:  make(chan []byte, 8),
		empty: make(chan []byte, 10),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for range cap(s.empty) {
		s.empty <- make([]byte, chunkSize)
	}
	go s.produce(ctx, r, o)
	return s
}

func (s *stream) produce(ctx context.Context, r io.Reader, o *options) {
	defer close(s.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The diff ID is hashed by a goroutine of its own, between this one
	// and the consumer: decompressing and hashing overlap.
	dh := algorithm(o.diffID).Hash()
	toHash := make(chan []byte, 4)
	hashed := make(chan struct{})
	go s.hash(dh, toHash, hashed)
	hashing := true
	endHash := func() {
		if hashing {
			hashing = false
			close(toHash)
			<-hashed
		}
	}
	defer endHash()
	in := &hashingReader{r: r, h: algorithm(o.digest).Hash()}
	br := bufio.NewReaderSize(in, 1<<20)
	head, _ := br.Peek(10)
	c, err := Detect(head)
	if err != nil {
		s.err = err
		return
	}
	s.compression = c
	var dec io.Reader
	var wait func() error
	switch c {
	case Gzip:
		if prog := gzipProgram(o); prog != nil {
			dec, wait, err = startProgram(ctx, prog, br)
			s.decomp = prog[0]
		} else {
			var z *gzip.Reader
			z, err = gzip.NewReader(br)
			dec, s.decomp = z, "klauspost/compress/gzip"
		}
	case Zstd:
		// One goroutine: the other core is busy writing files and
		// hashing, and a second decoding goroutine only adds hand-offs.
		// The frame's xxhash is not checked: the blob's digest and the
		// diff ID already cover every byte, and skipping it saves 4%.
		var z *zstd.Decoder
		z, err = zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(false),
			zstd.WithDecoderMaxWindow(1<<30), zstd.IgnoreChecksum(true))
		if z != nil {
			defer z.Close()
		}
		dec, s.decomp = z, "klauspost/compress/zstd"
	default:
		dec, s.decomp = br, "none"
	}
	if err != nil {
		s.err = fmt.Errorf("start %s decompression: %w", c, err)
		return
	}
	if c == Uncompressed && algorithm(o.diffID) == algorithm(o.digest) {
		// The blob is the tar: hash it once.
		in.h = discardHash{dh}
	}
	err = s.pump(ctx, dec, toHash, o.limits.Size)
	if err != nil {
		cancel() // kills an external decompressor
	}
	if wait != nil {
		if werr := wait(); err == nil && werr != nil {
			err = werr
		}
	}
	if err == nil {
		// Hash what follows the compressed stream too: the digest is of
		// the whole blob.
		_, err = io.Copy(io.Discard, br)
	}
	endHash()
	s.err = err
	s.size = in.n
	if d, ok := in.h.(discardHash); ok {
		in.h = d.Hash
	}
	s.blob = digest.NewDigest(algorithm(o.digest), in.h)
	s.diff = digest.NewDigest(algorithm(o.diffID), dh)
}

// hash hashes the chunks on their way to the consumer.
func (s *stream) hash(h hash.Hash, in <-chan []byte, done chan<- struct{}) {
	defer close(done)
	defer close(s.full)
	for buf := range in {
		h.Write(buf)
		select {
		case s.full <- buf:
		case <-s.quit:
		}
	}
}

// pump moves the decompressed bytes, in chunks, to be hashed and read.
func (s *stream) pump(ctx context.Context, dec io.Reader, out chan<- []byte, limit int64) error {
	for {
		var buf []byte
		select {
		case buf = <-s.empty:
		case <-s.quit:
			return errStopped
		case <-ctx.Done():
			return ctx.Err()
		}
		n, err := fill(dec, buf[:cap(buf)])
		if n > 0 {
			s.usize += int64(n)
			if s.usize > limit {
				return fmt.Errorf("uncompressed stream over %d bytes: %w", limit, ErrLimit)
			}
			select {
			case out <- buf[:n]:
			case <-s.quit:
				return errStopped
			}
		}
		switch err {
		case nil:
		case io.EOF:
			return nil
		default:
			return fmt.Errorf("decompress: %w", err)
		}
	}
}

// fill reads into buf until it is full or the reader fails; a reader's
// io.ErrUnexpectedEOF (a truncated blob) stays an error.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// discardHash stands in for a hash whose input another place writes.
type discardHash struct{ hash.Hash }

func (discardHash) Write(p []byte) (int, error) { return len(p), nil }

var errStopped = errors.New("extraction stopped")

// Read is the consumer's side, for the tar reader.
func (s *stream) Read(p []byte) (int, error) {
	for s.off == len(s.cur) {
		if s.cur != nil {
			s.empty <- s.cur[:cap(s.cur)]
			s.cur, s.off = nil, 0
		}
		buf, ok := <-s.full
		if !ok {
			<-s.done
			if s.err != nil {
				return 0, s.err
			}
			return 0, io.EOF
		}
		s.cur, s.off = buf, 0
	}
	n := copy(p, s.cur[s.off:])
	s.off += n
	return n, nil
}

// finish reads the rest of the stream (the tar's end padding, for the
// diff ID) and waits for the producer.
func (s *stream) finish() error {
	_, err := io.Copy(io.Discard, s)
	return err
}

// stop ends the producer early, after an extraction error.
func (s *stream) stop() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	for range s.full {
	}
	<-s.done
}

// gzipPrograms are tried in order: igzip (ISA-L) decompresses about three
// times as fast as gzip; unpigz moves checksumming and I/O to threads of
// their own. containerd uses unpigz the same way.
var gzipPrograms = [][]string{{"igzip", "-d", "-c"}, {"unpigz", "-d", "-c"}, {"pigz", "-d", "-c"}}

func gzipProgram(o *options) []string {
	if !o.external {
		return nil
	}
	for _, p := range gzipPrograms {
		if path, err := exec.LookPath(p[0]); err == nil {
			return append([]string{path}, p[1:]...)
		}
	}
	return nil
}

// startProgram runs argv with in on its stdin, returning its stdout.
// The pipes are made 1 MiB deep: at the default 64 KiB, the program and
// this process take turns hundreds of times a second.
func startProgram(ctx context.Context, argv []string, in io.Reader) (io.Reader, func() error, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, nil, err
	}
	setPipeSize(inW, 1<<20)
	setPipeSize(outR, 1<<20)
	cmd.Stdin, cmd.Stdout = inR, outW
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, nil, err
	}
	fed := make(chan error, 1)
	go func() {
		_, err := io.CopyBuffer(inW, in, make([]byte, 1<<20))
		inW.Close()
		fed <- err
	}()
	wait := func() error {
		// Unblock the feeder if the consumer stopped early.
		io.Copy(io.Discard, outR)
		ferr := <-fed
		outR.Close()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("%s: %w: %s", argv[0], err, stderr.String())
		}
		if ferr != nil {
			return fmt.Errorf("feed %s: %w", argv[0], ferr)
		}
		return nil
	}
	return outR, wait, nil
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
