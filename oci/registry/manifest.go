package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/image"
)

// ManifestTypes is the Accept header of every manifest request: each type
// this client reads. It must name them all: docker-registry answers 404
// for an OCI manifest to a client that does not list the OCI type, and
// turns a Docker schema 2 manifest into schema 1 for one that lists only
// OCI's.
var ManifestTypes = []string{
	ocispec.MediaTypeImageIndex,
	ocispec.MediaTypeImageManifest,
	image.MediaTypeDockerManifestList,
	image.MediaTypeDockerManifest,
}

// MaxManifestSize is the largest manifest read (registries cap them at 4 MiB).
const MaxManifestSize = image.MaxDocumentSize

func (r *Repository) pullScope() []string { return []string{"repository:" + r.ref.Path + ":pull"} }
func (r *Repository) pushScope() []string { return []string{"repository:" + r.ref.Path + ":pull,push"} }

// checkIdent refuses what is neither a tag nor a digest: it goes into a URL.
func checkIdent(ident string) (digest.Digest, error) {
	if strings.Contains(ident, ":") {
		d, err := digest.Parse(ident)
		if err != nil {
			return "", fmt.Errorf("manifest %q: %w", ident, err)
		}
		return d, nil
	}
	if ident == "" || strings.ContainsAny(ident, "/?#% ") {
		return "", fmt.Errorf("manifest %q: not a tag or a digest", ident)
	}
	return "", nil
}

// Manifest fetches the manifest or index ident (a tag or a digest). The
// bytes are checked against the digest asked for, or against the
// registry's Docker-Content-Digest for a tag; the descriptor has the
// media type the document is (a schema 1 manifest is image.ErrSchema1).
func (r *Repository) Manifest(ctx context.Context, ident string) (ocispec.Descriptor, []byte, error) {
	want, err := checkIdent(ident)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	q := &request{method: http.MethodGet, url: r.url(r.ref.Path + "/manifests/" + ident), scopes: r.pullScope(),
		header: http.Header{"Accept": {strings.Join(ManifestTypes, ", ")}}, expect: []int{http.StatusOK}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: %w", r.ref.Name(), ident, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxManifestSize {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: %d bytes: %w", r.ref.Name(), ident, resp.ContentLength, ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxManifestSize+1))
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: read: %w", r.ref.Name(), ident, err)
	}
	if len(b) > MaxManifestSize {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: %w", r.ref.Name(), ident, ErrTooLarge)
	}
	if want == "" {
		if h := resp.Header.Get("Docker-Content-Digest"); h != "" {
			if want, err = digest.Parse(h); err != nil {
				return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: Docker-Content-Digest %q: %w", r.ref.Name(), ident, h, ErrProtocol)
			}
		}
	}
	got := digest.FromBytes(b)
	if want != "" {
		if !want.Algorithm().Available() {
			return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: digest algorithm %s not supported", r.ref.Name(), ident, want.Algorithm())
		}
		if got = want.Algorithm().FromBytes(b); got != want {
			return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: the bytes hash to %s, want %s: %w", r.ref.Name(), ident, got, want, ErrDigestMismatch)
		}
	}
	mt, err := image.Detect(mediaType(resp.Header.Get("Content-Type")), b)
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest %s:%s: %w", r.ref.Name(), ident, err)
	}
	return ocispec.Descriptor{MediaType: mt, Digest: got, Size: int64(len(b))}, b, nil
}

// mediaType is a Content-Type without parameters; a generic one ("" for
// the document to say) when the registry did not know better.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	if mt == "application/json" || mt == "text/plain" || mt == "application/octet-stream" {
		return ""
	}
	return mt
}

// HeadManifest asks for the manifest ident's descriptor without its
// bytes: what a pull of a tag checks before it fetches anything. A
// registry that sends no Docker-Content-Digest gives a descriptor with
// no digest (fetch the manifest to know).
func (r *Repository) HeadManifest(ctx context.Context, ident string) (ocispec.Descriptor, error) {
	if _, err := checkIdent(ident); err != nil {
		return ocispec.Descriptor{}, err
	}
	q := &request{method: http.MethodHead, url: r.url(r.ref.Path + "/manifests/" + ident), scopes: r.pullScope(),
		header: http.Header{"Accept": {strings.Join(ManifestTypes, ", ")}}, expect: []int{http.StatusOK}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest %s:%s: %w", r.ref.Name(), ident, err)
	}
	resp.Body.Close()
	desc := ocispec.Descriptor{MediaType: mediaType(resp.Header.Get("Content-Type")), Size: resp.ContentLength}
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" {
		d, err := digest.Parse(h)
		if err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("manifest %s:%s: Docker-Content-Digest %q: %w", r.ref.Name(), ident, h, ErrProtocol)
		}
		desc.Digest = d
	}
	return desc, nil
}

// PutManifest stores the manifest b of mediaType under ident (a tag, or
// its own digest), and checks the digest the registry says it stored.
func (r *Repository) PutManifest(ctx context.Context, ident, mediaType string, b []byte) (ocispec.Descriptor, error) {
	if _, err := checkIdent(ident); err != nil {
		return ocispec.Descriptor{}, err
	}
	desc := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(b), Size: int64(len(b))}
	q := &request{method: http.MethodPut, url: r.url(r.ref.Path + "/manifests/" + ident), scopes: r.pushScope(),
		header: http.Header{"Content-Type": {mediaType}}, size: int64(len(b)),
		body:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		expect: []int{http.StatusCreated, http.StatusOK}}
	resp, err := r.do(ctx, q)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("put manifest %s:%s: %w", r.ref.Name(), ident, err)
	}
	discard(resp)
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != desc.Digest.String() {
		return ocispec.Descriptor{}, fmt.Errorf("put manifest %s:%s: the registry stored %s, we sent %s: %w", r.ref.Name(), ident, h, desc.Digest, ErrDigestMismatch)
	}
	return desc, nil
}

// Tags lists the repository's tags, following the API's pagination.
func (r *Repository) Tags(ctx context.Context) ([]string, error) {
	var tags []string
	next := r.url(r.ref.Path + "/tags/list")
	for next != "" {
		q := &request{method: http.MethodGet, url: next, scopes: r.pullScope(), expect: []int{http.StatusOK}}
		resp, err := r.do(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("tags of %s: %w", r.ref.Name(), err)
		}
		var page struct {
			Tags []string `json:"tags"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("tags of %s: %w", r.ref.Name(), err)
		}
		tags = append(tags, page.Tags...)
		next = ""
		// Link: </v2/NAME/tags/list?n=100&last=x>; rel="next"
		if l := resp.Header.Get("Link"); strings.Contains(l, `rel="next"`) {
			if i, j := strings.IndexByte(l, '<'), strings.IndexByte(l, '>'); i >= 0 && j > i {
				if u, err := resp.Request.URL.Parse(l[i+1 : j]); err == nil {
					next = u.String()
				}
			}
		}
		if len(tags) > 1<<20 {
			return nil, fmt.Errorf("tags of %s: more than %s", r.ref.Name(), strconv.Itoa(1<<20))
		}
	}
	return tags, nil
}
