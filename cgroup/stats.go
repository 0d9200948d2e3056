package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats are a cgroup's counters. A part is nil when its controller is not
// enabled for the cgroup (on a hybrid host: memory, pids, io).
type Stats struct {
	CPU      CPUStats // cpu.stat: usage is a core file, throttling needs the cpu controller
	Memory   *MemoryStats
	Pids     *PidsStats
	IO       []IOStats           // io.stat, one entry per device
	Pressure map[string]Pressure // cpu, memory, io: the *.pressure files (PSI), where the kernel has them
}

// CPUStats is cpu.stat, in microseconds.
type CPUStats struct {
	UsageUsec, UserUsec, SystemUsec       uint64
	NrPeriods, NrThrottled, ThrottledUsec uint64
}

// MemoryStats are memory.current, memory.peak, memory.max, memory.events
// and memory.stat.
type MemoryStats struct {
	Current uint64
	Peak    uint64 // 0 before Linux 5.19
	Max     uint64 // math.MaxUint64 for "max"
	Events  MemoryEvents
	Stat    map[string]uint64 // anon, file, inactive_file, ...
}

// MemoryEvents is memory.events: how often the cgroup hit memory.low,
// memory.high and memory.max, ran out of memory, and lost a process to the
// OOM killer.
type MemoryEvents struct {
	Low, High, Max, OOM, OOMKill uint64
}

// PidsStats are pids.current and pids.max (math.MaxUint64 for "max").
type PidsStats struct {
	Current, Max uint64
}

// IOStats is one line of io.stat.
type IOStats struct {
	Major, Minor                             uint32
	ReadBytes, WriteBytes, ReadIOs, WriteIOs uint64
}

// Pressure is a *.pressure file: the share of time some (or all: Full)
// runnable tasks were stalled waiting for the resource.
type Pressure struct {
	Some, Full PSI
}

// PSI is one line of a pressure file: averages in percent over 10, 60 and
// 300 seconds, and the total stall time in microseconds.
type PSI struct {
	Avg10, Avg60, Avg300 float64
	Total                uint64
}

// Stats reads the cgroup's counters.
func (c *Cgroup) Stats() (*Stats, error) {
	dir := c.Dir()
	cpu, err := readFlat(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return nil, fmt.Errorf("read cgroup stats: %w", err)
	}
	s := &Stats{
		CPU: CPUStats{
			UsageUsec: cpu["usage_usec"], UserUsec: cpu["user_usec"], SystemUsec: cpu["system_usec"],
			NrPeriods: cpu["nr_periods"], NrThrottled: cpu["nr_throttled"], ThrottledUsec: cpu["throttled_usec"],
		},
		Pressure: map[string]Pressure{},
	}
	if cur, err := readUint(filepath.Join(dir, "memory.current")); err == nil {
		m := &MemoryStats{Current: cur}
		m.Peak, _ = readUint(filepath.Join(dir, "memory.peak"))
		m.Max, _ = readUint(filepath.Join(dir, "memory.max"))
		m.Events, _ = c.MemoryEvents()
		m.Stat, _ = readFlat(filepath.Join(dir, "memory.stat"))
		s.Memory = m
	}
	if cur, err := readUint(filepath.Join(dir, "pids.current")); err == nil {
		max, _ := readUint(filepath.Join(dir, "pids.max"))
		s.Pids = &PidsStats{Current: cur, Max: max}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "io.stat")); err == nil {
		s.IO = parseIOStat(string(data))
	}
	for _, r := range []string{"cpu", "memory", "io"} {
		if data, err := os.ReadFile(filepath.Join(dir, r+".pressure")); err == nil {
			s.Pressure[r] = parsePressure(string(data))
		}
	}
	return s, nil
}

// readFlat reads a flat keyed file ("key value" per line: cpu.stat,
// memory.events, cgroup.events, memory.stat).
func readFlat(file string) (map[string]uint64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseFlat(file, data)
}

// parseFlat parses the contents of file, read by the caller.
func parseFlat(file string, data []byte) (map[string]uint64, error) {
	kv := map[string]uint64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s: line %q: %w", file, line, err)
		}
		kv[k] = n
	}
	return kv, nil
}

// readUint reads a single-value file; "max" is math.MaxUint64.
func readUint(file string) (uint64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return parseUint(strings.TrimSpace(string(data)))
}

func parseUint(s string) (uint64, error) {
	if s == "max" {
		return math.MaxUint64, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// parseIOStat reads io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
func parseIOStat(data string) []IOStats {
	var out []IOStats
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var s IOStats
		maj, min, _ := strings.Cut(f[0], ":")
		a, err1 := strconv.ParseUint(maj, 10, 32)
		b, err2 := strconv.ParseUint(min, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		s.Major, s.Minor = uint32(a), uint32(b)
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseUint(v, 10, 64)
			switch k {
			case "rbytes":
				s.ReadBytes = n
			case "wbytes":
				s.WriteBytes = n
			case "rios":
				s.ReadIOs = n
			case "wios":
				s.WriteIOs = n
			}
		}
		out = append(out, s)
	}
	return out
}

// parsePressure reads a pressure file:
// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line.
func parsePressure(data string) Pressure {
	var p Pressure
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var psi PSI
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "avg10":
				psi.Avg10, _ = strconv.ParseFloat(v, 64)
			case "avg60":
				psi.Avg60, _ = strconv.ParseFloat(v, 64)
			case "avg300":
				psi.Avg300, _ = strconv.ParseFloat(v, 64)
			case "total":
				psi.Total, _ = strconv.ParseUint(v, 10, 64)
			}
		}
		switch f[0] {
		case "some":
			p.Some = psi
		case "full":
			p.Full = psi
		}
	}
	return p
}

// List returns the cgroups directly under parent (from the cgroup2 root),
// e.g. the containers under /minidocker.
func List(h *Host, parent string) ([]*Cgroup, error) {
	entries, err := os.ReadDir(Load(h, parent).Dir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list cgroups: %w", err)
	}
	var out []*Cgroup
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, Load(h, filepath.Join(parent, e.Name())))
		}
	}
	return out, nil
}
