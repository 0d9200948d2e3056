package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf8"
)

// logLine is one line of docker's json-file log driver:
//
//	{"log":"hello\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}
//
// Output is logged a line at a time; a line longer than maxLogLine is cut
// into pieces, all but the last without their "\n", as docker does.
type logLine struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

const maxLogLine = 16 << 10

// logStream cuts one stream's output into log lines. Once buf is set it
// stores no pointer: the keeper, which may store none, runs it too, on a
// buffer in its own mapping (keeper_linux.go).
type logStream struct {
	name       string // "stdout" or "stderr"
	buf        []byte // 2*maxLogLine bytes: made by the first write, or given
	start, end int    // the pending bytes, buf[start:end]
}

// add appends p, at most maxLogLine bytes, to the pending bytes; next
// must have taken every line it could since the last add.
func (s *logStream) add(p []byte) {
	if s.start > 0 {
		s.end = copy(s.buf, s.buf[s.start:s.end])
		s.start = 0
	}
	s.end += copy(s.buf[s.end:], p)
}

// next takes the next line to log: a complete one, a piece of maxLogLine
// bytes of a longer one, with flush the rest; nil for none yet.
func (s *logStream) next(flush bool) []byte {
	p := s.buf[s.start:s.end]
	if len(p) == 0 {
		return nil
	}
	n := bytes.IndexByte(p, '\n') + 1
	if n == 0 && len(p) < maxLogLine && !flush {
		return nil // wait for the rest of the line
	}
	if n == 0 || n > maxLogLine {
		n = min(len(p), maxLogLine)
	}
	s.start += n
	return p[:n]
}

// write adds p (any length) and appends every line it completes to out,
// each a JSON line stamped now; flush also ends a last line without "\n".
func (s *logStream) write(out []byte, p []byte, now time.Time, flush bool) []byte {
	if s.buf == nil {
		s.buf = make([]byte, 2*maxLogLine) // not before there is output
	}
	sec, nsec := now.Unix(), int64(now.Nanosecond())
	for {
		chunk := p[:min(len(p), maxLogLine)]
		p = p[len(chunk):]
		s.add(chunk)
		for l := s.next(flush && len(p) == 0); l != nil; l = s.next(flush && len(p) == 0) {
			out = appendLogLine(out, l, s.name, sec, nsec)
		}
		if len(p) == 0 {
			return out
		}
	}
}

// appendLogLine encodes one log line as encoding/json would (HTML
// characters escaped, invalid UTF-8 as U+FFFD), without reflection. It
// appends at most 6*len(msg)+len(stream)+64 bytes: given that room, it
// allocates nothing, which the keeper counts on.
func appendLogLine(out, msg []byte, stream string, sec, nsec int64) []byte {
	out = append(out, `{"log":"`...)
	for i := 0; i < len(msg); {
		c := msg[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c == '\n':
				out = append(out, `\n`...)
			case c == '\r':
				out = append(out, `\r`...)
			case c == '\t':
				out = append(out, `\t`...)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				out = append(out, `\u00`...)
				out = append(out, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(msg[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			out = append(out, `\u202`...)
			out = append(out, "0123456789abcdef"[r&0xf])
		default:
			out = append(out, msg[i:i+size]...)
		}
		i += size
	}
	out = append(out, `","stream":"`...)
	out = append(out, stream...)
	out = append(out, `","time":"`...)
	out = appendTime(out, sec, nsec)
	return append(out, "\"}\n"...)
}

// appendTime appends the UTC time sec.nsec after the epoch as
// time.RFC3339Nano formats it (trailing zeros of the fraction dropped),
// by arithmetic alone: the keeper has no time package to call.
func appendTime(out []byte, sec, nsec int64) []byte {
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	// Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	out = appendDigits(out, y, 4)
	out = append(out, '-')
	out = appendDigits(out, m, 2)
	out = append(out, '-')
	out = appendDigits(out, d, 2)
	out = append(out, 'T')
	out = appendDigits(out, rem/3600, 2)
	out = append(out, ':')
	out = appendDigits(out, rem/60%60, 2)
	out = append(out, ':')
	out = appendDigits(out, rem%60, 2)
	if nsec != 0 {
		width := 9
		for nsec%10 == 0 {
			nsec, width = nsec/10, width-1
		}
		out = append(out, '.')
		out = appendDigits(out, nsec, width)
	}
	return append(out, 'Z')
}

// appendDigits appends v in decimal, zero-padded to width digits.
func appendDigits(out []byte, v int64, width int) []byte {
	var b [20]byte
	i := len(b)
	for v > 0 || len(b)-i < width {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(out, b[i:]...)
}

// LogOptions are `docker logs`' flags.
type LogOptions struct {
	Follow     bool
	Tail       int // lines from the end; -1 for all
	Timestamps bool
	Since      time.Time
	// Done ends a Follow early when closed: a client of the daemon that
	// went away while the container prints nothing.
	Done <-chan struct{}
}

// Logs writes the container's logged output to stdout and stderr, each
// line to the stream it came from; with Follow it goes on until the
// container stops.
func (e *Engine) Logs(c *Container, o LogOptions, stdout, stderr io.Writer) error {
	f, err := os.Open(c.LogPath())
	if os.IsNotExist(err) {
		if !o.Follow {
			return nil // never started: nothing logged
		}
		f, err = e.waitLog(c)
	}
	if err != nil {
		return fmt.Errorf("read logs: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var lines [][]byte
	tail := o.Tail
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			if tail < 0 {
				if err := writeLog(line, o, stdout, stderr); err != nil {
					return err
				}
			} else if tail > 0 {
				lines = append(lines, line)
				if len(lines) > tail {
					lines = lines[1:]
				}
			}
			continue
		}
		if err != io.EOF {
			return fmt.Errorf("read logs: %w", err)
		}
		// At the end of what is written so far; a part of a line stays
		// to be completed.
		for _, l := range lines {
			if err := writeLog(l, o, stdout, stderr); err != nil {
				return err
			}
		}
		lines, tail = nil, -1
		if !o.Follow || !e.stillRunning(c) {
			if o.Follow {
				// One last read: what was written before it stopped.
				rest, _ := io.ReadAll(io.MultiReader(bytes.NewReader(line), r))
				for _, l := range bytes.SplitAfter(rest, []byte("\n")) {
					if len(l) > 0 && l[len(l)-1] == '\n' {
						writeLog(l, o, stdout, stderr)
					}
				}
			}
			return nil
		}
		select {
		case <-o.Done:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
		r = bufio.NewReader(io.MultiReader(bytes.NewReader(line), f))
	}
}

func writeLog(line []byte, o LogOptions, stdout, stderr io.Writer) error {
	var l logLine
	if err := json.Unmarshal(line, &l); err != nil {
		return fmt.Errorf("read logs: bad line %q: %w", line, err)
	}
	if l.Time.Before(o.Since) {
		return nil
	}
	w := stdout
	if l.Stream == "stderr" {
		w = stderr
	}
	var b []byte
	if o.Timestamps {
		// docker pads the fraction to 9 digits here, not in the file.
		b = l.Time.AppendFormat(b, "2006-01-02T15:04:05.000000000Z07:00")
		b = append(b, ' ')
	}
	_, err := w.Write(append(b, l.Log...))
	return err
}

func (e *Engine) stillRunning(c *Container) bool {
	cur, err := e.load(c.ID)
	return err == nil && cur.Running()
}

// waitLog waits for the log of a container that has not started yet.
func (e *Engine) waitLog(c *Container) (*os.File, error) {
	for {
		f, err := os.Open(c.LogPath())
		if !os.IsNotExist(err) {
			return f, err
		}
		if cur, lerr := e.load(c.ID); lerr != nil || cur.State.Status != Created {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ParseTail reads --tail: a number of lines or "all".
func ParseTail(s string) (int, error) {
	if s == "" || s == "all" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: --tail %q: want a number of lines or \"all\"", ErrInvalid, s)
	}
	return n, nil
}
