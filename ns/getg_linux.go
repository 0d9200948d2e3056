//go:build amd64 || arm64

package ns

import "unsafe"

func getg() unsafe.Pointer // getg_linux_*.s
