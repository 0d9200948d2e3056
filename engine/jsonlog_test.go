package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The log is read by docker's tools too: each line must be what
// encoding/json makes of the same record.
func TestLogLineIsEncodingJSON(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	for _, msg := range []string{
		"hello\n", "", "tab\there\r\n", `quote " backslash \`, "<html> & </html>", "\x00\x01\x1f\x7f",
		"ünïcödé ☃\n", "bad \xff\xfe utf-8", "line sep \u2028 para \u2029", strings.Repeat("x", 100),
	} {
		got := appendLogLine(nil, []byte(msg), "stderr", at.Unix(), int64(at.Nanosecond()))
		want, err := json.Marshal(logLine{Log: msg, Stream: "stderr", Time: at})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want)+"\n" {
			t.Errorf("%q:\n got %s\nwant %s", msg, got, want)
		}
	}
}

func TestLogStreamLines(t *testing.T) {
	at := time.Unix(0, 0)
	s := logStream{name: "stdout"}
	var out []byte
	out = s.write(out, []byte("one\ntw"), at, false)
	out = s.write(out, []byte("o\nthr"), at, false)
	if got := decodeLogs(t, out); strings.Join(got, "|") != "one\n|two\n" {
		t.Errorf("complete lines: got %q", got)
	}
	// The rest of a last line goes out at the end, without "\n".
	out = s.write(nil, nil, at, true)
	if got := decodeLogs(t, out); strings.Join(got, "|") != "thr" {
		t.Errorf("flush: got %q", got)
	}
	// A line longer than maxLogLine is cut, as docker cuts it.
	long := strings.Repeat("a", maxLogLine+10) + "\n"
	got := decodeLogs(t, s.write(nil, []byte(long), at, false))
	if len(got) != 2 || len(got[0]) != maxLogLine || got[1] != strings.Repeat("a", 10)+"\n" {
		t.Errorf("long line: got %d pieces", len(got))
	}
}

// appendTime is time.RFC3339Nano done by hand (the keeper has no time
// package): the same text for any second and fraction, either side of
// the epoch, leap days and all.
func TestAppendTimeIsRFC3339Nano(t *testing.T) {
	times := []time.Time{time.Unix(0, 0), time.Unix(-1, 0), time.Date(2000, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 100, time.UTC), time.Date(2026, 12, 1, 10, 0, 0, 120000000, time.UTC)}
	for i, x := int64(0), int64(1); i < 2000; i++ {
		x = x*6364136223846793005 + 1442695040888963407 // a fixed sequence
		sec := x>>34 - 1<<28                            // about 1961 to 2078
		times = append(times, time.Unix(sec, (x>>4)%1e9&^(1<<uint(i%30)-1)))
	}
	for _, at := range times {
		at = at.UTC()
		got := string(appendTime(nil, at.Unix(), int64(at.Nanosecond())))
		if want := at.Format(time.RFC3339Nano); got != want {
			t.Fatalf("%d.%09d: got %s, want %s", at.Unix(), at.Nanosecond(), got, want)
		}
	}
}

// Given its room, a log line allocates nothing: the keeper, which
// encodes them, has no allocator to call.
func TestLogLineAllocatesNothing(t *testing.T) {
	msg := []byte("hello <wörld>\n\xff")
	out := make([]byte, 0, 6*len(msg)+64+len("stdout"))
	s := logStream{buf: make([]byte, 2*maxLogLine)}
	n := testing.AllocsPerRun(100, func() {
		s.add(msg)
		for l := s.next(true); l != nil; l = s.next(true) {
			out = appendLogLine(out[:0], l, "stdout", 1764583200, 123)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per line", n)
	}
}

func decodeLogs(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var l logLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, l.Log)
	}
	return out
}

func TestLogsTailTimestampsStreams(t *testing.T) {
	dir := t.TempDir()
	c := &Container{Config: &Config{ID: strings.Repeat("a", 64)}, Dir: dir, State: State{Status: Exited}}
	at := time.Date(2024, 5, 1, 10, 0, 0, 5000, time.UTC)
	var log []byte
	for i, l := range []string{"1\n", "2\n", "3\n", "4\n"} {
		stream := "stdout"
		if i == 2 {
			stream = "stderr"
		}
		log = appendLogLine(log, []byte(l), stream, at.Unix(), int64(at.Nanosecond()))
	}
	writeFileAtomic(c.LogPath(), append(log, `{"log":"partial`...), false)
	e := &Engine{Root: dir}
	var out, errs bytes.Buffer
	if err := e.Logs(c, LogOptions{Tail: -1}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n2\n4\n" || errs.String() != "3\n" {
		t.Errorf("all: stdout %q stderr %q", out.String(), errs.String())
	}
	out.Reset()
	errs.Reset()
	if err := e.Logs(c, LogOptions{Tail: 2, Timestamps: true}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if out.String() != "2024-05-01T10:00:00.000005000Z 4\n" || errs.String() != "2024-05-01T10:00:00.000005000Z 3\n" {
		t.Errorf("tail 2 -t: stdout %q stderr %q", out.String(), errs.String())
	}
}
