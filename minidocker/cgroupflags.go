package minidocker

import (
	"fmt"
	"strconv"

	"github.com/minidocker/minidocker/cgroup"
)

// cgroupOptions are `minidocker run`'s resource flags, named and parsed as
// docker's are. Chapter 04.
type cgroupOptions struct {
	parent                                string
	memory, memorySwap, memoryReservation string
	cpus, cpuPeriod, cpuQuota, cpuShares  string
	cpusetCpus, cpusetMems, pidsLimit     string
	deviceReadBps, deviceWriteBps         []string
}

func (c *cgroupOptions) flags(fs *flagSet) {
	fs.String(&c.parent, "cgroup-parent", "", "string", "Parent cgroup for the container, from the cgroup2 root (default /minidocker)")
	fs.String(&c.cpuPeriod, "cpu-period", "", "int", "Limit CPU CFS (Completely Fair Scheduler) period")
	fs.String(&c.cpuQuota, "cpu-quota", "", "int", "Limit CPU CFS (Completely Fair Scheduler) quota")
	fs.String(&c.cpuShares, "cpu-shares", "c", "int", "CPU shares (relative weight)")
	fs.String(&c.cpus, "cpus", "", "decimal", "Number of CPUs")
	fs.String(&c.cpusetCpus, "cpuset-cpus", "", "string", "CPUs in which to allow execution (0-3, 0,1)")
	fs.String(&c.cpusetMems, "cpuset-mems", "", "string", "MEMs in which to allow execution (0-3, 0,1)")
	fs.List(&c.deviceReadBps, "device-read-bps", "", "list", "Limit read rate (bytes per second) from a device")
	fs.List(&c.deviceWriteBps, "device-write-bps", "", "list", "Limit write rate (bytes per second) to a device")
	fs.String(&c.memory, "memory", "m", "bytes", "Memory limit")
	fs.String(&c.memoryReservation, "memory-reservation", "", "bytes", "Memory soft limit")
	fs.String(&c.memorySwap, "memory-swap", "", "bytes", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	fs.String(&c.pidsLimit, "pids-limit", "", "int", "Tune container pids limit (set -1 for unlimited)")
}

// resources parses the flags into limits, with docker's error messages:
// invalid argument "32x" for "-m, --memory" flag: invalid size: '32x'.
func (c *cgroupOptions) resources() (*cgroup.Resources, error) {
	var r cgroup.Resources
	bad := func(v, flag string, err error) error {
		return fmt.Errorf("invalid argument %q for %q flag: %v", v, flag, err)
	}
	for _, f := range []struct {
		v, flag string
		dst     *int64
		parse   func(string) (int64, error)
	}{
		{c.memory, "-m, --memory", &r.Memory, cgroup.ParseBytes},
		{c.memorySwap, "--memory-swap", &r.MemorySwap, cgroup.ParseSwap},
		{c.memoryReservation, "--memory-reservation", &r.MemoryReservation, cgroup.ParseBytes},
		{c.cpus, "--cpus", &r.NanoCPUs, cgroup.ParseCPUs},
		{c.cpuPeriod, "--cpu-period", &r.CPUPeriod, parseInt},
		{c.cpuQuota, "--cpu-quota", &r.CPUQuota, parseInt},
		{c.cpuShares, "-c, --cpu-shares", &r.CPUShares, parseInt},
		{c.pidsLimit, "--pids-limit", &r.PidsLimit, parseInt},
	} {
		if f.v == "" {
			continue
		}
		n, err := f.parse(f.v)
		if err != nil {
			return nil, bad(f.v, f.flag, err)
		}
		*f.dst = n
	}
	r.CpusetCpus, r.CpusetMems = c.cpusetCpus, c.cpusetMems
	for _, d := range []struct {
		vs   []string
		flag string
		dst  *[]cgroup.DeviceRate
	}{{c.deviceReadBps, "--device-read-bps", &r.DeviceReadBps}, {c.deviceWriteBps, "--device-write-bps", &r.DeviceWriteBps}} {
		for _, v := range d.vs {
			rate, err := cgroup.ParseDeviceRate(v)
			if err != nil {
				return nil, bad(v, d.flag, err)
			}
			if err := cgroup.ResolveDevice(&rate); err != nil {
				return nil, fmt.Errorf("%s: %w", d.flag, err)
			}
			*d.dst = append(*d.dst, rate)
		}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func parseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("strconv.ParseInt: parsing %q: invalid syntax", s)
	}
	return n, nil
}
