package cgroup

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStatsParse reads the files of a cgroup as the kernel writes them,
// copied into a temporary directory.
func TestStatsParse(t *testing.T) {
	root := fakeRoot(t, "cpu io memory pids")
	dir := filepath.Join(root, "minidocker", "c1")
	files := map[string]string{
		"cpu.stat":       "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 100\nnr_throttled 80\nthrottled_usec 7000000\n",
		"memory.current": "33554432\n",
		"memory.peak":    "34000000\n",
		"memory.max":     "max\n",
		"memory.events":  "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n",
		"memory.stat":    "anon 1000\nfile 2000\ninactive_file 500\n",
		"pids.current":   "3\n",
		"pids.max":       "10\n",
		"io.stat":        "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
		"cpu.pressure":   "some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\nfull avg10=0.50 avg60=0.10 avg300=0.00 total=678\n",
		"cgroup.events":  "populated 1\nfrozen 0\n",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := DetectAt(root)
	if err != nil {
		t.Fatal(err)
	}
	c := Load(h, "/minidocker/c1")
	got, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := &Stats{
		CPU: CPUStats{UsageUsec: 2000000, UserUsec: 1500000, SystemUsec: 500000, NrPeriods: 100, NrThrottled: 80, ThrottledUsec: 7000000},
		Memory: &MemoryStats{Current: 33554432, Peak: 34000000, Max: math.MaxUint64,
			Events: MemoryEvents{Max: 12, OOM: 1, OOMKill: 1},
			Stat:   map[string]uint64{"anon": 1000, "file": 2000, "inactive_file": 500}},
		Pids:     &PidsStats{Current: 3, Max: 10},
		IO:       []IOStats{{Major: 254, Minor: 0, ReadBytes: 4096, WriteBytes: 8192, ReadIOs: 1, WriteIOs: 2}},
		Pressure: map[string]Pressure{"cpu": {Some: PSI{Avg10: 1.5, Avg60: 0.2, Total: 12345}, Full: PSI{Avg10: 0.5, Avg60: 0.1, Total: 678}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if !c.OOMKilled() {
		t.Error("OOMKilled = false with memory.events oom_kill 1")
	}
	if p, err := c.Populated(); err != nil || !p {
		t.Errorf("Populated = %v, %v; want true", p, err)
	}
	// Without the memory and pids files (a hybrid host), those parts are nil.
	os.Remove(filepath.Join(dir, "memory.current"))
	os.Remove(filepath.Join(dir, "pids.current"))
	got, err = c.Stats()
	if err != nil || got.Memory != nil || got.Pids != nil {
		t.Errorf("Stats without memory and pids files = %+v, %v; want nil Memory and Pids", got, err)
	}
}
