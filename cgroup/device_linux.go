package cgroup

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// ResolveDevice fills in d's major:minor from its device node, which must
// be a block device: io.max names devices by number, not by path.
func ResolveDevice(d *DeviceRate) error {
	var st unix.Stat_t
	if err := unix.Stat(d.Path, &st); err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return fmt.Errorf("device %s: %w: not a block device", d.Path, ErrInvalid)
	}
	d.Major, d.Minor = unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
	return nil
}
