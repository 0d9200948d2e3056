package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Mount asks the registry to link the blob d from the repository from
// (of the same registry) into this one: no bytes move. It returns whether
// the registry did; if it did not, the upload it started instead is
// returned to be used by Upload (registries that do not mount answer 202
// with an upload location).
func (r *Repository) Mount(ctx context.Context, d digest.Digest, from string) (bool, *Upload, error) {
	v := url.Values{"mount": {d.String()}, "from": {from}}
	q := &request{method: http.MethodPost, url: r.url(r.ref.Path + "/blobs/uploads/?" + v.Encode()),
		scopes: append(r.pushScope(), "repository:"+from+":pull"), size: 0,
		body:   func() (io.ReadCloser, error) { return http.NoBody, nil },
		expect: []int{http.StatusCreated, http.StatusAccepted}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return false, nil, fmt.Errorf("mount blob %s from %s: %w", d, from, err)
	}
	discard(resp)
	if resp.StatusCode == http.StatusCreated {
		if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != d.String() {
			return false, nil, fmt.Errorf("mount blob %s from %s: the registry mounted %s: %w", d, from, h, ErrDigestMismatch)
		}
		return true, nil, nil
	}
	u, err := r.uploadFrom(resp)
	return false, u, err
}

// Upload is an upload session: the location the next request goes to.
type Upload struct {
	r        *Repository
	location *url.URL
}

// StartUpload begins an upload (POST /v2/NAME/blobs/uploads/).
func (r *Repository) StartUpload(ctx context.Context) (*Upload, error) {
	q := &request{method: http.MethodPost, url: r.url(r.ref.Path + "/blobs/uploads/"), scopes: r.pushScope(),
		size: 0, body: func() (io.ReadCloser, error) { return http.NoBody, nil }, expect: []int{http.StatusAccepted}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("start upload to %s: %w", r.ref.Name(), err)
	}
	discard(resp)
	return r.uploadFrom(resp)
}

func (r *Repository) uploadFrom(resp *http.Response) (*Upload, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("upload to %s: %d without a Location: %w", r.ref.Name(), resp.StatusCode, ErrProtocol)
	}
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("upload to %s: Location %q: %w", r.ref.Name(), loc, err)
	}
	return &Upload{r: r, location: u}, nil
}

// PushBlob uploads the blob desc, read from open (called once more for
// each time a request must be sent again): in one PUT when it is no
// larger than the client's chunk size, else in PATCH chunks of that size
// and a closing PUT. u is an upload already started (by Mount), or nil.
// progress, if not nil, is told the bytes the registry has taken.
func (r *Repository) PushBlob(ctx context.Context, desc ocispec.Descriptor, open func() (io.ReadCloser, error), u *Upload, progress func(int64)) error {
	if u == nil {
		var err error
		if u, err = r.StartUpload(ctx); err != nil {
			return err
		}
	}
	if progress == nil {
		progress = func(int64) {}
	}
	if desc.Size <= r.c.chunkSize {
		// Monolithic: PUT LOCATION?digest=D with the whole blob.
		if err := u.put(ctx, desc, open, desc.Size); err != nil {
			return err
		}
		progress(desc.Size)
		return nil
	}
	src, err := open()
	if err != nil {
		return fmt.Errorf("push blob %s: %w", desc.Digest, err)
	}
	defer src.Close()
	buf := make([]byte, r.c.chunkSize)
	for off := int64(0); off < desc.Size; {
		n, err := io.ReadFull(src, buf[:min(int64(len(buf)), desc.Size-off)])
		if err != nil {
			return fmt.Errorf("push blob %s: read at %d: %w", desc.Digest, off, err)
		}
		if err := u.patch(ctx, buf[:n], off); err != nil {
			return err
		}
		off += int64(n)
		progress(off)
	}
	// The source ends where the descriptor says; a verifying reader
	// (the content store's) checks the digest at this EOF.
	if n, err := src.Read(buf[:1]); n > 0 || err != io.EOF {
		return fmt.Errorf("push blob %s: the source is not %d bytes (%v): %w", desc.Digest, desc.Size, err, ErrSizeMismatch)
	}
	return u.put(ctx, desc, nil, 0)
}

// patch sends one chunk, bytes off to off+len(b)-1.
func (u *Upload) patch(ctx context.Context, b []byte, off int64) error {
	q := &request{method: http.MethodPatch, url: u.location.String(), scopes: u.r.pushScope(),
		header: http.Header{"Content-Type": {"application/octet-stream"},
			"Content-Range": {fmt.Sprintf("%d-%d", off, off+int64(len(b))-1)}},
		size: int64(len(b)), body: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		expect: []int{http.StatusAccepted}}
	resp, err := u.r.do(ctx, q)
	if err != nil {
		return fmt.Errorf("upload chunk at %d to %s: %w", off, u.r.ref.Name(), err)
	}
	discard(resp)
	next, err := u.r.uploadFrom(resp)
	if err != nil {
		return err
	}
	u.location = next.location
	return nil
}

// put closes the upload with the blob's digest (and the rest of its bytes).
func (u *Upload) put(ctx context.Context, desc ocispec.Descriptor, open func() (io.ReadCloser, error), size int64) error {
	loc := *u.location
	v := loc.Query()
	v.Set("digest", desc.Digest.String())
	loc.RawQuery = v.Encode()
	if open == nil {
		open = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	q := &request{method: http.MethodPut, url: loc.String(), scopes: u.r.pushScope(),
		header: http.Header{"Content-Type": {"application/octet-stream"}}, size: size, body: open,
		expect: []int{http.StatusCreated}}
	resp, err := u.r.do(ctx, q)
	if err != nil {
		return fmt.Errorf("push blob %s to %s: %w", desc.Digest, u.r.ref.Name(), err)
	}
	discard(resp)
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != desc.Digest.String() {
		return fmt.Errorf("push blob %s to %s: the registry stored %s: %w", desc.Digest, u.r.ref.Name(), h, ErrDigestMismatch)
	}
	return nil
}
