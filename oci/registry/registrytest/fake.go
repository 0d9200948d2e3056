package registrytest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
)

// Fake is an in-process registry that serves what it is given, for fault
// injection beside the real one: a test sets Fault to break a request
// the way a network or a server does (a 500, a 429, a truncated or
// corrupt body, a redirect, a connection dropped mid-blob).
type Fake struct {
	*httptest.Server

	mu        sync.Mutex
	manifests map[string]fakeManifest // "REPO:TAG" and "REPO@DIGEST"
	blobs     map[digest.Digest][]byte
	log       []Request

	// Fault, if set, sees each request first; it returns true when it
	// has answered it.
	Fault func(w http.ResponseWriter, r *http.Request) bool
}

type fakeManifest struct {
	mediaType string
	body      []byte
}

// Request is a request the fake saw.
type Request struct {
	Method, Path, Query string
	Header              http.Header
}

// NewFake starts a fake registry on 127.0.0.1; Close stops it.
func NewFake() *Fake {
	f := &Fake{manifests: map[string]fakeManifest{}, blobs: map[digest.Digest][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Addr is the fake's host:port.
func (f *Fake) Addr() string { return strings.TrimPrefix(f.URL, "http://") }

// AddBlob serves b under its digest.
func (f *Fake) AddBlob(b []byte) digest.Digest {
	d := digest.FromBytes(b)
	f.mu.Lock()
	f.blobs[d] = b
	f.mu.Unlock()
	return d
}

// AddManifest serves b as repo:tag and repo@digest.
func (f *Fake) AddManifest(repo, tag, mediaType string, b []byte) digest.Digest {
	d := digest.FromBytes(b)
	f.mu.Lock()
	f.manifests[repo+":"+tag] = fakeManifest{mediaType, b}
	f.manifests[repo+"@"+d.String()] = fakeManifest{mediaType, b}
	f.mu.Unlock()
	return d
}

// Requests are the requests seen so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.log...)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.log = append(f.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()})
	fault := f.Fault
	f.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case strings.Contains(path, "/manifests/"):
		repo, ref, _ := strings.Cut(path, "/manifests/")
		key := repo + ":" + ref
		if strings.Contains(ref, ":") {
			key = repo + "@" + ref
		}
		f.mu.Lock()
		m, ok := f.manifests[key]
		f.mu.Unlock()
		if !ok {
			Error(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", digest.FromBytes(m.body).String())
		w.Header().Set("Content-Length", strconv.Itoa(len(m.body)))
		if r.Method != http.MethodHead {
			w.Write(m.body)
		}
	case strings.Contains(path, "/blobs/"):
		_, ref, _ := strings.Cut(path, "/blobs/")
		f.mu.Lock()
		b, ok := f.blobs[digest.Digest(ref)]
		f.mu.Unlock()
		if !ok {
			Error(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
			return
		}
		ServeBlob(w, r, b)
	default:
		Error(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
	}
}

// ServeBlob answers a blob GET or HEAD with b, honouring Range: bytes=N-.
func ServeBlob(w http.ResponseWriter, r *http.Request, b []byte) {
	w.Header().Set("Docker-Content-Digest", digest.FromBytes(b).String())
	w.Header().Set("Content-Type", "application/octet-stream")
	start := 0
	if rg := r.Header.Get("Range"); rg != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || n < 0 || n >= len(b) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(b)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(b)-1, len(b)))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)-start))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	}
	if r.Method != http.MethodHead {
		w.Write(b[start:])
	}
}

// Error writes a registry error response.
func Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, message)
}
