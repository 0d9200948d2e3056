package testscript

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// unprivUID is the user of mkrootfs's /etc/passwd that unpriv runs as.
const unprivUID = 1000

// unpriv runs CMD as an unprivileged user: as uid and gid 1000 with no
// supplementary groups when we are root, else as ourselves.
func unpriv(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: unpriv CMD [ARGS...]")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if os.Geteuid() == 0 {
		// The user must reach the script's files, its cwd and CMD itself,
		// under directories that are 0700 by default (os.MkdirTemp).
		dirs := []string{os.Getenv("WORK")}
		if cwd, err := os.Getwd(); err == nil {
			dirs = append(dirs, cwd)
		}
		if cmd.Err == nil {
			if abs, err := filepath.Abs(cmd.Path); err == nil {
				dirs = append(dirs, filepath.Dir(abs))
			}
		}
		for _, d := range dirs {
			if err := openToOthers(d); err != nil {
				fmt.Fprintf(os.Stderr, "unpriv: %v\n", err)
				return 125
			}
		}
		// The engine's state of its own, which the user can write.
		if root := os.Getenv("MINIDOCKER_ROOT"); root != "" {
			dir := root + "-unpriv"
			if err := os.MkdirAll(dir, 0o700); err == nil {
				err = os.Chown(dir, unprivUID, unprivUID)
			}
			cmd.Env = append(os.Environ(), "MINIDOCKER_ROOT="+dir)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: unprivUID, Gid: unprivUID, Groups: []uint32{}},
		}
	}
	return childExit("unpriv", cmd.Run())
}

// openToOthers adds search permission (g+x, o+x) to dir and each parent
// below /, keeping the other mode bits.
func openToOthers(dir string) error {
	if dir == "" {
		return nil
	}
	for d := filepath.Clean(dir); d != "/" && d != "."; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("open %s to others: %w", d, err)
		}
		mode := fi.Mode() & (os.ModePerm | os.ModeSticky | os.ModeSetgid | os.ModeSetuid)
		if mode&0o011 == 0o011 {
			continue
		}
		if err := os.Chmod(d, mode|0o011); err != nil {
			return fmt.Errorf("open %s to others: %w", d, err)
		}
	}
	return nil
}
