package minidocker

import (
	"errors"
	"os"
	"os/signal"

	"github.com/minidocker/minidocker/ns"
	"golang.org/x/sys/unix"
)

// attachTerminal connects the container's terminal (the pty master) to
// ours: our terminal goes raw, so every key (^C too) reaches the
// container's line discipline, and changes of our window size follow to
// the container's (its first size the init set, from consoleSize). The
// bytes themselves are copied by the engine, which logs them too. detach
// puts our terminal back.
func attachTerminal(master, stdin, stdout *os.File) (detach func(), err error) {
	restore := func() {}
	if stdin != nil {
		if restore, err = makeRaw(int(stdin.Fd())); err != nil && !errors.Is(err, unix.ENOTTY) {
			return nil, err
		}
		if restore == nil {
			restore = func() {}
		}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range winch {
			if size := consoleSize(stdout, stdin); size.Rows > 0 {
				ws := unix.Winsize{Row: size.Rows, Col: size.Cols}
				unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &ws)
			}
		}
	}()
	// A resize between the init's reading of the size and the Notify above.
	winch <- unix.SIGWINCH
	return func() {
		signal.Stop(winch)
		close(winch)
		<-done
		restore()
	}, nil
}

// consoleSize is the size of the first of files that is a terminal, or
// zero.
func consoleSize(files ...*os.File) ns.ConsoleSize {
	for _, f := range files {
		if f == nil {
			continue
		}
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			return ns.ConsoleSize{Rows: ws.Row, Cols: ws.Col}
		}
	}
	return ns.ConsoleSize{}
}

// makeRaw is cfmakeraw(3): no echo, no line editing, no signals from keys,
// no output processing. It returns how to undo it.
func makeRaw(fd int) (func(), error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}
