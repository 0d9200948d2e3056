package daemon

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
)

// Content types of a container's streams: raw is one stream of bytes
// (a terminal's, or, before API 1.42, framed streams under the same
// name); multiplexed is framed stdout and stderr (see api.FrameWriter).
const (
	rawStream         = "application/vnd.docker.raw-stream"
	multiplexedStream = "application/vnd.docker.multiplexed-stream"
)

func streamType(r *http.Request, tty bool) string {
	if !tty && api.CompareVersions(apiVersion(r), "1.42") >= 0 {
		return multiplexedStream
	}
	return rawStream
}

// outputs are the writers a container's stdout and stderr go to on w:
// framed without a terminal, the same raw stream with one; a stream not
// asked for goes nowhere.
func outputs(w io.Writer, tty, stdout, stderr bool) (io.Writer, io.Writer) {
	var o, e io.Writer = w, w
	if !tty {
		o, e = api.NewFrameWriters(w)
	}
	if !stdout {
		o = io.Discard
	}
	if !stderr {
		e = io.Discard
	}
	return o, e
}

// flushWriter sends every write at once: a logs -f is read as it comes.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	flush(f.w)
	return n, err
}

// containerLogs is GET /containers/ID/logs: the container's json-file
// log, each line to its stream, framed unless the container has a
// terminal (the docker CLI inspects the container first to know).
func (d *Daemon) containerLogs(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	stdout, stderr := boolValue(r, "stdout"), boolValue(r, "stderr")
	if !stdout && !stderr {
		return badRequest(errors.New("Bad parameters: you must choose at least one stream"))
	}
	q := r.URL.Query()
	tail, err := engine.ParseTail(q.Get("tail"))
	if err != nil {
		return err
	}
	since, err := parseEventTime(q.Get("since"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", streamType(r, c.Tty))
	w.WriteHeader(http.StatusOK)
	flush(w)
	o, e := outputs(flushWriter{w}, c.Tty, stdout, stderr)
	return d.engine.Logs(c, engine.LogOptions{Follow: boolValue(r, "follow"), Tail: tail,
		Timestamps: boolValue(r, "timestamps"), Since: since, Done: r.Context().Done()}, o, e)
}

// logLine is one line of the json-file log (see engine's).
type logLine struct {
	Log    string `json:"log"`
	Stream string `json:"stream"`
}

// follower copies what a container logs from an offset on, while it
// runs: an attach's output. The log is where the container's monitor
// writes all it prints, so an attach reads it there rather than from the
// monitor, which serves nobody but the container.
type follower struct {
	d              *Daemon
	c              *engine.Container
	log            *os.File
	events         <-chan engine.Event
	stdout, stderr io.Writer
	conn           net.Conn // the client's: the attach ends when it hangs up
}

// openLog opens the container's log for reading, creating it if the
// container has not run yet: the monitor appends to this same file, and
// it stays readable here after a --rm container's directory is gone.
func openLog(c *engine.Container, fromStart bool) (*os.File, error) {
	f, err := os.OpenFile(c.LogPath(), os.O_RDONLY|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	if !fromStart {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// run copies until the container has run and stopped (or, without
// stream, to the end of what is logged), or the client has gone.
func (fl *follower) run(stream bool) error {
	r := bufio.NewReader(fl.log)
	running := fl.c.Running()
	exited := false
	var partial []byte
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lastCheck := time.Now()
	for {
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 && line[len(line)-1] == '\n' {
				line = append(partial, line...)
				partial = nil
				if err := fl.write(line); err != nil {
					return err
				}
				continue
			}
			partial = append(partial, line...)
			if err != nil && err != io.EOF {
				return err
			}
			break
		}
		if !stream || exited {
			return nil
		}
		select {
		case ev := <-fl.events:
			switch ev.Action {
			case "start":
				running = true
			case "die":
				// The monitor writes die once the output is all logged:
				// one more read gets the rest.
				exited = true
			}
		case <-tick.C:
			if time.Since(lastCheck) < time.Second {
				continue
			}
			lastCheck = time.Now()
			if peerGone(fl.conn) {
				return nil
			}
			// A monitor killed writes no die event: the state says it.
			cur, err := fl.d.engine.Get(fl.c.ID)
			switch {
			case err != nil:
				exited = true // removed
			case cur.Running():
				running = true
			case running || cur.State.Status == engine.Dead:
				exited = true
			}
		}
	}
}

func (fl *follower) write(line []byte) error {
	var l logLine
	if err := json.Unmarshal(line, &l); err != nil {
		return nil // not a line the monitor wrote whole
	}
	w := fl.stdout
	if l.Stream == "stderr" {
		w = fl.stderr
	}
	_, err := io.WriteString(w, l.Log)
	return err
}

// resizeContainer is POST /containers/ID/resize?h=ROWS&w=COLS: the
// container's terminal's size, as the docker CLI sends it at start and
// on each SIGWINCH.
func (d *Daemon) resizeContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	h, wd, err := size(r)
	if err != nil {
		return err
	}
	if !c.Running() {
		return &statusError{http.StatusConflict, "Container " + c.ID + " is not running"}
	}
	if !c.Tty {
		return &statusError{http.StatusConflict, "Container " + c.ID + " has no terminal to resize"}
	}
	if err := resizeInit(c.State.Pid, h, wd); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func size(r *http.Request) (h, w uint16, err error) {
	q := r.URL.Query()
	hh, err1 := strconv.ParseUint(q.Get("h"), 10, 16)
	ww, err2 := strconv.ParseUint(q.Get("w"), 10, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, badRequest(errors.New("invalid size: want ?h=ROWS&w=COLUMNS"))
	}
	return uint16(hh), uint16(ww), nil
}
