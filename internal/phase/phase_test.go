package phase

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMark(t *testing.T) {
	file = filepath.Join(t.TempDir(), "phases")
	t.Cleanup(func() { file = "" })
	Mark("cli: main")
	Mark("init: exec")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "cli: main ") || !strings.HasPrefix(lines[1], "init: exec ") {
		t.Fatalf("marks: %q", lines)
	}
	var ts []int64
	for _, l := range lines {
		n, err := strconv.ParseInt(l[strings.LastIndexByte(l, ' ')+1:], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, n)
	}
	if ts[1] < ts[0] || ts[0] <= 0 {
		t.Errorf("times %v: not a monotonic clock", ts)
	}
	if env := Environ(); len(env) != 1 || env[0] != Env+"="+file {
		t.Errorf("Environ() = %q", env)
	}
}
