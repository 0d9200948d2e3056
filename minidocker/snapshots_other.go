//go:build !linux

package minidocker

import (
	"errors"
	"os"
)

func snapshotsCommand(args []string, stdout, stderr *os.File) int {
	return fail(stderr, errors.New("snapshots need Linux"))
}
