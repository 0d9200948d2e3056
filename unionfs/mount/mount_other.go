//go:build !linux

package mount

import "errors"

var errNotLinux = errors.New("mounts need Linux")

// All performs mounts on target: Linux only.
func All(mounts []Mount, target string) error { return errNotLinux }

// Mount performs m on target: Linux only.
func (m Mount) Mount(target string) error { return errNotLinux }

// Unmount unmounts target: Linux only.
func Unmount(target string) error { return errNotLinux }
