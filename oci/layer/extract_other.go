//go:build !linux

package layer

import (
	"context"
	"errors"
	"io"
)

// Extract needs Linux: paths are resolved in root by openat2.
func Extract(ctx context.Context, r io.Reader, dir string, opts ...Option) (*Result, error) {
	return nil, errors.New("extract layer: only on Linux")
}
