package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/minidocker/minidocker/testscript"
)

// BenchmarkStartup times `run /bin/true` from the command line to the exit,
// for bin/minidocker (built by `make bench`) and, as the floor, util-linux
// unshare making the same namespaces with no rootfs to set up.
func BenchmarkStartup(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: the peers here make namespaces without a user namespace")
	}
	bin, err := filepath.Abs("../bin/minidocker")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		b.Skipf("no %s: run make bench (or make build first)", bin)
	}
	rootfs := filepath.Join(b.TempDir(), "rootfs")
	if err := testscript.MkRootfs(rootfs); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"minidocker", []string{bin, "run", "--rm", "--root", filepath.Join(b.TempDir(), "state"), "--rootfs", rootfs, "/bin/true"}},
		{"unshare", []string{"unshare", "--mount", "--uts", "--ipc", "--pid", "--net", "--cgroup", "--fork", "/bin/true"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := exec.LookPath(c.argv[0]); err != nil {
				b.Skipf("no %s: %v", c.argv[0], err)
			}
			for b.Loop() {
				if out, err := exec.Command(c.argv[0], c.argv[1:]...).CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", c.argv, err, out)
				}
			}
		})
	}
}
