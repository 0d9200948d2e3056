//go:build !linux

package minidocker

import (
	"errors"
	"os"

	"github.com/minidocker/minidocker/ns"
)

func runContainer(cfg *ns.Config, interactive bool, stdin, stdout, stderr *os.File) (int, error) {
	return 0, errors.New("containers need Linux namespaces: run minidocker in a Linux VM")
}
