package minidocker

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/ns"
)

// execCommand is docker exec: a command in a running container's
// namespaces and cgroup, attached to our streams or our terminal; its exit
// code is ours.
func execCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]")
	var o engine.ExecOptions
	var interactive bool
	var envFiles []string
	cmd.fs.Bool(&interactive, "interactive", "i", "Keep STDIN open even if not attached")
	cmd.fs.Bool(&o.Tty, "tty", "t", "Allocate a pseudo-TTY")
	cmd.fs.List(&o.Env, "env", "e", "list", "Set environment variables")
	cmd.fs.List(&envFiles, "env-file", "", "list", "Read in a file of environment variables")
	cmd.fs.String(&o.User, "user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])")
	cmd.fs.String(&o.WorkingDir, "workdir", "w", "string", "Working directory inside the container")
	rest, code, done := cmd.parse(args, 2, stdout, stderr)
	if done {
		return code
	}
	var env []string
	for _, f := range envFiles {
		kvs, err := readEnvFile(f)
		if err != nil {
			return fail(stderr, err)
		}
		env = engine.SetEnv(env, kvs...)
	}
	if err := checkEnv(o.Env); err != nil {
		return fail(stderr, err)
	}
	o.Env = engine.SetEnv(env, o.Env...)
	o.Cmd = rest[1:]
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	c, err := e.Get(rest[0])
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1
	}
	in := stdin
	if !interactive || o.Tty {
		null, err := os.Open(os.DevNull)
		if err != nil {
			return fail(stderr, err)
		}
		defer null.Close()
		in = null
	}
	if o.Tty {
		o.ConsoleSize = consoleSize(stdout, stdin)
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, proxied...)
	defer signal.Stop(sigs)
	p, err := e.Exec(c, o, ns.Stdio{Stdin: in, Stdout: stdout, Stderr: stderr})
	if err != nil {
		var se *ns.StartError
		if errors.As(err, &se) {
			return fail(stderr, err) // 126, 127: docker exec's codes too
		}
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1 // docker's code for an error from the daemon
	}
	defer p.Close()
	go func() {
		for sig := range sigs {
			p.Signal(sig.(syscall.Signal))
		}
	}()
	var detach func()
	done2 := make(chan struct{})
	if o.Tty {
		var kbd *os.File
		if interactive {
			kbd = stdin
			go io.Copy(p.Pty, stdin)
		}
		if detach, err = attachTerminal(p.Pty, kbd, stdout); err != nil {
			p.Signal(syscall.SIGKILL)
			p.Wait()
			return fail(stderr, err)
		}
		go func() {
			io.Copy(stdout, p.Pty) // until EIO: the last holder of the terminal is gone
			close(done2)
		}()
	} else {
		close(done2)
	}
	code, err = p.Wait()
	<-done2
	if detach != nil {
		detach()
	}
	if err != nil {
		return fail(stderr, err)
	}
	return code
}
