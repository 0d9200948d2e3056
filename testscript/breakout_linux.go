package testscript

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// breakout is the classic escape from chroot(2): chroot into a directory
// below the cwd, so the cwd is outside the root, and climb with "..". It
// prints whether PATH (a host path) is then reachable: exit 0 if so, 1 if
// not, 2 if it could not try.
func breakout(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: breakout PATH")
		return 2
	}
	if err := os.Mkdir("/.breakout", 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		fmt.Fprintf(os.Stderr, "breakout: %v\n", err)
		return 2
	}
	if err := unix.Chroot("/.breakout"); err != nil {
		fmt.Fprintf(os.Stderr, "breakout: chroot /.breakout: %v\n", err)
		return 2
	}
	// chroot does not change the cwd, and ".." stops only at the root of
	// the process, which the cwd is now outside of.
	for range 64 {
		if err := unix.Chdir(".."); err != nil {
			fmt.Fprintf(os.Stderr, "breakout: chdir ..: %v\n", err)
			return 2
		}
	}
	if err := unix.Chroot("."); err != nil {
		fmt.Fprintf(os.Stderr, "breakout: chroot .: %v\n", err)
		return 2
	}
	if _, err := os.Stat(args[0]); err == nil {
		fmt.Printf("escaped: %s is reachable\n", args[0])
		return 0
	}
	fmt.Printf("contained: %s is not reachable\n", args[0])
	return 1
}
