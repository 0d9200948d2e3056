package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Event is one thing that happened to a container, a volume or a network, as
// docker's event stream reports it: a container created, started, dead
// (with its exit code), destroyed. Whichever minidocker process does it
// (the command line, a container's monitor, the daemon) appends the
// event to ROOT/events.jsonl, one JSON line in one write(2) to a file
// opened O_APPEND, so lines of several processes never interleave; the
// daemon follows the file to serve GET /events, and to learn the exit
// code of a --rm container whose directory is gone.
type Event struct {
	Time       time.Time
	Type       string // "container", "volume" or "network"
	Action     string // create, start, kill, die, pause, unpause, destroy; a network's connect, disconnect
	ID         string // a container's ID, a volume's name, a network's ID
	Attributes map[string]string
}

const (
	eventsFile = "events.jsonl"
	// eventsMax is the size at which the file is rotated to events.jsonl.1
	// (about 5000 events): the two hold the history a `--since` can ask for.
	eventsMax = 1 << 20
)

func (e *Engine) eventsPath() string { return filepath.Join(e.Root, eventsFile) }

// emit records an event about c. An event that cannot be written is lost,
// and nothing else is: events are for watching, never state.
func (e *Engine) emit(c *Config, action string, attrs map[string]string) {
	a := map[string]string{"name": c.Name, "image": c.Image}
	for k, v := range attrs {
		a[k] = v
	}
	e.record(Event{Time: time.Now().UTC(), Type: "container", Action: action, ID: c.ID, Attributes: a})
}

func (e *Engine) record(ev Event) {
	line, err := json.Marshal(ev)
	if err != nil {
		return
	}
	// Appends hold events.lock shared, a rotation holds it exclusive: a
	// line is never appended to a file that has been rotated away, so a
	// reader that drains the old file after the rename misses nothing.
	lockPath := filepath.Join(e.Root, "events.lock")
	unlock, err := lock(lockPath, unix.LOCK_SH)
	if err != nil {
		return
	}
	f, err := os.OpenFile(e.eventsPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		unlock()
		return
	}
	f.Write(append(line, '\n'))
	fi, serr := f.Stat()
	f.Close()
	unlock()
	if serr != nil || fi.Size() < eventsMax {
		return
	}
	if unlock, err = lock(lockPath, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return // someone else rotates, or appends: the next one will
	}
	defer unlock()
	if fi, err := os.Stat(e.eventsPath()); err == nil && fi.Size() >= eventsMax {
		os.Rename(e.eventsPath(), e.eventsPath()+".1")
	}
}

// Events calls fn with each recorded event at or after since (the
// rotated file's first), and then, with follow, with each new one as it
// is recorded, until ctx is done or fn returns an error.
func (e *Engine) Events(ctx context.Context, since time.Time, follow bool, fn func(Event) error) error {
	if !since.IsZero() {
		if err := readEvents(e.eventsPath()+".1", since, fn); err != nil {
			return err
		}
	}
	var f *os.File
	var r *bufio.Reader
	open := func() error {
		var err error
		f, err = os.OpenFile(e.eventsPath(), os.O_RDONLY|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		r = bufio.NewReader(f)
		return nil
	}
	if err := open(); err != nil {
		return err
	}
	defer func() { f.Close() }()
	if since.IsZero() {
		// From now on: what is in the file has happened.
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
	}
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = append(partial, line...)
			partial = nil
			if err := sendEvent(line, since, fn); err != nil {
				return err
			}
			continue
		}
		partial = append(partial, line...)
		if err != io.EOF {
			return fmt.Errorf("read events: %w", err)
		}
		if !follow {
			return nil
		}
		// At the end: rotated? Then drain the old file (nothing more is
		// appended to it) and go on in the new one.
		if cur, err := os.Stat(e.eventsPath()); err == nil {
			if old, err := f.Stat(); err == nil && !os.SameFile(cur, old) {
				rest, _ := io.ReadAll(r)
				for _, l := range splitLines(append(partial, rest...)) {
					if err := sendEvent(l, since, fn); err != nil {
						return err
					}
				}
				partial = nil
				f.Close()
				if err := open(); err != nil {
					return err
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func readEvents(path string, since time.Time, fn func(Event) error) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	for _, l := range splitLines(b) {
		if err := sendEvent(l, since, fn); err != nil {
			return err
		}
	}
	return nil
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i == len(b) {
			break // no newline: not written whole
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

func sendEvent(line []byte, since time.Time, fn func(Event) error) error {
	var ev Event
	if json.Unmarshal(line, &ev) != nil || ev.Time.Before(since) {
		return nil
	}
	return fn(ev)
}
