//go:build !linux

package minidocker

import (
	"errors"
	"io"
)

func (o *storageOptions) setup(rootfs *string, stderr io.Writer) (func(), error) {
	if len(o.layers) > 0 {
		return func() {}, errors.New("--layer needs Linux")
	}
	return func() {}, nil
}
