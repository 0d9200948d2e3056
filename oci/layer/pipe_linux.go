package layer

import (
	"os"

	"golang.org/x/sys/unix"
)

// setPipeSize asks for a deeper pipe; the kernel's limit
// (/proc/sys/fs/pipe-max-size) may refuse it, and then the default stays.
func setPipeSize(f *os.File, n int) {
	unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, n)
}
