package ns

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwarded are the signals the reaper passes on to the command. SIGKILL
// and SIGSTOP cannot be caught; SIGCHLD is the reaper's own business.
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1, unix.SIGUSR2,
	unix.SIGWINCH, unix.SIGCONT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGALRM,
}

// reap is `--init`: the init stays PID 1, runs the command as its child and
// reaps every process that ends up orphaned in the container. The kernel
// gives orphans to PID 1; a command that never calls wait() leaves them as
// zombies. It returns only if the command could not be started.
func reap(cfg *Config, u ExecUser, env []string) error {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, append([]os.Signal{unix.SIGCHLD}, forwarded...)...)
	path, err := lookPath(cfg.Args[0], env)
	if err != nil {
		return err
	}
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys: &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID), Groups: toUint32(u.Groups), NoSetGroups: cfg.Rootless},
			Setpgid:    true,
			Foreground: cfg.Tty, // the command, not the reaper, gets the terminal's ^C
			Ctty:       0,
		},
	}
	pid, err := syscall.ForkExec(path, cfg.Args, attr)
	if err != nil {
		return execError(cfg.Args[0], err)
	}
	unix.Close(syncFd) // started: the parent sees the socket close
	for sig := range sigs {
		if sig != unix.SIGCHLD {
			unix.Kill(pid, sig.(syscall.Signal))
			continue
		}
		for {
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if wpid <= 0 {
				break
			}
			if wpid == pid {
				if ws.Signaled() {
					os.Exit(128 + int(ws.Signal()))
				}
				os.Exit(ws.ExitStatus())
			}
		}
	}
	return nil
}

func toUint32(ids []int) []uint32 {
	out := make([]uint32, len(ids))
	for i, id := range ids {
		out[i] = uint32(id)
	}
	return out
}
