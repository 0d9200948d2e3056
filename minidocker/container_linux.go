package minidocker

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/minidocker/minidocker/engine"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

// proxied are the signals `minidocker run` passes on to the container, as
// `docker run --sig-proxy` does.
var proxied = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// runContainer starts the container attached to our streams or our
// terminal (this process is its monitor: it logs the output as it copies
// it), forwards signals and returns its exit code.
func runContainer(e *engine.Engine, c *engine.Container, interactive bool, stdin, stdout, stderr *os.File) (int, error) {
	a := engine.Attach{Stdout: stdout, Stderr: stderr}
	if interactive {
		// Without -i the container reads nothing, as with docker.
		a.Stdin = stdin
	}
	// Catch signals before the container exists, so none is lost.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, proxied...)
	defer signal.Stop(sigs)

	ss, err := e.StartAttached(context.Background(), c, a)
	if err != nil {
		return 0, err
	}
	phase.Mark("cli: command started")
	go func() {
		for sig := range sigs {
			ss.Signal(sig.(syscall.Signal))
		}
	}()
	var detach func()
	if c.Tty {
		if detach, err = attachTerminal(ss.Pty, a.Stdin, stdout); err != nil {
			ss.Signal(unix.SIGKILL)
			ss.Wait()
			return 0, err
		}
	}
	code, err := ss.Wait()
	if detach != nil {
		detach()
	}
	return code, err
}
