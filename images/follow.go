package images

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// spool is a blob being downloaded into the content store, readable while
// it grows: the extractor follows the download in the file the store
// writes, so the layer is unpacked as it arrives, with no second copy.
// The file is opened for reading before the first byte is written; the
// store's rename at commit does not disturb that descriptor.
type spool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File // the ingest file, opened for reading
	written int64
	done    bool
	err     error // the download's outcome once done: nil means committed
}

func newSpool() *spool {
	s := &spool{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// start hands the spool its file.
func (s *spool) start(f *os.File) {
	s.mu.Lock()
	s.f = f
	s.mu.Unlock()
	s.cond.Broadcast()
}

// wrote says n more bytes are in the file.
func (s *spool) wrote(n int64) {
	s.mu.Lock()
	s.written += n
	s.mu.Unlock()
	s.cond.Broadcast()
}

// finish ends the download: err nil when the blob was verified and
// committed, the reason otherwise.
func (s *spool) finish(err error) {
	s.mu.Lock()
	s.done, s.err = true, err
	s.mu.Unlock()
	s.cond.Broadcast()
}

// close releases the file once neither side needs it.
func (s *spool) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// reader reads the blob from the start, waiting for bytes not yet
// written; it ends with io.EOF only once the download is committed, and
// with the download's error if it failed. A cancelled ctx ends it too.
func (s *spool) reader(ctx context.Context) io.Reader {
	r := &spoolReader{s: s}
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		r.cancelled = ctx.Err()
		s.mu.Unlock()
		s.cond.Broadcast()
	})
	r.stop = stop
	return r
}

type spoolReader struct {
	s         *spool
	off       int64
	cancelled error
	stop      func() bool
}

var errSpoolClosed = errors.New("download closed")

func (r *spoolReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	for r.cancelled == nil && (s.f == nil && !s.done || s.f != nil && r.off == s.written && !s.done) {
		s.cond.Wait()
	}
	f, avail, done, err, cancelled := s.f, s.written-r.off, s.done, s.err, r.cancelled
	s.mu.Unlock()
	switch {
	case cancelled != nil:
		return 0, cancelled
	case done && err != nil:
		return 0, err
	case avail == 0 && done:
		r.stop()
		return 0, io.EOF
	case f == nil:
		return 0, errSpoolClosed
	}
	if int64(len(p)) > avail {
		p = p[:avail]
	}
	n, rerr := f.ReadAt(p, r.off)
	r.off += int64(n)
	if rerr == io.EOF && n > 0 {
		rerr = nil
	}
	return n, rerr
}
