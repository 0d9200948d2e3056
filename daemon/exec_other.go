//go:build !linux

package daemon

import (
	"errors"
	"io"
	"net/http"

	"github.com/minidocker/minidocker/engine"
)

var errNotLinux = errors.New("exec and terminals need Linux")

func (d *Daemon) startExec(w http.ResponseWriter, r *http.Request) error  { return errNotLinux }
func (d *Daemon) resizeExec(w http.ResponseWriter, r *http.Request) error { return errNotLinux }
func resizeInit(pid int, h, w uint16) error                               { return errNotLinux }
func (d *Daemon) copyStdin(c *engine.Container, in io.Reader)             { io.Copy(io.Discard, in) }
