package image

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	m, err := ParseManifest("", read(t, "docker-manifest.json"))
	if err != nil || m.MediaType != MediaTypeDockerManifest || len(m.Layers) != 1 || m.Layers[0].Size != 2220094 || !IsConfig(m.Config.MediaType) {
		t.Fatalf("docker manifest: %+v %v", m, err)
	}
	m, err = ParseManifest(ocispec.MediaTypeImageManifest, read(t, "oci-manifest.json"))
	if err != nil || m.Layers[0].MediaType != ocispec.MediaTypeImageLayerZstd || !IsLayer(m.Layers[0].MediaType) {
		t.Fatalf("oci manifest: %+v %v", m, err)
	}
	x, err := ParseIndex("", read(t, "docker-manifest-list.json"))
	if err != nil || len(x.Manifests) != 2 || x.Manifests[1].Platform.Variant != "v7" {
		t.Fatalf("manifest list: %+v %v", x, err)
	}
	// No mediaType field: the shape tells.
	x, err = ParseIndex("", read(t, "oci-index.json"))
	if err != nil || x.MediaType != ocispec.MediaTypeImageIndex || x.Manifests[0].Annotations[ocispec.AnnotationRefName] != "latest" {
		t.Fatalf("oci index: %+v %v", x, err)
	}
	c, err := ParseConfig(read(t, "config.json"))
	if err != nil || c.Config.Cmd[0] != "sh" || len(c.RootFS.DiffIDs) != 1 {
		t.Fatalf("config: %+v %v", c, err)
	}
}

func TestSchema1Refused(t *testing.T) {
	for _, mt := range []string{"", MediaTypeDockerSchema1, MediaTypeDockerSchema1JWS} {
		_, err := ParseManifest(mt, read(t, "schema1.json"))
		if !errors.Is(err, ErrSchema1) {
			t.Errorf("%q: %v, want ErrSchema1", mt, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	for name, c := range map[string]struct {
		mt, doc string
		index   bool
	}{
		"not json":          {"", "{", false},
		"no version":        {"", `{"config":{}}`, false},
		"version 3":         {"", `{"schemaVersion":3,"config":{}}`, false},
		"bad digest":        {"", `{"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:zz","size":1}}`, false},
		"md5":               {"", `{"schemaVersion":2,"config":{"mediaType":"a","digest":"md5:d41d8cd98f00b204e9800998ecf8427e","size":1}}`, false},
		"negative size":     {"", `{"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824","size":-1}}`, false},
		"index as manifest": {"", string(read(t, "oci-index.json")), false},
		"manifest as index": {"", string(read(t, "oci-manifest.json")), true},
		"type disagrees":    {MediaTypeDockerManifest, string(read(t, "oci-manifest.json")), false},
		"unknown type":      {"", `{"schemaVersion":2,"mediaType":"text/plain"}`, false},
	} {
		var err error
		if c.index {
			_, err = ParseIndex(c.mt, []byte(c.doc))
		} else {
			_, err = ParseManifest(c.mt, []byte(c.doc))
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnknownMediaType) {
			t.Errorf("%s: %v, want ErrInvalid or ErrUnknownMediaType", name, err)
		}
	}
	if _, err := ParseConfig([]byte(`{"rootfs":{"type":"layers","diff_ids":["nope"]}}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("config with a bad diff ID: %v", err)
	}
}

// FuzzParse: whatever the bytes, parsing returns without panicking, and
// what parses survives a round trip through JSON unchanged.
func FuzzParse(f *testing.F) {
	for _, n := range []string{"docker-manifest.json", "docker-manifest-list.json", "oci-manifest.json", "oci-index.json", "schema1.json", "config.json"} {
		f.Add("", read(f, n))
	}
	f.Fuzz(func(t *testing.T, mt string, b []byte) {
		if m, err := ParseManifest(mt, b); err == nil {
			again, _ := json.Marshal(m)
			m2, err := ParseManifest(m.MediaType, again)
			if err != nil || m2.Config.Digest != m.Config.Digest || len(m2.Layers) != len(m.Layers) {
				t.Fatalf("manifest round trip: %v", err)
			}
		}
		if x, err := ParseIndex(mt, b); err == nil {
			again, _ := json.Marshal(x)
			if x2, err := ParseIndex(x.MediaType, again); err != nil || len(x2.Manifests) != len(x.Manifests) {
				t.Fatalf("index round trip: %v", err)
			}
		}
		ParseConfig(b)
	})
}
