package ns

// KeeperSupported: this architecture has getg (getg_linux_arm64.s).
const KeeperSupported = true

// tlsBase is 0: on arm64 Go keeps g in a register, never reloaded from
// thread-local storage in Go code.
func tlsBase() uintptr { return 0 }
