// Command mkrootfs makes a busybox root filesystem, the one the chapter
// transcripts run containers on: mkrootfs DIR (DIR must not exist yet).
package main

import (
	"fmt"
	"os"

	"github.com/minidocker/minidocker/testscript"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkrootfs DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if _, err := os.Lstat(dir); err == nil {
		fmt.Fprintf(os.Stderr, "mkrootfs: %s exists: remove it first, or name a new directory\n", dir)
		os.Exit(1)
	}
	if err := testscript.MkRootfs(dir); err != nil {
		os.RemoveAll(dir) // no half-made rootfs for the next run to trip over
		fmt.Fprintf(os.Stderr, "mkrootfs: %v\n", err)
		os.Exit(1)
	}
}
