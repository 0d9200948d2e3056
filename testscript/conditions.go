package testscript

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// condition answers the conditions go-internal does not know: [root],
// [userns], [overlay], [cgroup2], [cgroup2:CONTROLLER], [static] and
// [ramdisk].
func condition(cond string) (bool, error) {
	name, arg, hasArg := strings.Cut(cond, ":")
	switch {
	case cond == "root":
		return os.Geteuid() == 0, nil
	case cond == "userns":
		return canUserns(), nil
	case cond == "overlay":
		// Mounting overlay needs root, or root in a user namespace.
		return hasOverlay() && (os.Geteuid() == 0 || canUserns()), nil
	case name == "cgroup2" && !hasArg:
		controllers, err := cgroup2Controllers()
		return controllers != nil, err
	case name == "cgroup2" && arg != "":
		controllers, err := cgroup2Controllers()
		return controllers[arg], err
	case cond == "static":
		return testBinaryStatic()
	case cond == "ramdisk":
		return testRamdisk() != "", nil
	}
	return false, fmt.Errorf("unknown condition %q (want root, userns, overlay, cgroup2, cgroup2:CONTROLLER, static, ramdisk or one of go-internal's)", cond)
}

// RamdiskEnv names a ramdisk (/dev/ramN, from the brd module) that
// transcripts may overwrite: the VM tier sets it. [ramdisk] is true when
// it names one that nothing has mounted, and a transcript finds it in
// $RAMDISK. Never a guess: a transcript makes a file system on it.
const RamdiskEnv = "MINIDOCKER_TEST_RAMDISK"

// testBinaryStatic reports whether the running test binary can be copied
// into a root filesystem that has no dynamic loader.
var testBinaryStatic = sync.OnceValues(func() (bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return false, fmt.Errorf("find the test binary: %w", err)
	}
	return staticELF(exe)
})
