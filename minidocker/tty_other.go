//go:build !linux

package minidocker

import (
	"bufio"
	"errors"
	"os"
)

// isTerminal: progress bars are drawn on Linux only.
func isTerminal(*os.File) bool { return false }

// readPassword: give the password with --password-stdin off Linux.
func readPassword(*os.File, *bufio.Reader) (string, error) {
	return "", errors.New("reading a password from the terminal needs Linux: use --password-stdin")
}
