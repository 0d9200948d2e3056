//go:build !linux

package engine

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"golang.org/x/sys/unix"
)

// Containers need Linux: elsewhere the engine keeps its store and its
// volumes, and every command that would run something says so.
var errNotLinux = errors.New("containers need Linux namespaces: run minidocker in a Linux VM")

func checkLimits(r *cgroup.Resources, parent string) error {
	if r.Empty() {
		return nil
	}
	return errNotLinux
}
func (e *Engine) prepareRootfs(ctx context.Context, c *Container) error { return errNotLinux }
func (e *Engine) removeStopped(ctx context.Context, c *Container, volumes bool) error {
	return errNotLinux
}
func (e *Engine) Start(ctx context.Context, c *Container) error { return errNotLinux }
func (e *Engine) StartAttached(ctx context.Context, c *Container, a Attach) (*Session, error) {
	return nil, errNotLinux
}

// Session is a container started attached (Linux only).
type Session struct {
	Pid int
	Pty *os.File
}

func (ss *Session) Signal(sig unix.Signal) error                                { return errNotLinux }
func (ss *Session) Wait() (int, error)                                          { return 0, errNotLinux }
func Monitor(args []string) int                                                 { return 125 }
func MonitorFinish(args []string) int                                           { return 125 }
func CgroupCleanup(args []string, stdin io.Reader) int                          { return 125 }
func (e *Engine) Kill(c *Container, sig unix.Signal) error                      { return errNotLinux }
func (e *Engine) Stop(c *Container, timeout time.Duration) error                { return errNotLinux }
func (e *Engine) Wait(c *Container) (int, error)                                { return 0, errNotLinux }
func (e *Engine) Pause(c *Container) error                                      { return errNotLinux }
func (e *Engine) Unpause(c *Container) error                                    { return errNotLinux }
func (e *Engine) Top(c *Container) ([]Process, error)                           { return nil, errNotLinux }
func (e *Engine) Remove(ctx context.Context, ref string, o RemoveOptions) error { return errNotLinux }

func (e *Engine) layerSize(ctx context.Context, c *Container) int64 { return 0 }
func inode(fi fs.FileInfo) (uint64, bool)                           { return 0, false }

// OpenStdin opens the running container's stdin for writing (Linux only).
func (e *Engine) OpenStdin(c *Container) (*os.File, error) { return nil, errNotLinux }
