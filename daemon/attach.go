package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// hijack takes the connection from the HTTP server: from here on it is a
// plain byte stream both ways, the container's streams on it. A client
// that asked to upgrade (Upgrade: tcp, as the docker CLI does, so that a
// proxy knows) gets 101 UPGRADED; one that did not, 200 OK and the same.
// The reader may hold bytes the client sent after its request: its
// first stdin.
func hijack(w http.ResponseWriter, r *http.Request, contentType string) (net.Conn, *bufio.Reader, error) {
	h, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("this connection cannot be hijacked")
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack connection: %w", err)
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\n\r\n"
	if r.Header.Get("Upgrade") != "" {
		head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + contentType + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	}
	if _, err := io.WriteString(conn, head); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, brw.Reader, nil
}

// closeWrite ends the stream's sending side: the client reads EOF after
// the container's last bytes and can still have its own read.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// attachContainer is POST /containers/ID/attach?stream=&stdout=&stderr=
// &stdin=&logs=: the container's streams on the hijacked connection, from
// now on (stream) and from its start (logs). docker run without -d
// attaches before it starts the container, so an attach waits for the
// start, and ends when the container stops or the client goes; either
// way the container is not touched. Its stdin, with -i, goes to the
// container through the monitor's stdin FIFO (see containerStdin).
func (d *Daemon) attachContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	stream, logs := boolValue(r, "stream"), boolValue(r, "logs")
	stdin, stdout, stderr := boolValue(r, "stdin"), boolValue(r, "stdout"), boolValue(r, "stderr")
	if !stream && !logs {
		return badRequest(errors.New("Bad parameters: you must choose at least one of stream or logs"))
	}
	events, stop := d.events.subscribe(c.ID)
	defer stop()
	// After the subscription: a start from here on is seen either way.
	if c, err = d.engine.Get(c.ID); err != nil {
		return err
	}
	log, err := openLog(c, logs)
	if err != nil {
		return err
	}
	defer log.Close()
	conn, in, err := hijack(w, r, streamType(r, c.Tty))
	if err != nil {
		return err
	}
	d.track(conn)
	defer d.untrack(conn)
	defer conn.Close()
	// The client's EOF is not its leaving: docker closes its writing side
	// as soon as it has no more stdin, or none at all, and reads on. A
	// client gone altogether is seen by the follower (peerGone).
	go func() {
		if stdin && c.OpenStdin && stream {
			d.copyStdin(c, in)
			return
		}
		io.Copy(io.Discard, in)
	}()
	o, e := outputs(conn, c.Tty, stdout, stderr)
	fl := &follower{d: d, c: c, log: log, events: events, stdout: o, stderr: e, conn: conn}
	err = fl.run(stream)
	closeWrite(conn)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) {
			return nil // the client went away: nothing to tell it
		}
		d.logf("attach %s: %v", c.ID[:12], err)
	}
	return nil
}
