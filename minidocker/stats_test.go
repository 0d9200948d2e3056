package minidocker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minidocker/minidocker/cgroup"
)

func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{bytesSize(0), "0B"}, {bytesSize(1536 * 1024), "1.5MiB"}, {bytesSize(64 << 20), "64MiB"},
		{bytesSize(708 << 20), "708MiB"}, {bytesSize(31 << 30), "31GiB"},
		{humanSize(0), "0B"}, {humanSize(1234), "1.23kB"}, {humanSize(5_000_000), "5MB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// fakeContainers makes a cgroup2 tree in a temporary directory with one
// running container, whose CPU usage grows between two reads.
func fakeContainers(t *testing.T) (*cgroup.Host, string) {
	root := t.TempDir()
	id := strings.Repeat("ab", 32)
	dir := filepath.Join(root, "minidocker", id)
	files := map[string]string{
		"cgroup.events":  "populated 1\nfrozen 0\n",
		"cgroup.procs":   "",
		"cgroup.threads": "11\n12\n",
		"cpu.stat":       "usage_usec 1000\n",
		"memory.current": "2097152\n",
		"memory.max":     "67108864\n",
		"memory.stat":    "inactive_file 1048576\n",
		"io.stat":        "8:0 rbytes=1234 wbytes=5000000 rios=1 wios=1\n",
	}
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(filepath.Join(root, "minidocker", "not-a-container"), 0o755)
	os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("cpu memory io\n"), 0o644)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := cgroup.DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	return h, id
}

func TestStatsTable(t *testing.T) {
	h, id := fakeContainers(t)
	out, _ := newStatsFormat("", false)
	var b bytes.Buffer
	if err := streamStats(context.Background(), h, nil, out, false, time.Millisecond, &b); err != nil {
		t.Fatal(err)
	}
	want := "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O      PIDS\n" +
		id[:12] + "   --        0.00%     1MiB / 64MiB        1.56%     0B / 0B   1.23kB / 5MB   2\n"
	if b.String() != want {
		t.Errorf("stats --no-stream:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	out, _ = newStatsFormat("{{.ID}} {{.MemUsage}}", true)
	streamStats(context.Background(), h, []string{id[:4]}, out, false, time.Millisecond, &b)
	if b.String() != id+" 1MiB / 64MiB\n" {
		t.Errorf("--no-trunc --format: %q", b.String())
	}
	err := streamStats(context.Background(), h, []string{"cd"}, out, false, time.Millisecond, &b)
	if !errors.Is(err, errNoSuchContainer) {
		t.Errorf("stats cd = %v, want No such container", err)
	}
	if _, err := newStatsFormat("{{.Nope", false); err == nil {
		t.Error("a broken template was accepted")
	}
}

// TestStatsStream: a frame per interval, each after a clear screen, until
// the context ends; CPU % from the usage's growth between frames.
func TestStatsStream(t *testing.T) {
	h, id := fakeContainers(t)
	cpuStat := filepath.Join(h.Mount, "minidocker", id, "cpu.stat")
	out, _ := newStatsFormat("{{.CPUPerc}}", false)
	ctx, cancel := context.WithCancel(context.Background())
	var b syncBuffer
	done := make(chan error)
	go func() { done <- streamStats(ctx, h, nil, out, true, 100*time.Millisecond, &b) }()
	// 50ms of CPU in each 100ms interval: 50%.
	for i := 1; i <= 30 && strings.Count(b.String(), "\033[2J") < 3; i++ {
		// As the kernel's files are, atomically.
		os.WriteFile(cpuStat+".new", []byte("usage_usec "+strconv.Itoa(1000+i*5000)+"\n"), 0o644)
		os.Rename(cpuStat+".new", cpuStat)
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	frames := strings.Split(b.String(), "\033[2J\033[H")[1:]
	if len(frames) < 2 {
		t.Fatalf("%d frames, want at least 2: %q", len(frames), b.String())
	}
	for _, f := range frames {
		if !strings.HasSuffix(f, "%\n") || strings.Count(f, "\n") != 1 || f == "0.00%\n" {
			t.Errorf("frame %q, want one CPU %% line", f)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
