package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minidocker/minidocker/oci/image"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/oci/registry/registrytest"
)

func mustRef(t *testing.T, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func descOf(mt string, b []byte) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(b), Size: int64(len(b))}
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// pushImage pushes a one-layer image with the client: blobs (one chunked,
// one monolithic), then the manifest under tag.
func pushImage(t *testing.T, ctx context.Context, repo *registry.Repository, layer []byte, mt, tag string) (ocispec.Descriptor, []byte) {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest.FromBytes(layer).String() + `"]}}`)
	cfgType, layerType := ocispec.MediaTypeImageConfig, ocispec.MediaTypeImageLayer
	if mt == image.MediaTypeDockerManifest {
		cfgType, layerType = image.MediaTypeDockerConfig, "application/vnd.docker.image.rootfs.diff.tar"
	}
	cd, ld := descOf(cfgType, config), descOf(layerType, layer)
	for _, b := range []struct {
		d    ocispec.Descriptor
		data []byte
	}{{cd, config}, {ld, layer}} {
		ok, _, err := repo.BlobExists(ctx, b.d.Digest, true)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			continue
		}
		if err := repo.PushBlob(ctx, b.d, opener(b.data), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: mt, Config: cd, Layers: []ocispec.Descriptor{ld}})
	desc, err := repo.PutManifest(ctx, tag, mt, m)
	if err != nil {
		t.Fatal(err)
	}
	return desc, m
}

// TestRealRegistry: the client against docker-registry: push (chunked
// and monolithic uploads), HEAD, pull back byte for byte, both manifest
// types, tags, a cross-repository mount, and the errors for what is not
// there.
func TestRealRegistry(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	ctx := context.Background()
	var debug bytes.Buffer
	c := registry.New(registry.WithChunkSize(1000), registry.WithDebug(&debug))
	repo := c.Repository(mustRef(t, reg.Addr+"/test/busybox"))
	layer := bytes.Repeat([]byte("layer bytes\n"), 300) // 3600 bytes: 4 chunks
	for _, mt := range []string{ocispec.MediaTypeImageManifest, image.MediaTypeDockerManifest} {
		tag := map[string]string{ocispec.MediaTypeImageManifest: "oci", image.MediaTypeDockerManifest: "docker"}[mt]
		desc, body := pushImage(t, ctx, repo, layer, mt, tag)
		head, err := repo.HeadManifest(ctx, tag)
		if err != nil || head.Digest != desc.Digest || head.MediaType != mt || head.Size != desc.Size {
			t.Fatalf("HEAD %s: %+v %v, want %+v", tag, head, err, desc)
		}
		got, b, err := repo.Manifest(ctx, tag)
		if err != nil || got.Digest != desc.Digest || got.MediaType != mt || !bytes.Equal(b, body) {
			t.Fatalf("GET %s: %+v %v", tag, got, err)
		}
		if _, _, err := repo.Manifest(ctx, desc.Digest.String()); err != nil {
			t.Fatalf("GET by digest: %v", err)
		}
		m, _ := image.ParseManifest(got.MediaType, b)
		rc, err := repo.Blob(ctx, m.Layers[0])
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(back, layer) {
			t.Fatalf("layer read back: %d bytes, %v", len(back), err)
		}
	}
	for _, want := range []string{"> PATCH ", ">   Content-Range: 3000-3599", "> PUT http://" + reg.Addr + "/v2/test/busybox/blobs/uploads/",
		"?_state=[redacted]&digest=sha256:", "< 201 Created", "< 202 Accepted"} {
		if !strings.Contains(debug.String(), want) {
			t.Errorf("debug output lacks %q:\n%s", want, debug.String())
		}
	}
	tags, err := repo.Tags(ctx)
	slices.Sort(tags)
	if err != nil || strings.Join(tags, ",") != "docker,oci" {
		t.Fatalf("tags: %v %v", tags, err)
	}

	// Mount the layer into another repository: no bytes sent.
	other := c.Repository(mustRef(t, reg.Addr+"/test/other"))
	mounted, up, err := other.Mount(ctx, digest.FromBytes(layer), "test/busybox")
	if err != nil || !mounted || up != nil {
		t.Fatalf("mount: %v %v %v", mounted, up, err)
	}
	if ok, size, err := other.BlobExists(ctx, digest.FromBytes(layer), false); !ok || size != int64(len(layer)) || err != nil {
		t.Fatalf("the mounted blob: %v %d %v", ok, size, err)
	}
	// A mount of a blob the source lacks starts an upload instead.
	missing := []byte("not in test/busybox")
	mounted, up, err = other.Mount(ctx, digest.FromBytes(missing), "test/busybox")
	if err != nil || mounted || up == nil {
		t.Fatalf("mount of a missing blob: %v %v %v", mounted, up, err)
	}
	if err := other.PushBlob(ctx, descOf("x", missing), opener(missing), up, nil); err != nil {
		t.Fatal(err)
	}

	// What is not there.
	if _, _, err := repo.Manifest(ctx, "nope"); !errors.Is(err, registry.ErrNotFound) || !strings.Contains(err.Error(), "manifest unknown") {
		t.Errorf("a missing tag: %v", err)
	}
	if _, err := repo.Blob(ctx, descOf("x", []byte("absent"))); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a missing blob: %v", err)
	}
	if ok, _, err := repo.BlobExists(ctx, digest.FromString("absent"), false); ok || err != nil {
		t.Errorf("HEAD of a missing blob: %v %v", ok, err)
	}
	// A blob whose descriptor lies about its size or digest.
	lie := descOf("x", layer)
	lie.Size--
	if _, err := repo.Blob(ctx, lie); !errors.Is(err, registry.ErrSizeMismatch) {
		t.Errorf("a descriptor one byte short: %v", err)
	}
}

// TestRealRegistryBasicAuth: docker-registry with htpasswd: anonymous is
// refused with a clear error, the user it provisioned pushes and pulls,
// and Login tells a right password from a wrong one.
func TestRealRegistryBasicAuth(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{Basic: true})
	ctx := context.Background()
	ref := mustRef(t, reg.Addr+"/test/private")
	anon := registry.New().Repository(ref)
	if _, _, err := anon.Manifest(ctx, "latest"); !errors.Is(err, registry.ErrUnauthorized) {
		t.Fatalf("anonymous: %v", err)
	}
	creds := registry.Credentials{Username: reg.User, Password: reg.Password}
	c := registry.New(registry.WithKeychain(registry.Static(reg.Addr, creds)))
	desc, _ := pushImage(t, ctx, c.Repository(ref), []byte("private layer"), ocispec.MediaTypeImageManifest, "latest")
	if got, _, err := c.Repository(ref).Manifest(ctx, "latest"); err != nil || got.Digest != desc.Digest {
		t.Fatalf("pull with credentials: %v", err)
	}
	if err := registry.New().Login(ctx, reg.Addr, creds); err != nil {
		t.Errorf("login: %v", err)
	}
	err := registry.New().Login(ctx, reg.Addr, registry.Credentials{Username: reg.User, Password: "wrong"})
	if !errors.Is(err, registry.ErrUnauthorized) || !strings.Contains(err.Error(), "incorrect username or password") {
		t.Errorf("login with a wrong password: %v", err)
	}
}

// TestRealRegistryTokenAuth: docker-registry with token auth, verifying
// the tokens a test issuer signs: the client follows the challenge to the
// realm for a pull token anonymously, for a push token with credentials,
// and a push without them is refused by the registry itself.
func TestRealRegistryTokenAuth(t *testing.T) {
	ts, err := registrytest.NewTokenServer(t.TempDir(), "carol", "pw-carol")
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	reg := registrytest.Start(t, registrytest.Options{Token: &ts.Auth})
	ctx := context.Background()
	ref := mustRef(t, reg.Addr+"/team/app")
	var debug bytes.Buffer
	c := registry.New(registry.WithDebug(&debug), registry.WithKeychain(registry.Static(reg.Addr, registry.Credentials{Username: "carol", Password: "pw-carol"})))
	desc, _ := pushImage(t, ctx, c.Repository(ref), []byte("layer behind tokens"), ocispec.MediaTypeImageManifest, "v1")
	if !slices.Contains(ts.Scopes(), "repository:team/app:pull,push") {
		t.Errorf("token scopes asked: %q", ts.Scopes())
	}
	anon := registry.New().Repository(ref)
	if got, _, err := anon.Manifest(ctx, "v1"); err != nil || got.Digest != desc.Digest {
		t.Fatalf("anonymous pull with a pull token: %v", err)
	}
	err = anon.PushBlob(ctx, descOf("x", []byte("nope")), opener([]byte("nope")), nil, nil)
	if !errors.Is(err, registry.ErrUnauthorized) && !errors.Is(err, registry.ErrDenied) {
		t.Errorf("anonymous push: %v", err)
	}
	if strings.Contains(debug.String(), "pw-carol") || !strings.Contains(debug.String(), "<   Www-Authenticate: Bearer realm=\""+ts.URL+"/token\"") {
		t.Errorf("debug output:\n%s", &debug)
	}
}
