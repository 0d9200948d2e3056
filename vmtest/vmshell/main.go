// Command vmshell boots vmtest's guest with a shell on this terminal:
// Debian's kernel with pure cgroup v2 and every controller, minidocker in
// /bin, a busybox rootfs for it in /rootfs, and the modules of
// vmtest.GuestModules loaded: ramdisks /dev/ram0-3, loop, ext4, overlay,
// veth, bridge. `make vm-shell` runs it.
//
//	vm# minidocker run --rootfs /rootfs --memory 32m tail /dev/zero
//	vm# mke2fs /dev/ram0 && mkdir /disk && mount /dev/ram0 /disk
//
// Exit the shell (or Ctrl-A X, QEMU's own key) to power the guest off.
// With -fetch it only fetches the kernel and its modules into .cache/vm
// (make deps), if the cache lacks them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/minidocker/minidocker/vmtest"
)

func main() {
	fetch := flag.Bool("fetch", false, "only fetch the kernel into .cache/vm")
	flag.Parse()
	if err := run(*fetch); err != nil {
		fmt.Fprintln(os.Stderr, "vmshell:", err)
		os.Exit(1)
	}
}

func run(fetch bool) error {
	root, err := vmtest.ModuleRoot()
	if err != nil {
		return err
	}
	kernel, err := vmtest.FindKernel(filepath.Join(root, ".cache", "vm"))
	if err != nil || fetch {
		return err
	}
	busybox, err := vmtest.Busybox()
	if err != nil {
		return err
	}
	bin, err := os.MkdirTemp("", "vmshell-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	for _, b := range []struct{ out, pkg string }{{"vminit", "./vmtest/vminit"}, {"minidocker", "./cmd/minidocker"}, {"mkrootfs", "./cmd/mkrootfs"}} {
		if err := vmtest.Build(root, "build", "-o", filepath.Join(bin, b.out), b.pkg); err != nil {
			return err
		}
	}
	profile := "echo 'minidocker is in /bin; try: minidocker run --rootfs /rootfs --memory 32m tail /dev/zero'\n" +
		"echo 'ramdisks /dev/ram0-3; loop, ext4, overlay, veth and bridge are loaded (lsmod)'\n" +
		"[ -d /rootfs ] || mkrootfs /rootfs >/dev/null\n"
	_, err = vmtest.Run(context.Background(), vmtest.Config{
		Kernel: kernel, Init: filepath.Join(bin, "vminit"), Busybox: busybox, Shell: true,
		Files: []vmtest.Entry{
			{Name: "bin/minidocker", Mode: 0o100755, HostPath: filepath.Join(bin, "minidocker")},
			{Name: "bin/mkrootfs", Mode: 0o100755, HostPath: filepath.Join(bin, "mkrootfs")},
			{Name: "etc/profile", Mode: 0o100644, Data: []byte(profile)},
		},
	})
	return err
}
