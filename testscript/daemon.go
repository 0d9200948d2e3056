package testscript

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	ts "github.com/rogpeppe/go-internal/testscript"
)

// cmdDaemon runs minidocker daemon for a transcript, on a unix socket in
// $WORK, on the transcript's state root ($MINIDOCKER_ROOT), its log in
// $WORK/.daemon-VAR.log; stopped by PID when the transcript ends:
//
//	daemon start [-D] [VAR]   start it; $VAR (default DOCKER_HOST) is unix://SOCKET, $VAR_SOCK the
//	                          path, $VAR_LOG its log (with -D, a line per request)
//	daemon stop [VAR]    SIGTERM, and wait for it to exit (a daemon stopped and started again)
//	daemon kill [VAR]    SIGKILL: a daemon that dies without cleaning up
//
// The docker CLI reads DOCKER_HOST; DOCKER_CONFIG is set to $WORK/.docker
// so that it keeps its config out of $HOME.
func cmdDaemon(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! daemon")
	}
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	debug := fs.Bool("D", false, "log every request")
	if len(args) == 0 || fs.Parse(args[1:]) != nil || fs.NArg() > 1 {
		s.Fatalf("usage: daemon start [-D] [VAR] | daemon stop|kill [VAR]")
	}
	name := "DOCKER_HOST"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	key := "daemon:" + name
	runningMu.Lock()
	defer runningMu.Unlock()
	switch args[0] {
	case "start":
		if running[s] != nil && running[s][key] != nil {
			s.Fatalf("daemon %s: already running", name)
		}
		sock := s.MkAbs(".daemon-" + strings.ToLower(name) + ".sock")
		logPath := s.MkAbs(".daemon-" + strings.ToLower(name) + ".log")
		log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			s.Fatalf("daemon: %v", err)
		}
		exe, err := lookPath(s, "minidocker")
		if err != nil {
			s.Fatalf("daemon: %v", err)
		}
		cmd := exec.Command(exe, "daemon", "-H", "unix://"+sock)
		if *debug {
			cmd = exec.Command(exe, "-D", "daemon", "-H", "unix://"+sock)
		}
		cmd.Args[0] = "minidocker"
		cmd.Env = envOf(s)
		cmd.Dir = s.Getenv("WORK")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			log.Close()
			s.Fatalf("daemon: %v", err)
		}
		log.Close()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		p := &daemonProc{cmd: cmd, exited: exited, sock: sock}
		if running[s] == nil {
			running[s] = map[string]*daemonProc{}
			s.Defer(func() {
				runningMu.Lock()
				defer runningMu.Unlock()
				for _, p := range running[s] {
					if err := p.stop(syscall.SIGTERM); err != nil {
						s.Logf("daemon: %v", err)
					}
				}
				delete(running, s)
			})
		}
		running[s][key] = p
		if err := waitSocket(sock, exited, 10*time.Second); err != nil {
			b, _ := os.ReadFile(logPath)
			s.Fatalf("daemon: %v\n%s", err, b)
		}
		s.Setenv(name, "unix://"+sock)
		s.Setenv(name+"_SOCK", sock)
		s.Setenv(name+"_LOG", logPath)
		s.Setenv("DOCKER_CONFIG", s.MkAbs(".docker"))
		s.Logf("minidocker daemon serves on %s (pid %d)", sock, cmd.Process.Pid)
	case "stop", "kill":
		p := running[s][key]
		if p == nil {
			s.Fatalf("daemon %s: not running", name)
		}
		sig := syscall.SIGTERM
		if args[0] == "kill" {
			sig = syscall.SIGKILL
		}
		if err := p.stop(sig); err != nil {
			s.Fatalf("daemon: %v", err)
		}
		delete(running[s], key)
	default:
		s.Fatalf("usage: daemon start|stop|kill [VAR]")
	}
}

// running are the daemons each transcript started, by name (transcripts
// run in parallel).
var (
	runningMu sync.Mutex
	running   = map[*ts.TestScript]map[string]*daemonProc{}
)

type daemonProc struct {
	cmd    *exec.Cmd
	exited chan error
	sock   string
}

// stop signals the daemon and waits for it (SIGKILL after 10 seconds).
// A killed daemon leaves its socket, for the next one to replace.
func (p *daemonProc) stop(sig syscall.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("pid %d did not exit 10s after %v: killed", p.cmd.Process.Pid, sig)
	}
	return nil
}

func waitSocket(sock string, exited chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("exited before it listened: %v", err)
		default:
		}
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("not listening on %s after %v", sock, timeout)
}

// lookPath finds a program on the transcript's PATH.
func lookPath(s *ts.TestScript, prog string) (string, error) {
	for _, dir := range filepath.SplitList(s.Getenv("PATH")) {
		p := filepath.Join(dir, prog)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not on the transcript's PATH", prog)
}

// envOf is the transcript's environment, for a program it starts.
func envOf(s *ts.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "WORK", "MINIDOCKER_ROOT", "SOURCE_DATE_EPOCH", "LANG"} {
		if v := s.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
