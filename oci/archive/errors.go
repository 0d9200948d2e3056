package archive

import "errors"

var (
	// ErrFormat: the tar is neither a docker save nor an OCI archive.
	ErrFormat = errors.New("not an image archive (no index.json or manifest.json)")
	// ErrMissing: the archive refers to a file or blob it does not hold.
	ErrMissing = errors.New("archive refers to a file it does not hold")
)
