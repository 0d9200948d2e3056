package daemon

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerGone reports whether the other end of c has closed it altogether:
// on a unix socket, poll(2) says POLLHUP once both directions are shut
// (a client that only closed its writing side still reads). A client of
// an attach to a container that prints nothing is found gone this way.
func peerGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	raw.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		if n, err := unix.Poll(fds, 0); err == nil && n > 0 {
			gone = fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
		}
	})
	return gone
}
