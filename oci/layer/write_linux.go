package layer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sys/unix"
)

// maxQueued is the largest file whose contents are read into memory and
// written by a worker; larger ones are written in line, in chunks.
const maxQueued = 256 << 10

// Buffers for queued files, by power-of-two size class.
var bufPools [19]sync.Pool // up to 256 KiB

func class(n int) int {
	c := 0
	for 1<<c < n {
		c++
	}
	return c
}

func getBuf(n int) []byte {
	c := class(n)
	if b, ok := bufPools[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, 1<<c)
}

func putBuf(b []byte) {
	c := class(cap(b))
	if cap(b) != 1<<c || c >= len(bufPools) {
		return
	}
	bufPools[c].Put(&b)
}

// job is a created file waiting for its contents and metadata.
type job struct {
	name string
	fd   int
	data []byte
	meta meta
}

// pool writes queued files. Opening stays with the tar reader's goroutine
// (entries must exist in archive order: a later hard link or whiteout
// refers to them), the rest of a small file's syscalls run here.
//
// Jobs go in batches: a hand-off between goroutines per small file costs
// about what writing it does.
type pool struct {
	n     int
	jobs  chan []job
	batch []job
	bytes int
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
}

const (
	batchFiles = 64
	batchBytes = 4 << 20
)

func newPool(n int) *pool {
	p := &pool{n: n, jobs: make(chan []job, 8)}
	for range n {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

func (p *pool) work() {
	defer p.wg.Done()
	var x extractor
	for batch := range p.jobs {
		for _, j := range batch {
			err := writeAll(j.fd, j.data)
			if err == nil {
				err = x.finishFile(j.fd, &j.meta)
			}
			unix.Close(j.fd)
			putBuf(j.data)
			if err != nil {
				p.mu.Lock()
				if p.err == nil {
					p.err = fmt.Errorf("%s: %w", j.name, err)
				}
				p.mu.Unlock()
			}
		}
	}
}

func (p *pool) submit(j job) {
	if p.batch == nil {
		p.batch = make([]job, 0, batchFiles)
	}
	p.batch = append(p.batch, j)
	p.bytes += len(j.data)
	if len(p.batch) == batchFiles || p.bytes >= batchBytes {
		p.flush()
	}
}

func (p *pool) flush() {
	if len(p.batch) > 0 {
		p.jobs <- p.batch
		p.batch, p.bytes = nil, 0
	}
}

func (p *pool) failed() error {
	if p.n == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// wait closes the queue and waits for every queued file.
func (p *pool) wait() error {
	p.flush()
	close(p.jobs)
	p.wg.Wait()
	return p.err
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

const holeBlock = 4096

// copyTo writes size bytes from r to fd; for a sparse entry, runs of
// zero blocks are skipped (holes) and the size set with ftruncate.
func copyTo(fd int, r io.Reader, buf []byte, size int64, sparse bool) error {
	var off int64
	for off < size {
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), size-off)])
		if n > 0 {
			if sparse {
				err2 := writeSparse(fd, buf[:n], off)
				if err2 != nil {
					return err2
				}
			} else if err2 := writeAll(fd, buf[:n]); err2 != nil {
				return err2
			}
			off += int64(n)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read contents: %w", err)
		}
	}
	if sparse {
		if err := unix.Ftruncate(fd, size); err != nil {
			return fmt.Errorf("truncate sparse file: %w", err)
		}
	}
	return nil
}

var zeros [holeBlock]byte

func writeSparse(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n := min(len(b), holeBlock)
		if n == holeBlock && bytes.Equal(b[:n], zeros[:]) {
			b, off = b[n:], off+int64(n)
			continue
		}
		w, err := unix.Pwrite(fd, b[:n], off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b, off = b[w:], off+int64(w)
	}
	return nil
}
