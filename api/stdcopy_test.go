package api

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// What the two writers frame, Demux splits back, each byte to its
// stream, in order; a write over 32 KiB goes as several frames.
func TestFramesRoundTrip(t *testing.T) {
	var wire bytes.Buffer
	o, e := NewFrameWriters(&wire)
	big := strings.Repeat("x", 70<<10)
	o.Write([]byte("out 1\n"))
	e.Write([]byte("err 1\n"))
	o.Write([]byte(big))
	e.Write(nil) // no frame for nothing
	// The first header: stdout, 6 bytes.
	if got := wire.Bytes()[:8]; !bytes.Equal(got, []byte{1, 0, 0, 0, 0, 0, 0, 6}) {
		t.Fatalf("first header % x, want 01 00 00 00 00 00 00 06", got)
	}
	frames := 0
	for b := wire.Bytes(); len(b) > 0; frames++ {
		n := binary.BigEndian.Uint32(b[4:8])
		if n > 32<<10 {
			t.Fatalf("a frame of %d bytes: docker's are at most 32 KiB", n)
		}
		b = b[8+n:]
	}
	if frames != 5 { // 1 + 1 + 3 (70 KiB in 32 KiB frames)
		t.Errorf("%d frames, want 5", frames)
	}
	var so, se bytes.Buffer
	n, err := Demux(&so, &se, &wire)
	if err != nil {
		t.Fatal(err)
	}
	if so.String() != "out 1\n"+big || se.String() != "err 1\n" {
		t.Errorf("stdout %d bytes, stderr %q", so.Len(), se.String())
	}
	if n != int64(so.Len()+se.Len()) {
		t.Errorf("written %d, want %d", n, so.Len()+se.Len())
	}
}

func TestDemuxErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"cut header", []byte{1, 0, 0}, "unexpected EOF"},
		{"cut payload", []byte{1, 0, 0, 0, 0, 0, 0, 9, 'a'}, "unexpected EOF"},
		{"unknown stream", []byte{7, 0, 0, 0, 0, 0, 0, 1, 'a'}, "stream 7"},
		{"huge frame", []byte{1, 0, 0, 0, 0x7f, 0, 0, 0}, "bad stream frame"},
		{"daemon error", append([]byte{3, 0, 0, 0, 0, 0, 0, 4}, "boom"...), "error from daemon in stream: boom"},
	} {
		var o, e bytes.Buffer
		_, err := Demux(&o, &e, bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		if c.name == "huge frame" && !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: not ErrBadFrame", c.name)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.41", "1.41", 0}, {"1.9", "1.41", -1}, {"1.41", "1.24", 1}, {"2.0", "1.99", 1}, {"1.41", "1.41.0", 0},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, bad := range []string{"1", "1.x", "1.2.3", ""} {
		if ParseVersion(bad) == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}
