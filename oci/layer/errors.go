package layer

import "errors"

var (
	// ErrDigestMismatch: the blob or its uncompressed stream does not hash
	// to the digest it was given. What was extracted must not be used.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrLimit: the layer is larger than a limit allows (a decompression
	// bomb, or a header lying about sizes). What was extracted must not be
	// used.
	ErrLimit = errors.New("layer exceeds a limit")
	// ErrInvalid: the layer holds an entry no extractor should accept
	// (an unknown whiteout name, a hard link to nothing...).
	ErrInvalid = errors.New("invalid layer")
	// ErrUnsupported: the stream is compressed in a format not supported.
	ErrUnsupported = errors.New("unsupported layer compression")
)
