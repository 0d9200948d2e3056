package content

import "errors"

var (
	// ErrNotFound: no blob with that digest.
	ErrNotFound = errors.New("blob not found")
	// ErrDigestMismatch: the bytes do not hash to the digest they were
	// given under (a corrupt download, or a corrupt file in the store).
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrSizeMismatch: the bytes are not as many as the descriptor says.
	ErrSizeMismatch = errors.New("size mismatch")
	// ErrInvalidDigest: not a digest of a supported algorithm.
	ErrInvalidDigest = errors.New("invalid digest")
)
