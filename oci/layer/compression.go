package layer

import (
	"bytes"
	"fmt"
)

// Compression is how a layer blob is compressed.
type Compression int

const (
	Uncompressed Compression = iota
	Gzip
	Zstd
)

func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "none"
}

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	bzip2Magic = []byte("BZh")
	bzip2Block = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
)

// Detect tells the compression of a blob from its first bytes (at least
// 10 of them, or all there are): by magic number, as Docker and containerd
// do, whatever the media type claims. xz and bzip2 are recognised only to
// be refused by name.
func Detect(head []byte) (Compression, error) {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip, nil
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd, nil
	case bytes.HasPrefix(head, xzMagic):
		return 0, fmt.Errorf("xz: %w (recompress the layer with gzip or zstd)", ErrUnsupported)
	case len(head) >= 10 && bytes.HasPrefix(head, bzip2Magic) && bytes.Equal(head[4:10], bzip2Block):
		return 0, fmt.Errorf("bzip2: %w (recompress the layer with gzip or zstd)", ErrUnsupported)
	}
	return Uncompressed, nil
}
