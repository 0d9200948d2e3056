package cgroup

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// AllowDevices attaches a device filter allowing only rules to the
// cgroup: every open or mknod of a device node by a process in it is
// checked. It works on any cgroup2 cgroup, no controller needed, on a
// hybrid host too.
func (c *Cgroup) AllowDevices(rules []DeviceRule) error {
	prog, err := deviceFilter(rules)
	if err != nil {
		return err
	}
	insns := encode(prog)
	license := []byte("Apache-2.0\x00")
	logBuf := make([]byte, 64<<10)
	// union bpf_attr for BPF_PROG_LOAD, up to the fields we set.
	load := struct {
		progType, insnCnt      uint32
		insns, license         uint64
		logLevel, logSize      uint32
		logBuf                 uint64
		kernVersion, progFlags uint32
		progName               [16]byte
	}{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE, insnCnt: uint32(len(prog)),
		insns: uint64(uintptr(unsafe.Pointer(&insns[0]))), license: uint64(uintptr(unsafe.Pointer(&license[0]))),
		logLevel: 1, logSize: uint32(len(logBuf)), logBuf: uint64(uintptr(unsafe.Pointer(&logBuf[0]))),
	}
	copy(load.progName[:], "minidocker_dev")
	// The verifier gives up with EAGAIN when a signal is pending, and the
	// Go runtime signals its threads to preempt them: retry, as
	// cilium/ebpf does.
	var fd uintptr
	var errno unix.Errno
	for range 10 {
		fd, _, errno = unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&load)), unsafe.Sizeof(load))
		if errno != unix.EAGAIN {
			break
		}
	}
	runtime.KeepAlive(insns)
	runtime.KeepAlive(license)
	if errno != 0 {
		return fmt.Errorf("load device filter: %w: %s", errno, cString(logBuf))
	}
	defer unix.Close(int(fd))
	dir, err := c.Open()
	if err != nil {
		return err
	}
	defer dir.Close()
	attach := struct {
		targetFd, attachBpfFd, attachType, attachFlags uint32
	}{uint32(dir.Fd()), uint32(fd), unix.BPF_CGROUP_DEVICE, unix.BPF_F_ALLOW_MULTI}
	if _, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_ATTACH, uintptr(unsafe.Pointer(&attach)), unsafe.Sizeof(attach)); errno != 0 {
		return fmt.Errorf("attach device filter to %s: %w", c.Dir(), errno)
	}
	return nil
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
