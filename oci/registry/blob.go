package registry

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// BlobExists asks (HEAD) whether the repository has the blob d, and its size.
func (r *Repository) BlobExists(ctx context.Context, d digest.Digest, push bool) (bool, int64, error) {
	scopes := r.pullScope()
	if push {
		scopes = r.pushScope() // one token for the whole push
	}
	q := &request{method: http.MethodHead, url: r.url(r.ref.Path + "/blobs/" + d.String()), scopes: scopes,
		expect: []int{http.StatusOK, http.StatusNotFound}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return false, 0, fmt.Errorf("blob %s in %s: %w", d, r.ref.Name(), err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.ContentLength, nil
}

// Blob opens the blob desc. The reader checks the bytes as they come: the
// Read that reaches desc.Size bytes returns io.EOF only if they hash to
// desc.Digest, an error wrapping ErrDigestMismatch otherwise, and a body
// that is longer or shorter is ErrSizeMismatch. A connection that drops
// mid-blob is picked up again where it stopped, with a Range request.
func (r *Repository) Blob(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if err := desc.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("blob %q: %w", desc.Digest, err)
	}
	b := &blobReader{ctx: ctx, r: r, desc: desc, h: desc.Digest.Algorithm().Hash()}
	if err := b.open(); err != nil {
		return nil, err
	}
	return b, nil
}

type blobReader struct {
	ctx     context.Context
	r       *Repository
	desc    ocispec.Descriptor
	h       hash.Hash
	body    io.ReadCloser
	off     int64
	resumes int
	err     error // sticky: once failed, failed
}

func (b *blobReader) where() string {
	return fmt.Sprintf("blob %s from %s", b.desc.Digest, b.r.ref.Name())
}

// open (re)starts the GET at b.off.
func (b *blobReader) open() error {
	q := &request{method: http.MethodGet, url: b.r.url(b.r.ref.Path + "/blobs/" + b.desc.Digest.String()),
		scopes: b.r.pullScope(), header: http.Header{}, expect: []int{http.StatusOK}}
	if b.off > 0 {
		q.header.Set("Range", fmt.Sprintf("bytes=%d-", b.off))
		q.expect = []int{http.StatusOK, http.StatusPartialContent}
	}
	resp, err := b.r.do(b.ctx, q)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusRequestedRangeNotSatisfiable {
			return fmt.Errorf("%s: the registry has no bytes after %d of %d: %w", b.where(), b.off, b.desc.Size, ErrSizeMismatch)
		}
		return fmt.Errorf("%s: %w", b.where(), err)
	}
	skip := int64(0)
	switch {
	case b.off > 0 && resp.StatusCode == http.StatusOK:
		// The server ignored the Range: read past what we have.
		skip = b.off
	case resp.StatusCode == http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != b.off {
			resp.Body.Close()
			return fmt.Errorf("%s: asked for bytes from %d, got Content-Range %q: %w", b.where(), b.off, resp.Header.Get("Content-Range"), ErrProtocol)
		}
	}
	if cl := resp.ContentLength; cl >= 0 && b.desc.Size >= 0 && cl-skip != b.desc.Size-b.off {
		resp.Body.Close()
		return fmt.Errorf("%s: the registry sends %d bytes, the descriptor says %d: %w", b.where(), cl-skip+b.off, b.desc.Size, ErrSizeMismatch)
	}
	if skip > 0 {
		if _, err := io.CopyN(io.Discard, resp.Body, skip); err != nil {
			resp.Body.Close()
			return fmt.Errorf("%s: %w", b.where(), err)
		}
	}
	b.body = resp.Body
	return nil
}

// contentRangeStart reads the first byte of "bytes START-END/TOTAL".
func contentRangeStart(v string) (int64, bool) {
	v, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	start, _, ok := strings.Cut(v, "-")
	n, err := strconv.ParseInt(start, 10, 64)
	return n, ok && err == nil
}

func (b *blobReader) Read(p []byte) (int, error) {
	for {
		if b.err != nil {
			return 0, b.err
		}
		if b.off == b.desc.Size {
			return 0, b.finish()
		}
		if rest := b.desc.Size - b.off; b.desc.Size >= 0 && int64(len(p)) > rest {
			p = p[:rest]
		}
		n, err := b.body.Read(p)
		b.h.Write(p[:n])
		b.off += int64(n)
		if err == io.EOF {
			if b.desc.Size < 0 {
				b.desc.Size = b.off
				return n, b.finish()
			}
			if b.off < b.desc.Size {
				err = io.ErrUnexpectedEOF
			} else {
				err = nil
			}
		}
		if err == nil {
			return n, nil
		}
		if b.desc.Size >= 0 && b.off == b.desc.Size {
			// Every byte came before the error: nothing to resume.
			b.body.Close()
			b.body = nil
			return n, nil
		}
		// The connection dropped: pick it up where it stopped.
		b.body.Close()
		b.body = nil
		if b.resumes < b.r.c.retries && retryable(b.ctx, err) {
			b.resumes++
			if werr := b.r.c.wait(b.ctx, b.r.c.backoff(b.resumes-1), fmt.Sprintf("resume at byte %d of %d after %s", b.off, b.desc.Size, shortErr(err))); werr != nil {
				b.err = werr
			} else if oerr := b.open(); oerr != nil {
				b.err = oerr
			}
		} else {
			b.err = fmt.Errorf("%s: at byte %d of %d: %w", b.where(), b.off, b.desc.Size, err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// finish checks that the body ends here and that the bytes hash right.
func (b *blobReader) finish() error {
	if b.body != nil {
		var one [1]byte
		n, _ := io.ReadFull(b.body, one[:])
		b.body.Close()
		b.body = nil
		if n > 0 {
			b.err = fmt.Errorf("%s: more than the descriptor's %d bytes: %w", b.where(), b.desc.Size, ErrSizeMismatch)
			return b.err
		}
	}
	if got := digest.NewDigest(b.desc.Digest.Algorithm(), b.h); got != b.desc.Digest {
		b.err = fmt.Errorf("%s: the bytes hash to %s: %w", b.where(), got, ErrDigestMismatch)
		return b.err
	}
	b.err = io.EOF
	return io.EOF
}

func (b *blobReader) Close() error {
	if b.body != nil {
		b.body.Close()
		b.body = nil
	}
	if b.err == nil {
		b.err = errors.New("read of a closed blob")
	}
	return nil
}
