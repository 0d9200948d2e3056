//go:build linux && !amd64 && !arm64

package ns

import "unsafe"

// KeeperSupported is false: there is no getg for this architecture; a
// Config.Keeper is refused.
const KeeperSupported = false

func getg() unsafe.Pointer { return nil }

func tlsBase() uintptr { return 0 }
