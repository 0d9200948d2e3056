package minidocker

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// rawTerminal puts our terminal in raw mode, for a container's: every
// key goes to its line discipline. It returns how to put it back, or nil
// if stdin is no terminal.
func rawTerminal(stdin *os.File) func() {
	restore, err := makeRaw(int(stdin.Fd()))
	if err != nil {
		return nil
	}
	return restore
}

// followSize sends our window's size, now and on each SIGWINCH, to
// resize (POST .../resize), until stop.
func followSize(stdout, stdin *os.File, resize func(rows, cols uint16)) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range winch {
			if size := consoleSize(stdout, stdin); size.Rows > 0 {
				resize(size.Rows, size.Cols)
			}
		}
	}()
	winch <- unix.SIGWINCH
	return func() {
		signal.Stop(winch)
		close(winch)
		<-done
	}
}
