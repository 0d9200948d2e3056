//go:build !linux

package minidocker

import (
	"errors"
	"io"

	"github.com/minidocker/minidocker/ns"
)

type containerNetwork struct{}

func (nm *networkMode) attach(id string, cfg *ns.Config) (*containerNetwork, error) {
	if nm.mode == "none" {
		return nil, nil
	}
	return nil, errors.New("networks need Linux network namespaces: run minidocker in a Linux VM")
}

func (c *containerNetwork) detach(stderr io.Writer) {}

func networkCleanup(args []string, stdin io.Reader) int { return ExitEngine }
