package minidocker

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
)

// proxied are the signals `minidocker run` passes on to the container, as
// `docker run --sig-proxy` does.
var proxied = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// runContainer starts the container, attaches it to the terminal or the
// given streams, forwards signals and returns its exit code.
func runContainer(cfg *ns.Config, interactive bool, stdin, stdout, stderr *os.File) (int, error) {
	stdio := ns.Stdio{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if !interactive || cfg.Tty {
		// Without -i the container reads nothing, as with docker; with -t
		// its stdin is the terminal and we copy to it.
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			return 0, err
		}
		defer devnull.Close()
		stdio.Stdin = devnull
	}
	if cfg.Tty {
		cfg.ConsoleSize = consoleSize(stdout, stdin)
	}
	// Catch signals before the container exists, so none is lost.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, proxied...)
	defer signal.Stop(sigs)

	p, err := ns.Start(cfg, stdio)
	if err != nil {
		return 0, err
	}
	phase.Mark("cli: command started")
	defer p.Close()
	go func() {
		for sig := range sigs {
			p.Signal(sig.(syscall.Signal))
		}
	}()
	var detach func()
	if cfg.Tty {
		var in *os.File
		if interactive {
			in = stdin
		}
		if detach, err = attachTerminal(p.Pty, in, stdout); err != nil {
			p.Signal(unix.SIGKILL)
			p.Wait()
			return 0, err
		}
	}
	code, err := p.Wait()
	if detach != nil {
		detach()
	}
	return code, err
}
