package ns

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// limitCapabilities bounds what the command can ever hold to caps. execve
// gives root the bounding set (plus the inheritable set, cleared here) and
// any other user nothing, so the bounding set is the whole story; the init
// itself keeps its capabilities until it executes the command. Like the
// credentials, all of this is per thread: the one that executes.
func limitCapabilities(caps []string) error {
	keep, err := capMask(caps)
	if err != nil {
		return err
	}
	last := lastCap()
	for c := 0; c <= last; c++ {
		if keep&(1<<c) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			return fmt.Errorf("drop %s from the bounding set: %w", capName(c), err)
		}
	}
	// Ambient capabilities would survive execve for any user: none.
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData // capabilities 0-31 and 32-63
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	data[0].Inheritable, data[1].Inheritable = 0, 0
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("clear inheritable capabilities: %w", err)
	}
	return nil
}

// lastCap is the highest capability this kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if n, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
		return n
	}
	return len(capNames) - 1
}

func capName(c int) string {
	if c < len(capNames) {
		return capNames[c]
	}
	return "capability " + strconv.Itoa(c)
}
