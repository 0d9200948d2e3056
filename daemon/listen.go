package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// DefaultHost is where the daemon listens unless told otherwise, as
// dockerd's unix:///var/run/docker.sock.
const DefaultHost = "unix:///run/minidocker.sock"

// ParseHost reads -H: unix:///PATH (or a bare /PATH) is the only kind the
// daemon listens on; tcp:// would put the API, which is root on this
// host, on the network.
func ParseHost(host string) (path string, err error) {
	switch {
	case strings.HasPrefix(host, "unix://"):
		path = strings.TrimPrefix(host, "unix://")
	case strings.HasPrefix(host, "/"):
		path = host
	default:
		return "", fmt.Errorf("host %q: want unix:///PATH (minidocker listens on unix sockets only)", host)
	}
	if path == "" {
		return "", fmt.Errorf("host %q: no socket path", host)
	}
	return path, nil
}

// Listen makes the API's unix socket at path, readable and writable by
// its owner only, or by group too when group is not "" (dockerd's docker
// group): whoever can connect can run a container that mounts the host's
// / and is root on it. A socket left by a daemon that died is replaced;
// one a live daemon answers on is not.
func Listen(path, group string) (net.Listener, error) {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("listen on %s: a daemon already answers there", path)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("listen on %s: exists and is not a socket", path)
		}
		os.Remove(path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	gid := -1
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: group %s: %w", path, group, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	// The socket is born 0600 (umask 0177 around bind: no moment when
	// another user could connect), then given to the group if asked.
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if gid >= 0 {
		err = errors.Join(os.Chown(path, -1, gid), os.Chmod(path, 0o660))
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("listen on %s: %w", path, err)
		}
	}
	return l, nil
}
