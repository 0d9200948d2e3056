//go:build !linux

package images

import (
	"errors"

	"github.com/minidocker/minidocker/unionfs"
)

func openSnapshotter(string, options) (unionfs.Snapshotter, error) {
	return nil, errors.New("image store: layers need Linux's snapshot store")
}
