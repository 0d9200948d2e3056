package whiteout

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// MakeOverlay creates overlay's whiteout for name in the directory dirfd:
// a character device 0/0. It needs CAP_MKNOD in the initial user
// namespace, or a kernel that allows 0/0 devices in a user namespace
// (5.8+, for overlays mounted inside it).
func MakeOverlay(dirfd int, name string) error {
	if err := unix.Mknodat(dirfd, name, unix.S_IFCHR|0, 0); err != nil {
		return fmt.Errorf("make overlay whiteout %s: %w", name, err)
	}
	return nil
}

// IsOverlay reports whether st describes an overlay whiteout.
func IsOverlay(st *unix.Stat_t) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// SetOpaque marks the directory open at fd opaque, under xattr (OpaqueXattr
// or UserOpaqueXattr).
func SetOpaque(fd int, xattr string) error {
	if err := unix.Fsetxattr(fd, xattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("set %s: %w", xattr, err)
	}
	return nil
}

// IsOpaque reports whether the directory open at fd is marked opaque
// under xattr.
func IsOpaque(fd int, xattr string) (bool, error) {
	buf := make([]byte, 1)
	n, err := unix.Fgetxattr(fd, xattr, buf)
	switch err {
	case nil:
		return n == 1 && buf[0] == 'y', nil
	case unix.ENODATA, unix.ENOTSUP, unix.ERANGE:
		return false, nil
	}
	return false, fmt.Errorf("get %s: %w", xattr, err)
}
