package registry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/oci/registry/registrytest"
)

// waits records what the client would have slept, without sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return nil
}

func newClient(w *waits, debug io.Writer, opts ...registry.Option) *registry.Client {
	return registry.New(append([]registry.Option{registry.WithSleep(w.sleep), registry.WithDebug(debug)}, opts...)...)
}

func readBlob(t *testing.T, repo *registry.Repository, desc ocispec.Descriptor) ([]byte, error) {
	t.Helper()
	rc, err := repo.Blob(context.Background(), desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

var blob = bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB

// dropAfter answers the first blob GET with n bytes and then a dropped
// connection (no end of the chunked body, no Content-Length shortfall
// the client could mistake for the end).
func dropAfter(n int, count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/blobs/") || r.Header.Get("Range") != "" || count.Add(1) > 1 {
			return false
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(blob)))
		w.WriteHeader(http.StatusOK)
		w.Write(blob[:n])
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	good := ocispec.Descriptor{MediaType: "x", Digest: "", Size: int64(len(blob))}
	for _, c := range []struct {
		name  string
		fault func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool
		desc  func(d ocispec.Descriptor) ocispec.Descriptor
		want  error  // nil: recovered
		says  string // in the error, or in the debug output after recovery
		waits []time.Duration
	}{
		{
			name: "digest mismatch",
			fault: func(*atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if !strings.Contains(r.URL.Path, "/blobs/") {
						return false
					}
					bad := bytes.Clone(blob)
					bad[len(bad)/2] ^= 1
					registrytest.ServeBlob(w, r, bad)
					return true
				}
			},
			want: registry.ErrDigestMismatch, says: "the bytes hash to sha256:",
		},
		{
			name: "truncated body",
			fault: func(*atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if !strings.Contains(r.URL.Path, "/blobs/") {
						return false
					}
					registrytest.ServeBlob(w, r, blob[:1000]) // a shorter blob, correctly framed
					return true
				}
			},
			want: registry.ErrSizeMismatch, says: "the registry sends 1000 bytes, the descriptor says 1048576",
		},
		{
			name: "500 then success",
			fault: func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if strings.Contains(r.URL.Path, "/blobs/") && count.Add(1) == 1 {
						registrytest.Error(w, 500, "UNKNOWN", "storage hiccup")
						return true
					}
					return false
				}
			},
			says: "* retrying in 250ms (after 500 Internal Server Error)", waits: []time.Duration{250 * time.Millisecond},
		},
		{
			name: "503 until the retries run out",
			fault: func(*atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if strings.Contains(r.URL.Path, "/blobs/") {
						registrytest.Error(w, 503, "UNAVAILABLE", "down for maintenance")
						return true
					}
					return false
				}
			},
			want: errors.New("503 unavailable: down for maintenance"), says: "503 unavailable: down for maintenance",
			waits: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second},
		},
		{
			name: "429 with Retry-After",
			fault: func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if strings.Contains(r.URL.Path, "/blobs/") && count.Add(1) <= 2 {
						w.Header().Set("Retry-After", "3")
						registrytest.Error(w, 429, "TOOMANYREQUESTS", "slow down")
						return true
					}
					return false
				}
			},
			says: "* retrying in 3s (after 429 Too Many Requests)", waits: []time.Duration{3 * time.Second, 3 * time.Second},
		},
		{
			name: "429 asking for an hour",
			fault: func(*atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if strings.Contains(r.URL.Path, "/blobs/") {
						w.Header().Set("Retry-After", "3600")
						registrytest.Error(w, 429, "TOOMANYREQUESTS", "slow down")
						return true
					}
					return false
				}
			},
			want: errors.New("asks to wait 1h0m0s"), says: "the registry asks to wait 1h0m0s, more than 1m0s",
		},
		{
			name: "dropped connection mid-blob",
			fault: func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return dropAfter(300_000, count)
			},
			says: ">   Range: bytes=300000-", waits: []time.Duration{250 * time.Millisecond},
		},
		{
			name: "a Range answered from the start",
			fault: func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				drop := dropAfter(300_000, count)
				return func(w http.ResponseWriter, r *http.Request) bool {
					if r.Header.Get("Range") != "" {
						r.Header.Del("Range") // a server that does not do ranges
						registrytest.ServeBlob(w, r, blob)
						return true
					}
					return drop(w, r)
				}
			},
			says: ">   Range: bytes=300000-", waits: []time.Duration{250 * time.Millisecond},
		},
		{
			name: "dropped again and again",
			fault: func(count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
				return func(w http.ResponseWriter, r *http.Request) bool {
					if !strings.Contains(r.URL.Path, "/blobs/") {
						return false
					}
					w.WriteHeader(http.StatusOK)
					w.Write(blob[:10])
					w.(http.Flusher).Flush()
					conn, _, _ := http.NewResponseController(w).Hijack()
					conn.Close()
					return true
				}
			},
			want: io.ErrUnexpectedEOF, says: "at byte 10 of 1048576",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := registrytest.NewFake()
			defer f.Close()
			d := good
			d.Digest = f.AddBlob(blob)
			var count atomic.Int32
			f.Fault = c.fault(&count)
			var w waits
			var debug bytes.Buffer
			repo := newClient(&w, &debug).Repository(mustRef(t, f.Addr()+"/test/blob"))
			got, err := readBlob(t, repo, d)
			switch {
			case c.want == nil && (err != nil || !bytes.Equal(got, blob)):
				t.Fatalf("not recovered: %d bytes, %v\n%s", len(got), err, &debug)
			case c.want == nil && !strings.Contains(debug.String(), c.says):
				t.Errorf("the debug output lacks %q:\n%s", c.says, &debug)
			case c.want != nil && err == nil:
				t.Fatalf("no error, %d bytes", len(got))
			case c.want != nil && !errors.Is(err, c.want) && !strings.Contains(err.Error(), c.want.Error()):
				t.Fatalf("error %q, want %v", err, c.want)
			case c.want != nil && (!strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "\n")):
				t.Fatalf("error %q does not say %q on one line", err, c.says)
			}
			if c.waits != nil && fmt.Sprint(w.d) != fmt.Sprint(c.waits) {
				t.Errorf("waited %v, want %v", w.d, c.waits)
			}
			_ = ctx
		})
	}
}

// TestTokenChallenge: a 401 with a Bearer challenge sends the client to
// the realm, with the service and the scope, and the credentials as
// Basic; the token then goes to the registry, and neither the password
// nor the token is ever printed.
func TestTokenChallenge(t *testing.T) {
	const password, tok = "s3cret-pw", "tok-abc-123"
	var tokenReqs []*http.Request
	var mu sync.Mutex
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokenReqs = append(tokenReqs, r.Clone(context.Background()))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:"+password)) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"details":"incorrect username or password"}`)
			return
		}
		fmt.Fprintf(w, `{"token":%q,"expires_in":300}`, tok)
	}))
	defer auth.Close()
	f := registrytest.NewFake()
	defer f.Close()
	d := f.AddBlob(blob)
	f.Fault = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") == "Bearer "+tok {
			return false
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="fake-registry",scope="repository:test/blob:pull"`, auth.URL))
		registrytest.Error(w, 401, "UNAUTHORIZED", "authentication required")
		return true
	}
	var debug bytes.Buffer
	var w waits
	keys := registry.Static(f.Addr(), registry.Credentials{Username: "alice", Password: password})
	repo := newClient(&w, &debug, registry.WithKeychain(keys)).Repository(mustRef(t, f.Addr()+"/test/blob"))
	got, err := readBlob(t, repo, ocispec.Descriptor{Digest: d, Size: int64(len(blob))})
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("%d bytes, %v\n%s", len(got), err, &debug)
	}
	// One token for the scope, asked once: the blob read reused it.
	readBlob(t, repo, ocispec.Descriptor{Digest: d, Size: int64(len(blob))})
	if len(tokenReqs) != 1 {
		t.Fatalf("%d token requests, want 1", len(tokenReqs))
	}
	q := tokenReqs[0].URL.Query()
	if q.Get("service") != "fake-registry" || q.Get("scope") != "repository:test/blob:pull" || q.Get("account") != "alice" {
		t.Errorf("token request %s", tokenReqs[0].URL)
	}
	for _, secret := range []string{password, tok, base64.StdEncoding.EncodeToString([]byte("alice:" + password))} {
		if strings.Contains(debug.String(), secret) {
			t.Errorf("the debug output shows a secret %q:\n%s", secret, &debug)
		}
	}
	for _, want := range []string{"<   Www-Authenticate: Bearer realm=", ">   Authorization: Basic [redacted]", ">   Authorization: Bearer [redacted]",
		"scope=repository:test/blob:pull"} {
		if !strings.Contains(debug.String(), want) {
			t.Errorf("the debug output lacks %q:\n%s", want, &debug)
		}
	}

	// Wrong credentials: a clear error, no retry loop.
	keys = registry.Static(f.Addr(), registry.Credentials{Username: "alice", Password: "wrong"})
	repo = newClient(&w, io.Discard, registry.WithKeychain(keys)).Repository(mustRef(t, f.Addr()+"/test/blob"))
	_, err = readBlob(t, repo, ocispec.Descriptor{Digest: d, Size: int64(len(blob))})
	if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "incorrect username or password") {
		t.Errorf("wrong password: %v", err)
	}
	if err := newClient(&w, io.Discard).Login(context.Background(), f.Addr(), registry.Credentials{Username: "alice", Password: "wrong"}); !errors.Is(err, registry.ErrUnauthorized) {
		t.Errorf("login with a wrong password: %v", err)
	}
	if err := newClient(&w, io.Discard).Login(context.Background(), f.Addr(), registry.Credentials{Username: "alice", Password: password}); err != nil {
		t.Errorf("login: %v", err)
	}
}

// TestRedirect: a blob served from another host (a CDN): the client
// follows, and the Authorization header stays with the registry.
func TestRedirect(t *testing.T) {
	var cdnAuth []string
	var mu sync.Mutex
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cdnAuth = append(cdnAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		registrytest.ServeBlob(w, r, blob)
	}))
	defer cdn.Close()
	f := registrytest.NewFake()
	defer f.Close()
	d := f.AddBlob(blob)
	var regAuth []string
	f.Fault = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
			w.WriteHeader(401)
			return true
		}
		if strings.Contains(r.URL.Path, "/blobs/") {
			mu.Lock()
			regAuth = append(regAuth, r.Header.Get("Authorization"))
			mu.Unlock()
			http.Redirect(w, r, cdn.URL+"/bucket/blob?X-Amz-Signature=abcdef&X-Amz-Expires=300", http.StatusTemporaryRedirect)
			return true
		}
		return false
	}
	var debug bytes.Buffer
	var w waits
	keys := registry.Static(f.Addr(), registry.Credentials{Username: "bob", Password: "pw"})
	repo := newClient(&w, &debug, registry.WithKeychain(keys)).Repository(mustRef(t, f.Addr()+"/test/blob"))
	got, err := readBlob(t, repo, ocispec.Descriptor{Digest: d, Size: int64(len(blob))})
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("%d bytes, %v\n%s", len(got), err, &debug)
	}
	if len(regAuth) != 1 || !strings.HasPrefix(regAuth[0], "Basic ") {
		t.Errorf("the registry got Authorization %q, want Basic credentials", regAuth)
	}
	if len(cdnAuth) != 1 || cdnAuth[0] != "" {
		t.Errorf("the other host got Authorization %q, want none", cdnAuth)
	}
	if !strings.Contains(debug.String(), "X-Amz-Signature=[redacted]&X-Amz-Expires=[redacted]") || strings.Contains(debug.String(), "abcdef") {
		t.Errorf("the signed URL is not redacted:\n%s", &debug)
	}
}

// TestManifestChecks: a manifest is checked against the digest it was
// asked by and the one the registry announces; schema 1 is refused.
func TestManifestChecks(t *testing.T) {
	f := registrytest.NewFake()
	defer f.Close()
	m := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824","size":1},"layers":[]}`)
	d := f.AddManifest("test/m", "good", ocispec.MediaTypeImageManifest, m)
	f.AddManifest("test/m", "v1", "application/vnd.docker.distribution.manifest.v1+prettyjws", []byte(`{"schemaVersion":1,"fsLayers":[]}`))
	f.Fault = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/manifests/lying") {
			w.Header().Set("Docker-Content-Digest", d.String())
			w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
			w.Write(bytes.Replace(m, []byte("[]"), []byte("[ ]"), 1))
			return true
		}
		return false
	}
	repo := registry.New().Repository(mustRef(t, f.Addr()+"/test/m"))
	ctx := context.Background()
	if desc, _, err := repo.Manifest(ctx, "good"); err != nil || desc.Digest != d {
		t.Fatalf("good: %v %v", desc, err)
	}
	if _, _, err := repo.Manifest(ctx, "lying"); !errors.Is(err, registry.ErrDigestMismatch) {
		t.Errorf("a body that does not hash to Docker-Content-Digest: %v", err)
	}
	if _, _, err := repo.Manifest(ctx, "v1"); err == nil || !strings.Contains(err.Error(), "schema 1") {
		t.Errorf("schema 1: %v", err)
	}
	if _, _, err := repo.Manifest(ctx, "../../x"); err == nil {
		t.Errorf("a tag that is a path was sent")
	}
	// Accept names every type docker-registry needs to hear.
	for _, r := range f.Requests() {
		if strings.Contains(r.Path, "/manifests/") && r.Header.Get("Accept") != strings.Join(registry.ManifestTypes, ", ") {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
	}
}

func TestPlatforms(t *testing.T) {
	x := &ocispec.Index{Manifests: []ocispec.Descriptor{
		{Digest: "sha256:1", Platform: &ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}},
		{Digest: "sha256:2", Platform: &ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}},
		{Digest: "sha256:3", Platform: &ocispec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}},
		{Digest: "sha256:4", Platform: &ocispec.Platform{OS: "linux", Architecture: "amd64"}},
		{Digest: "sha256:5", Platform: &ocispec.Platform{OS: "unknown", Architecture: "unknown"}},
	}}
	for in, want := range map[string]string{"linux/amd64": "sha256:4", "linux/arm64": "sha256:3", "aarch64": "sha256:3",
		"linux/arm/v7": "sha256:2", "linux/arm/v6": "sha256:1", "linux/arm": "sha256:1", "x86_64": "sha256:4"} {
		p, err := registry.ParsePlatform(in)
		if err != nil {
			t.Fatal(err)
		}
		d, err := registry.SelectManifest(x, p)
		if err != nil || string(d.Digest) != want {
			t.Errorf("%s: %s %v, want %s", in, d.Digest, err, want)
		}
	}
	p, _ := registry.ParsePlatform("linux/s390x")
	if _, err := registry.SelectManifest(x, p); !errors.Is(err, registry.ErrNoPlatform) ||
		err.Error() != "no matching manifest for linux/s390x in the manifest list entries (it has linux/arm/v6, linux/arm/v7, linux/arm64, linux/amd64)" {
		t.Errorf("s390x: %v", err)
	}
	for _, bad := range []string{"", "linux/", "a/b/c/d"} {
		if _, err := registry.ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q): no error", bad)
		}
	}
}
