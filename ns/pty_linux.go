package ns

import (
	"encoding/json"
	"fmt"

	"golang.org/x/sys/unix"
)

// setupTty gives the command a terminal from the container's own devpts:
// the master goes to the parent (which copies it to the user's terminal),
// the slave becomes stdin, stdout, stderr and the controlling terminal of a
// new session, as a login would have it.
func setupTty(size ConsoleSize) error {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlock pty: %w", err)
	}
	// TIOCGPTPEER opens the slave from the master, without a path to trust.
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 {
		return fmt.Errorf("open pty slave: %w", errno)
	}
	slave := int(r)
	if size.Rows > 0 && size.Cols > 0 {
		ws := unix.Winsize{Row: size.Rows, Col: size.Cols}
		if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &ws); err != nil {
			unix.Close(slave)
			return fmt.Errorf("set terminal size: %w", err)
		}
	}
	b, _ := json.Marshal(message{Type: "pty"})
	if err := unix.Sendmsg(syncFd, b, unix.UnixRights(master), nil, 0); err != nil {
		unix.Close(slave)
		return fmt.Errorf("send pty master: %w", err)
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(slave, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("dup pty slave: %w", err)
		}
	}
	return unix.Close(slave)
}
