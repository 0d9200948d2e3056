package image

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// MaxDocumentSize bounds a manifest, index or config read into memory
// (registries cap manifests at 4 MiB).
const MaxDocumentSize = 4 << 20

// probe is what every document says about itself.
type probe struct {
	SchemaVersion *int            `json:"schemaVersion"`
	MediaType     string          `json:"mediaType"`
	Manifests     json.RawMessage `json:"manifests"`
	Layers        json.RawMessage `json:"layers"`
	FSLayers      json.RawMessage `json:"fsLayers"`
	Config        json.RawMessage `json:"config"`
}

// Detect tells the media type of a manifest or index from its bytes and
// the media type it was served or stored with (which may be empty or
// generic: the document's own mediaType field, then its shape, decide).
func Detect(mediaType string, b []byte) (string, error) {
	if mediaType == MediaTypeDockerSchema1 || mediaType == MediaTypeDockerSchema1JWS {
		return "", ErrSchema1
	}
	var p probe
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%w: not JSON: %v", ErrInvalid, err)
	}
	if p.SchemaVersion != nil && *p.SchemaVersion == 1 || p.FSLayers != nil {
		return "", ErrSchema1
	}
	if p.SchemaVersion == nil || *p.SchemaVersion != 2 {
		return "", fmt.Errorf("%w: schemaVersion must be 2", ErrInvalid)
	}
	mt := p.MediaType
	if mt == "" && (IsManifest(mediaType) || IsIndex(mediaType)) {
		mt = mediaType
	}
	if mt == "" {
		switch {
		case p.Manifests != nil && p.Layers == nil:
			mt = ocispec.MediaTypeImageIndex
		case p.Config != nil && p.Manifests == nil:
			mt = ocispec.MediaTypeImageManifest
		default:
			return "", fmt.Errorf("%w: neither a manifest nor an index", ErrUnknownMediaType)
		}
	}
	if mediaType != "" && mt != mediaType && (IsManifest(mediaType) || IsIndex(mediaType)) {
		return "", fmt.Errorf("%w: document says %s, stored as %s", ErrInvalid, mt, mediaType)
	}
	if !IsManifest(mt) && !IsIndex(mt) {
		return "", fmt.Errorf("%w: %s", ErrUnknownMediaType, mt)
	}
	return mt, nil
}

func decode(b []byte, v any) error {
	if len(b) > MaxDocumentSize {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalid, len(b), MaxDocumentSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// ParseManifest reads an OCI or Docker schema 2 image manifest.
func ParseManifest(mediaType string, b []byte) (*ocispec.Manifest, error) {
	mt, err := Detect(mediaType, b)
	if err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if !IsManifest(mt) {
		return nil, fmt.Errorf("parse manifest: %w: %s is not a manifest", ErrUnknownMediaType, mt)
	}
	var m ocispec.Manifest
	if err := decode(b, &m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	m.MediaType = mt
	if err := checkDescriptor("config", m.Config); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	for i, l := range m.Layers {
		if err := checkDescriptor(fmt.Sprintf("layer %d", i), l); err != nil {
			return nil, fmt.Errorf("parse manifest: %w", err)
		}
	}
	return &m, nil
}

// ParseIndex reads an OCI image index or a Docker manifest list.
func ParseIndex(mediaType string, b []byte) (*ocispec.Index, error) {
	mt, err := Detect(mediaType, b)
	if err != nil {
		return nil, fmt.Errorf("parse index: %w", err)
	}
	if !IsIndex(mt) {
		return nil, fmt.Errorf("parse index: %w: %s is not an index", ErrUnknownMediaType, mt)
	}
	var x ocispec.Index
	if err := decode(b, &x); err != nil {
		return nil, fmt.Errorf("parse index: %w", err)
	}
	x.MediaType = mt
	for i, d := range x.Manifests {
		if err := checkDescriptor(fmt.Sprintf("manifest %d", i), d); err != nil {
			return nil, fmt.Errorf("parse index: %w", err)
		}
	}
	return &x, nil
}

// ParseConfig reads an image config (OCI and Docker share the fields
// that matter here) and checks its rootfs lists diff IDs.
func ParseConfig(b []byte) (*ocispec.Image, error) {
	var c ocispec.Image
	if err := decode(b, &c); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	if c.RootFS.Type != "layers" {
		return nil, fmt.Errorf("parse config: %w: rootfs.type %q, want \"layers\"", ErrInvalid, c.RootFS.Type)
	}
	for i, d := range c.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("parse config: %w: diff ID %d: %v", ErrInvalid, i, err)
		}
	}
	return &c, nil
}

func checkDescriptor(what string, d ocispec.Descriptor) error {
	if err := d.Digest.Validate(); err != nil {
		return fmt.Errorf("%w: %s: digest %q: %v", ErrInvalid, what, d.Digest, err)
	}
	if d.Digest.Algorithm() != digest.SHA256 && d.Digest.Algorithm() != digest.SHA512 {
		return fmt.Errorf("%w: %s: digest algorithm %s", ErrInvalid, what, d.Digest.Algorithm())
	}
	if d.Size < 0 {
		return fmt.Errorf("%w: %s: negative size %d", ErrInvalid, what, d.Size)
	}
	if d.MediaType == "" {
		return fmt.Errorf("%w: %s: no media type", ErrInvalid, what)
	}
	return nil
}
