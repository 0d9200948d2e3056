package testscript

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// canUserns reports whether we can really make a user namespace: a child
// in a new one, with our IDs mapped to root, runs to its end. Sysctls,
// seccomp filters and LSMs can each forbid it, so ask the kernel.
var canUserns = sync.OnceValue(func() bool {
	truePath, err := exec.LookPath("true")
	if err != nil {
		return false
	}
	cmd := exec.Command(truePath)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	return cmd.Run() == nil
})

// hasOverlay reports whether the kernel knows overlayfs.
var hasOverlay = sync.OnceValue(func() bool {
	f, err := os.Open("/proc/filesystems")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 && fields[len(fields)-1] == "overlay" {
			return true
		}
	}
	return false
})

// cgroup2Controllers returns the controllers at the root of the first
// cgroup2 mount, or nil if there is none. The mount is looked up, not
// assumed at /sys/fs/cgroup: on a hybrid host it is elsewhere
// (/sys/fs/cgroup/unified) with few controllers.
var cgroup2Controllers = sync.OnceValues(func() (map[string]bool, error) {
	mounts, err := readMountinfo()
	if err != nil {
		return nil, err
	}
	for _, m := range mounts {
		if m.fstype != "cgroup2" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(m.point, "cgroup.controllers"))
		if err != nil {
			return nil, fmt.Errorf("read cgroup2 controllers: %w", err)
		}
		controllers := make(map[string]bool)
		for _, c := range strings.Fields(string(data)) {
			controllers[c] = true
		}
		return controllers, nil
	}
	return nil, nil
})

// testRamdisk is $MINIDOCKER_TEST_RAMDISK if it is a ramdisk (a block
// device of brd's major, 1) that is not mounted, or "".
func testRamdisk() string {
	dev := os.Getenv(RamdiskEnv)
	var st unix.Stat_t
	if dev == "" || unix.Stat(dev, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK || unix.Major(st.Rdev) != 1 {
		return ""
	}
	mounts, err := readMountinfo()
	if err != nil {
		return ""
	}
	devno := fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	for _, m := range mounts {
		if f := strings.Fields(m.line); len(f) > 2 && f[2] == devno {
			return ""
		}
	}
	return dev
}
