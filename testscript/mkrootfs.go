package testscript

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// errNoBusybox is what a learner sees on a host without busybox-static.
var errNoBusybox = errors.New("need a static busybox (apt-get install busybox-static)")

// cmdMkrootfs makes DIR a busybox root filesystem: mkrootfs DIR.
func cmdMkrootfs(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! mkrootfs")
	}
	if len(args) != 1 {
		s.Fatalf("usage: mkrootfs DIR")
	}
	if err := mkrootfs(s.MkAbs(args[0]), s.Getenv("PATH")); err != nil {
		s.Fatalf("mkrootfs: %v", err)
	}
}

var rootfsDirs = []struct {
	name string
	mode fs.FileMode
}{
	{".", 0o755}, {"bin", 0o755}, {"dev", 0o755}, {"etc", 0o755},
	{"home", 0o755}, {"home/user", 0o755}, {"proc", 0o755},
	{"root", 0o700}, {"sys", 0o755}, {"tmp", 0o777 | fs.ModeSticky},
	{"usr", 0o755}, {"usr/bin", 0o755}, {"var", 0o755},
}

const passwd = `root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
`

const group = `root:x:0:
tty:x:5:
audio:x:29:user
user:x:1000:
nogroup:x:65534:
`

// MkRootfs makes dir the busybox root filesystem the transcripts use, with
// the static busybox found on $PATH: for `make demo` and the benchmarks.
func MkRootfs(dir string) error { return mkrootfs(dir, os.Getenv("PATH")) }

// mkrootfs fills dir with a static busybox found on pathList, a symlink
// per applet, the usual directories and users root, nobody and user.
func mkrootfs(dir, pathList string) error {
	busybox, err := findBusybox(pathList)
	if err != nil {
		return err
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("list busybox applets: %w", err)
	}
	root := os.Geteuid() == 0
	for _, d := range rootfsDirs {
		p := filepath.Join(dir, d.name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		// Chmod, not MkdirAll's mode: the umask would clear bits.
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
		if root {
			id := 0
			if d.name == "home/user" {
				id = 1000
			}
			if err := os.Chown(p, id, id); err != nil {
				return err
			}
		}
	}
	if err := copyFile(busybox, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return err
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		err := os.Symlink("busybox", filepath.Join(dir, "bin", applet))
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte(passwd), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "etc/group"), []byte(group), 0o644)
}

// findBusybox finds a statically linked busybox on pathList: a dynamic one
// would find no libc in the root filesystem.
func findBusybox(pathList string) (string, error) {
	for _, d := range filepath.SplitList(pathList) {
		p := filepath.Join(d, "busybox")
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			continue
		}
		if static, err := staticELF(p); err != nil || !static {
			return "", errNoBusybox
		}
		return p, nil
	}
	return "", errNoBusybox
}
