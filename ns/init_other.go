//go:build !linux

package ns

// Init is the container's first process; on other systems there is none.
func Init() int { return ExitEngine }
