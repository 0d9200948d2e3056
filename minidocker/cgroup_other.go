//go:build !linux

package minidocker

import (
	"io"

	"github.com/minidocker/minidocker/ns"
)

type containerCgroup struct{}

func (c *cgroupOptions) createCgroup(id string, cfg *ns.Config) (*containerCgroup, error) {
	_, err := c.resources()
	return nil, err
}

func (cg *containerCgroup) finish(code int, err error, stderr io.Writer) (int, error) {
	return code, err
}

func cgroupCleanup(args []string, stdin io.Reader) int { return ExitEngine }
