package api

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// A container's stdout and stderr share one connection. Without a
// terminal the daemon frames them so that a client can tell them apart:
// each write becomes a frame of an 8-byte header and the bytes,
//
//	[8]byte{STREAM, 0, 0, 0, SIZE1, SIZE2, SIZE3, SIZE4} + SIZE bytes
//
// STREAM 0 is stdin (written back), 1 stdout, 2 stderr, and 3 (API 1.42)
// a last error from the daemon; SIZE is big-endian. With a terminal there
// is one stream, the terminal's, and no framing at all: the client's
// terminal is raw and gets every byte as it comes.
const (
	Stdin  byte = 0
	Stdout byte = 1
	Stderr byte = 2
	// Systemerr carries an error that ended the stream (API 1.42 on).
	Systemerr byte = 3

	frameHeader = 8
	// maxFrame is the largest frame a demultiplexer accepts: docker's
	// writer never makes one over 32 KiB, so a bigger SIZE is a stream out
	// of step, not a frame.
	maxFrame = 1 << 20
)

// FrameWriter writes each Write as one frame of its stream on w. Several
// FrameWriters may share w: a frame is written whole under mu.
type FrameWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	stream byte
}

// NewFrameWriters returns stdout and stderr writers that frame into w.
func NewFrameWriters(w io.Writer) (stdout, stderr *FrameWriter) {
	mu := new(sync.Mutex)
	return &FrameWriter{w: w, mu: mu, stream: Stdout}, &FrameWriter{w: w, mu: mu, stream: Stderr}
}

func (f *FrameWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), 32<<10)]
		buf := make([]byte, frameHeader+len(chunk))
		buf[0] = f.stream
		binary.BigEndian.PutUint32(buf[4:], uint32(len(chunk)))
		copy(buf[frameHeader:], chunk)
		if _, err := f.w.Write(buf); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// Demux reads a framed stream from r and copies each frame to stdout or
// stderr, until r ends. A frame of stream 3 ends it with that error.
func Demux(stdout, stderr io.Writer, r io.Reader) (written int64, err error) {
	var hdr [frameHeader]byte
	buf := make([]byte, 32<<10)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return written, nil
			}
			return written, fmt.Errorf("read stream frame: %w", err)
		}
		size := binary.BigEndian.Uint32(hdr[4:])
		if size > maxFrame {
			return written, fmt.Errorf("%w: %d bytes", ErrBadFrame, size)
		}
		if int(size) > len(buf) {
			buf = make([]byte, size)
		}
		if _, err := io.ReadFull(r, buf[:size]); err != nil {
			return written, fmt.Errorf("read stream frame: %w", err)
		}
		var w io.Writer
		switch hdr[0] {
		case Stdin, Stdout:
			w = stdout
		case Stderr:
			w = stderr
		case Systemerr:
			return written, fmt.Errorf("error from daemon in stream: %s", buf[:size])
		default:
			return written, fmt.Errorf("%w: stream %d", ErrBadFrame, hdr[0])
		}
		n, err := w.Write(buf[:size])
		written += int64(n)
		if err != nil {
			return written, err
		}
	}
}
