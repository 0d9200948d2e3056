package image

import "errors"

var (
	// ErrSchema1: a Docker schema 1 manifest (deprecated, unsupported).
	ErrSchema1 = errors.New("docker schema 1 manifests are not supported (deprecated since Docker 1.10; push the image again with a current Docker, or convert it with `skopeo copy`)")
	// ErrUnknownMediaType: a document of a kind this package does not read.
	ErrUnknownMediaType = errors.New("unknown media type")
	// ErrInvalid: a document that breaks the spec.
	ErrInvalid = errors.New("invalid image document")
)
