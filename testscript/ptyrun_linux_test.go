package testscript

import (
	"strings"
	"testing"
)

func TestCRLFWriter(t *testing.T) {
	for _, tt := range []struct {
		chunks []string
		want   string
	}{
		{[]string{"a\r\nb\r\n"}, "a\nb\n"},
		{[]string{"a\r", "\nb"}, "a\nb"},
		{[]string{"a\r\r\n"}, "a\n"},
		{[]string{"50%\r100%\r\n"}, "50%\r100%\n"},
		{[]string{"end\r"}, "end\r"},
	} {
		var b strings.Builder
		w := crlfWriter{w: &b}
		for _, c := range tt.chunks {
			w.Write([]byte(c))
		}
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.chunks, b.String(), tt.want)
		}
	}
}

func TestUnquoteInput(t *testing.T) {
	for in, want := range map[string]string{
		`echo hi\n`:   "echo hi\n",
		`\x03`:        "\x03",
		`say "a b"\r`: "say \"a b\"\r",
		`tab\there`:   "tab\there",
		`back\\slash`: `back\slash`,
	} {
		if got, err := unquoteInput(in); err != nil || got != want {
			t.Errorf("unquoteInput(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := unquoteInput(`\q`); err == nil {
		t.Errorf(`unquoteInput("\q") succeeded, want an error`)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]int{"TERM": 15, "SIGINT": 2, "hup": 1, "9": 9} {
		if sig, err := parseSignal(in); err != nil || int(sig) != want {
			t.Errorf("parseSignal(%q) = %d, %v; want %d", in, sig, err, want)
		}
	}
	for _, in := range []string{"NOSUCH", "0", "65", ""} {
		if _, err := parseSignal(in); err == nil {
			t.Errorf("parseSignal(%q) succeeded, want an error", in)
		}
	}
}
