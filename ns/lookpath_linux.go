package ns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// lookPath finds the command in the container's PATH, as the container's
// user, and says why it cannot run with docker's exit codes: 127 when there
// is no such file, 126 when it is there but cannot be executed.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, checkExecutable(file)
	}
	path := DefaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", &StartError{Code: ExitNotFound, Msg: fmt.Sprintf("exec: %q: %v", file, ErrNotFound)}
}

func checkExecutable(file string) error {
	fi, err := os.Stat(file)
	if err != nil {
		code := ExitCannotInvoke
		if errors.Is(err, os.ErrNotExist) {
			code = ExitNotFound
		}
		return &StartError{Code: code, Msg: fmt.Sprintf("exec: %q: %v", file, err)}
	}
	if fi.IsDir() {
		return &StartError{Code: ExitCannotInvoke, Msg: fmt.Sprintf("exec: %q: is a directory", file)}
	}
	if err := unix.Faccessat(unix.AT_FDCWD, file, unix.X_OK, unix.AT_EACCESS); err != nil {
		return &StartError{Code: ExitCannotInvoke, Msg: fmt.Sprintf("exec: %q: permission denied", file)}
	}
	return nil
}

// execError turns a failed execve into docker's exit codes.
func execError(file string, err error) error {
	code := ExitCannotInvoke
	if errors.Is(err, unix.ENOENT) {
		code = ExitNotFound // e.g. a script whose interpreter is missing
	}
	return &StartError{Code: code, Msg: fmt.Sprintf("exec: %q: %v", file, err)}
}
