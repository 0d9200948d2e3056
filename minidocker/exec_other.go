//go:build !linux

package minidocker

import (
	"errors"
	"os"
)

func execCommand(args []string, stdin, stdout, stderr *os.File) int {
	return fail(stderr, errors.New("containers need Linux namespaces: run minidocker in a Linux VM"))
}
