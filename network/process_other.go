//go:build !linux

package network

import "errors"

// ProcessOf needs /proc.
func ProcessOf(pid int) (Process, error) {
	return Process{}, errors.New("processes are identified through /proc: Linux only")
}

// Alive reports false off Linux.
func (p Process) Alive() bool { return false }
