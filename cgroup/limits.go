package cgroup

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
)

// Resources are a container's limits as docker's flags give them. The zero
// value of a field means the flag was not given.
type Resources struct {
	Memory            int64 // --memory, bytes: memory.max
	MemorySwap        int64 // --memory-swap, memory plus swap in bytes; -1 unlimited
	MemoryReservation int64 // --memory-reservation, bytes: memory.low
	NanoCPUs          int64 // --cpus × 10⁹
	CPUPeriod         int64 // --cpu-period, µs
	CPUQuota          int64 // --cpu-quota, µs per period; -1 unlimited
	CPUShares         int64 // --cpu-shares, relative weight (docker's default 1024)
	CpusetCpus        string
	CpusetMems        string
	PidsLimit         int64 // --pids-limit; 0 or less is unlimited, as in docker
	DeviceReadBps     []DeviceRate
	DeviceWriteBps    []DeviceRate
}

// DeviceRate is one --device-read-bps or --device-write-bps: a block
// device (resolved to its major:minor) and bytes per second.
type DeviceRate struct {
	Path         string
	Major, Minor uint32
	Rate         uint64
}

// Empty reports whether no limit is set.
func (r *Resources) Empty() bool {
	return r == nil || len(r.writes()) == 0
}

// minMemory is docker's floor for --memory and --memory-reservation.
const minMemory = 6 << 20

// defaultCPUPeriod is CFS's default period, the one --cpus uses.
const defaultCPUPeriod = 100000

// Validate refuses what docker refuses, with docker's messages.
func (r *Resources) Validate() error {
	if r == nil {
		return nil
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
	}
	switch {
	case r.Memory < 0 || r.MemoryReservation < 0 || r.CPUShares < 0 || r.NanoCPUs < 0 || r.CPUPeriod < 0:
		return bad("limits cannot be negative")
	case r.Memory > 0 && r.Memory < minMemory:
		return bad("minimum memory limit allowed is 6MB")
	case r.MemoryReservation > 0 && r.MemoryReservation < minMemory:
		return bad("minimum memory reservation allowed is 6MB")
	case r.MemorySwap > 0 && r.Memory == 0:
		return bad("you should always set the memory limit when using the memoryswap limit (--memory with --memory-swap)")
	case r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		return bad("minimum memoryswap limit should be larger than memory limit (--memory-swap is memory plus swap)")
	case r.MemoryReservation > 0 && r.Memory > 0 && r.Memory < r.MemoryReservation:
		return bad("minimum memory limit can not be less than memory reservation limit")
	case r.NanoCPUs > 0 && (r.CPUPeriod > 0 || r.CPUQuota > 0):
		return bad("conflicting options: --cpus and --cpu-period/--cpu-quota cannot both be set")
	case r.NanoCPUs > int64(runtime.NumCPU())*1e9:
		n := runtime.NumCPU()
		return bad("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n)
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return bad("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
	case r.CPUQuota > 0 && r.CPUQuota < 1000:
		return bad("CPU cfs quota can not be less than 1ms (i.e. 1000)")
	}
	for _, d := range append(r.DeviceReadBps, r.DeviceWriteBps...) {
		if d.Major == 0 && d.Minor == 0 {
			return bad("device %s was not resolved to a major:minor", d.Path)
		}
	}
	return nil
}

// write is one value written to one file of the container's cgroup.
type write struct {
	controller, file, value string
	flag                    string // the docker flag it comes from, for errors
	optional                bool   // skipped if the kernel lacks the file
}

// writes are the files r sets, in order.
func (r *Resources) writes() []write {
	var ws []write
	add := func(ctrl, file, value, flag string) {
		ws = append(ws, write{controller: ctrl, file: file, value: value, flag: flag})
	}
	if r == nil {
		return nil
	}
	if r.Memory > 0 {
		add("memory", "memory.max", strconv.FormatInt(r.Memory, 10), "--memory")
	}
	switch {
	case r.MemorySwap == -1:
		add("memory", "memory.swap.max", "max", "--memory-swap")
	case r.MemorySwap > 0:
		// v1's memsw counted memory plus swap; v2's swap.max counts swap only.
		add("memory", "memory.swap.max", strconv.FormatInt(r.MemorySwap-r.Memory, 10), "--memory-swap")
	case r.Memory > 0:
		// Docker's default: as much swap as memory (memory-swap = 2 × memory),
		// skipped, as docker does, where the kernel has no swap accounting.
		ws = append(ws, write{controller: "memory", file: "memory.swap.max", value: strconv.FormatInt(r.Memory, 10), flag: "--memory", optional: true})
	}
	if r.MemoryReservation > 0 {
		// A soft limit: memory.low (reclaim protection) is what runc writes;
		// memory.high would throttle the container, which no docker flag means.
		add("memory", "memory.low", strconv.FormatInt(r.MemoryReservation, 10), "--memory-reservation")
	}
	if v, flag := r.cpuMax(); v != "" {
		add("cpu", "cpu.max", v, flag)
	}
	if r.CPUShares > 0 {
		add("cpu", "cpu.weight", strconv.FormatUint(SharesToWeight(uint64(r.CPUShares)), 10), "--cpu-shares")
	}
	if r.CpusetCpus != "" {
		add("cpuset", "cpuset.cpus", r.CpusetCpus, "--cpuset-cpus")
	}
	if r.CpusetMems != "" {
		add("cpuset", "cpuset.mems", r.CpusetMems, "--cpuset-mems")
	}
	if r.PidsLimit > 0 {
		add("pids", "pids.max", strconv.FormatInt(r.PidsLimit, 10), "--pids-limit")
	}
	for _, d := range r.DeviceReadBps {
		add("io", "io.max", fmt.Sprintf("%d:%d rbps=%d", d.Major, d.Minor, d.Rate), "--device-read-bps")
	}
	for _, d := range r.DeviceWriteBps {
		add("io", "io.max", fmt.Sprintf("%d:%d wbps=%d", d.Major, d.Minor, d.Rate), "--device-write-bps")
	}
	return ws
}

// cpuMax is cpu.max's "QUOTA PERIOD": --cpus is a quota over docker's
// default period of 100ms; --cpu-quota and --cpu-period are written as given.
func (r *Resources) cpuMax() (value, flag string) {
	switch {
	case r.NanoCPUs > 0:
		quota := r.NanoCPUs * defaultCPUPeriod / 1e9
		return fmt.Sprintf("%d %d", quota, defaultCPUPeriod), "--cpus"
	case r.CPUQuota != 0 || r.CPUPeriod != 0:
		quota, period := "max", int64(defaultCPUPeriod)
		if r.CPUQuota > 0 {
			quota = strconv.FormatInt(r.CPUQuota, 10)
		}
		if r.CPUPeriod > 0 {
			period = r.CPUPeriod
		}
		flag := "--cpu-quota"
		if r.CPUQuota == 0 {
			flag = "--cpu-period"
		}
		return fmt.Sprintf("%s %d", quota, period), flag
	}
	return "", ""
}

// SharesToWeight converts cgroup v1's cpu.shares (2..262144, default 1024)
// to cgroup v2's cpu.weight (1..10000, default 100) with the quadratic fit
// runc and crun use, which maps the ends and the defaults onto each other.
// (runc's first, linear formula, 1 + (shares-2)×9999/262142, made docker's
// default of 1024 a weight of 39 instead of 100.)
func SharesToWeight(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= 2:
		return 1
	case shares >= 262144:
		return 10000
	}
	l := math.Log2(float64(shares))
	exponent := (l*l+125*l)/612.0 - 7.0/34.0
	return uint64(math.Ceil(math.Pow(10, exponent)))
}
