package daemon

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/ns"
)

// startExec is POST /exec/ID/start: the process started in the
// container, its streams on the hijacked connection (framed unless it
// has a terminal), until it exits; or, with Detach, started and left.
// A command that cannot be started is told on the stream, and its exit
// code (126, 127) is the exec's, as docker exec reports it.
func (d *Daemon) startExec(w http.ResponseWriter, r *http.Request) error {
	es, err := d.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	var req api.ExecStartConfig
	if err := readJSON(r, &req); err != nil {
		return err
	}
	es.mu.Lock()
	if es.started {
		es.mu.Unlock()
		return &statusError{http.StatusConflict, "Exec " + es.id + " has already been started"}
	}
	es.started = true
	es.mu.Unlock()
	c, err := d.engine.Get(es.container)
	if err != nil {
		return err
	}
	o := engine.ExecOptions{Cmd: es.cfg.Cmd, Env: es.cfg.Env, WorkingDir: es.cfg.WorkingDir, User: es.cfg.User, Tty: es.cfg.Tty}
	if cs := es.cfg.ConsoleSize; cs != nil {
		o.ConsoleSize = ns.ConsoleSize{Rows: uint16(cs[0]), Cols: uint16(cs[1])}
	}
	if req.Detach {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer null.Close()
		p, err := d.engine.Exec(c, o, ns.Stdio{Stdin: null, Stdout: null, Stderr: null})
		if err != nil {
			d.finishExec(es, engine.ExitEngineCode(err))
			return err
		}
		es.begin(p)
		go func() { code, _ := p.Wait(); p.Close(); d.finishExec(es, code) }()
		w.WriteHeader(http.StatusOK)
		return nil
	}
	conn, in, err := hijack(w, r, streamType(r, es.cfg.Tty))
	if err != nil {
		d.finishExec(es, ns.ExitEngine)
		return err
	}
	d.track(conn)
	defer d.untrack(conn)
	defer conn.Close()
	out := &lenient{w: conn}
	o1, o2 := outputs(out, es.cfg.Tty, es.cfg.AttachStdout, es.cfg.AttachStderr)
	code := d.runExec(c, o, es, in, o1, o2)
	d.finishExec(es, code)
	closeWrite(conn)
	return nil
}

// runExec runs the exec with its streams copied to and from the client,
// and returns its exit code once it has exited and its output is all
// sent.
func (d *Daemon) runExec(c *engine.Container, o engine.ExecOptions, es *execSession, in io.Reader, stdout, stderr io.Writer) int {
	var closeAfter, ours []*os.File
	defer func() {
		for _, f := range append(closeAfter, ours...) {
			f.Close()
		}
	}()
	pipe := func() (r, w *os.File, ok bool) {
		r, w, err := os.Pipe()
		if err != nil {
			fmt.Fprintf(stderr, "exec: %v\n", err)
			return nil, nil, false
		}
		return r, w, true
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "exec: %v\n", err)
		return ns.ExitEngine
	}
	closeAfter = append(closeAfter, null)
	stdio := ns.Stdio{Stdin: null, Stdout: null, Stderr: null}
	var stdinW, outR, errR *os.File
	if !o.Tty {
		if es.cfg.AttachStdin {
			r, w, ok := pipe()
			if !ok {
				return ns.ExitEngine
			}
			stdio.Stdin, stdinW = r, w
			closeAfter, ours = append(closeAfter, r), append(ours, w)
		}
		r, w, ok := pipe()
		if !ok {
			return ns.ExitEngine
		}
		stdio.Stdout, outR = w, r
		closeAfter, ours = append(closeAfter, w), append(ours, r)
		if r, w, ok = pipe(); !ok {
			return ns.ExitEngine
		}
		stdio.Stderr, errR = w, r
		closeAfter, ours = append(closeAfter, w), append(ours, r)
	}
	p, err := d.engine.Exec(c, o, stdio)
	// The child has its ends: ours must go, or a reader never sees EOF.
	for _, f := range closeAfter {
		f.Close()
	}
	closeAfter = nil
	if err != nil {
		fmt.Fprintf(stderr, "OCI runtime exec failed: %v\n", err)
		return engine.ExitEngineCode(err)
	}
	defer p.Close()
	es.begin(p)
	var copies sync.WaitGroup
	if o.Tty {
		if es.cfg.AttachStdin {
			go io.Copy(p.Pty, in)
		} else {
			go io.Copy(io.Discard, in)
		}
		copies.Add(1)
		go func() {
			defer copies.Done()
			io.Copy(stdout, p.Pty) // until EIO: the last holder of the terminal is gone
		}()
	} else {
		if stdinW != nil {
			go func() {
				io.Copy(stdinW, in)
				stdinW.Close() // the client's stdin ended (it closed its writing side)
			}()
		} else {
			go io.Copy(io.Discard, in)
		}
		for _, s := range []struct {
			r *os.File
			w io.Writer
		}{{outR, stdout}, {errR, stderr}} {
			copies.Add(1)
			go func() {
				defer copies.Done()
				io.Copy(s.w, s.r)
			}()
		}
	}
	code, err := p.Wait()
	if err != nil {
		code = ns.ExitEngine
	}
	// Output still in the pipes, or in the terminal, after the exit; a
	// process the command left behind may hold them: not forever.
	done := make(chan struct{})
	go func() { copies.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return code
}

func (es *execSession) begin(p *ns.Process) {
	es.mu.Lock()
	es.running, es.pid, es.pty = true, p.Pid, p.Pty
	es.mu.Unlock()
}

func (d *Daemon) finishExec(es *execSession, code int) {
	es.mu.Lock()
	es.running, es.exitCode, es.pty = false, &code, nil
	es.mu.Unlock()
}

// lenient is a client's connection that, once a write has failed (the
// client went away), takes every later write without sending it: the
// process's output is drained, so it never blocks on a full pipe.
type lenient struct {
	mu     sync.Mutex
	w      net.Conn
	failed bool
}

func (l *lenient) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failed {
		if _, err := l.w.Write(p); err != nil {
			l.failed = true
		}
	}
	return len(p), nil
}

func (d *Daemon) resizeExec(w http.ResponseWriter, r *http.Request) error {
	es, err := d.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	h, wd, err := size(r)
	if err != nil {
		return err
	}
	es.mu.Lock()
	pty := es.pty
	es.mu.Unlock()
	if pty == nil {
		return &statusError{http.StatusConflict, "exec " + es.id + " is not running with a terminal"}
	}
	if err := unix.IoctlSetWinsize(int(pty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: h, Col: wd}); err != nil {
		return fmt.Errorf("resize exec: %w", err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// resizeInit sets the size of the terminal of a container's init: its
// stdin is the terminal's slave side, and a terminal has one size, set
// from either side (the kernel sends SIGWINCH to its foreground
// processes). The master is the monitor's.
func resizeInit(pid int, h, w uint16) error {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/fd/0", pid), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("resize: open the container's terminal: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: h, Col: w}); err != nil {
		return fmt.Errorf("resize the container's terminal: %w", err)
	}
	return nil
}

// copyStdin sends the client's stdin to the container, through the
// FIFO its monitor reads (see engine.OpenStdin), once the container
// runs: docker run -i attaches before it starts it. It returns at the
// client's EOF, after which a container created with StdinOnce (docker
// run -i) reads EOF too.
func (d *Daemon) copyStdin(c *engine.Container, in io.Reader) {
	var fifo *os.File
	for fifo == nil {
		f, err := d.engine.OpenStdin(c)
		if err == nil {
			fifo = f
			break
		}
		cur, gerr := d.engine.Get(c.ID)
		if gerr != nil || cur.State.Status == engine.Exited && cur.State.StartedAt.After(c.State.StartedAt) || cur.State.Status == engine.Dead {
			io.Copy(io.Discard, in)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	io.Copy(fifo, in)
	fifo.Close()
}
