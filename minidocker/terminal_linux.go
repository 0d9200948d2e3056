package minidocker

import (
	"errors"
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// attachTerminal connects the container's terminal (the pty master) to ours:
// our terminal goes raw, so every key (^C too) reaches the container's line
// discipline, and our window size follows to the container's. detach waits
// for the container's last output and puts our terminal back.
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
	resize := func() {
		for _, f := range []*os.File{stdout, stdin} {
			if f == nil {
				continue
			}
			if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
				unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws)
				return
			}
		}
	}
	resize()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	go func() {
		for range winch {
			resize()
		}
	}()
	if stdin != nil {
		go io.Copy(master, stdin)
	}
	done := make(chan struct{})
	go func() {
		// Ends with EIO once the last process holding the slave is gone.
		io.Copy(stdout, master)
		close(done)
	}()
	return func() {
		<-done
		signal.Stop(winch)
		close(winch)
		restore()
	}, nil
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
