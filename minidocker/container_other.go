//go:build !linux

package minidocker

import (
	"errors"
	"os"

	"github.com/minidocker/minidocker/engine"
)

func runContainer(e *engine.Engine, c *engine.Container, interactive bool, stdin, stdout, stderr *os.File) (int, error) {
	return 0, errors.New("containers need Linux namespaces: run minidocker in a Linux VM")
}
