package ns

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Shed is a keeper giving back its copy of the caller's memory: every
// private mapping is dropped (madvise MADV_DONTNEED) but for the pages the
// keeper runs on: [mem, mem+size), the stack around this call, the
// goroutine's g and the thread-local storage that names it. Once the
// caller has exited, a written page the keeper still mapped would be its
// alone; these few are all it writes again. The binary's code and
// read-only data go too: they are the file's, and fault back in from the
// page cache as the keeper's loop needs them. maps is room to read
// /proc/self/maps into.
func Shed(mem unsafe.Pointer, size uintptr, maps []byte) {
	var here byte
	sp := uintptr(unsafe.Pointer(&here)) &^ 4095
	g := uintptr(getg()) &^ 4095
	keep := [4][2]uintptr{
		{uintptr(mem), uintptr(mem) + size},
		{sp - 4096, sp + 16<<10}, // this frame and the keeper's, above it
		{g, g + 8192},
	}
	if fs := tlsBase(); fs != 0 {
		keep[3] = [2]uintptr{(fs - 8) &^ 4095, (fs-8)&^4095 + 8192}
	}
	path := [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 'm', 'a', 'p', 's', 0}
	fd, _, errno := syscall.RawSyscall6(unix.SYS_OPENAT, ^uintptr(99) /* AT_FDCWD */, uintptr(unsafe.Pointer(&path[0])), unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		return
	}
	n := 0
	for n < len(maps) {
		r, _, errno := syscall.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&maps[n])), uintptr(len(maps)-n))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 || r == 0 {
			break
		}
		n += int(r)
	}
	syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
	// Lines of "start-end perms offset dev inode path", in hex.
	for b := maps[:n]; len(b) > 0; {
		lo, i := hexAt(b, 0)
		hi, j := hexAt(b, i+1)
		private := j+4 < len(b) && b[j+4] == 'p'
		// Kept: [vdso] and [vvar], the kernel's, and [stack], whose top
		// holds the command line that ps shows.
		special := false
		for ; j < len(b) && b[j] != '\n'; j++ {
			if b[j] == '[' && j+1 < len(b) && (b[j+1] == 'v' || b[j+1] == 's') {
				special = true
			}
		}
		if private && !special {
			dontNeed(lo, hi, &keep, 0)
		}
		b = b[min(j+1, len(b)):]
	}
}

// hexAt reads the hexadecimal number at b[i:], returning it and the index
// after it.
func hexAt(b []byte, i int) (uintptr, int) {
	var v uintptr
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return v, i
		}
	}
	return v, i
}

// dontNeed drops [lo, hi) but for the ranges in keep from the k-th on.
func dontNeed(lo, hi uintptr, keep *[4][2]uintptr, k int) {
	for ; k < len(keep); k++ {
		if r := keep[k]; r[0] < hi && r[1] > lo {
			if r[0] > lo {
				dontNeed(lo, r[0], keep, k+1)
			}
			if r[1] < hi {
				dontNeed(r[1], hi, keep, k+1)
			}
			return
		}
	}
	if lo < hi {
		syscall.RawSyscall(unix.SYS_MADVISE, lo, hi-lo, unix.MADV_DONTNEED)
	}
}

// KeeperExec is a keeper's last act: every fd closed but lock, which
// becomes fd 3, and argv executed (NULL-terminated arrays of C strings,
// as execve takes them). It returns only if the exec failed.
func KeeperExec(lock int, path *byte, argv, envp *uintptr) {
	closeAllBut(lock, -1)
	if lock != 3 {
		syscall.RawSyscall(unix.SYS_DUP3, uintptr(lock), 3, 0)
	} else {
		syscall.RawSyscall(unix.SYS_FCNTL, 3, unix.F_SETFD, 0)
	}
	var act [4]uintptr // SIGPIPE back to SIG_DFL, as a program expects it
	syscall.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGPIPE), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(argv)), uintptr(unsafe.Pointer(envp)))
}
