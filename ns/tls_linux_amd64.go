package ns

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// KeeperSupported: this architecture has getg (getg_linux_amd64.s).
const KeeperSupported = true

// tlsBase is the thread's FS base. Go code reloads the goroutine's g from
// thread-local storage just below it, so a keeper keeps that page.
func tlsBase() uintptr {
	var fs uintptr
	syscall.RawSyscall(unix.SYS_ARCH_PRCTL, 0x1003 /* ARCH_GET_FS */, uintptr(unsafe.Pointer(&fs)), 0)
	return fs
}
