package cgroup

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrites(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Resources
		want []string // "FILE=VALUE", "?" marks optional
	}{
		{"memory with docker's default swap", Resources{Memory: 32 << 20}, []string{"memory.max=33554432", "?memory.swap.max=33554432"}},
		{"memory-swap is memory plus swap", Resources{Memory: 32 << 20, MemorySwap: 48 << 20}, []string{"memory.max=33554432", "memory.swap.max=16777216"}},
		{"memory-swap equal to memory: no swap", Resources{Memory: 32 << 20, MemorySwap: 32 << 20}, []string{"memory.max=33554432", "memory.swap.max=0"}},
		{"unlimited swap", Resources{Memory: 32 << 20, MemorySwap: -1}, []string{"memory.max=33554432", "memory.swap.max=max"}},
		{"reservation", Resources{MemoryReservation: 16 << 20}, []string{"memory.low=16777216"}},
		{"cpus", Resources{NanoCPUs: 1.5e9}, []string{"cpu.max=150000 100000"}},
		{"cpu quota and period", Resources{CPUQuota: 50000, CPUPeriod: 200000}, []string{"cpu.max=50000 200000"}},
		{"cpu period alone", Resources{CPUPeriod: 50000}, []string{"cpu.max=max 50000"}},
		{"cpu shares", Resources{CPUShares: 1024}, []string{"cpu.weight=100"}},
		{"cpuset", Resources{CpusetCpus: "0-1", CpusetMems: "0"}, []string{"cpuset.cpus=0-1", "cpuset.mems=0"}},
		{"pids", Resources{PidsLimit: 10}, []string{"pids.max=10"}},
		{"pids unlimited", Resources{PidsLimit: -1}, nil},
		{"device rates", Resources{
			DeviceReadBps:  []DeviceRate{{Path: "/dev/vda", Major: 254, Minor: 0, Rate: 1 << 20}},
			DeviceWriteBps: []DeviceRate{{Path: "/dev/vda", Major: 254, Minor: 0, Rate: 2 << 20}},
		}, []string{"io.max=254:0 rbps=1048576", "io.max=254:0 wbps=2097152"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.r.Validate(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range tc.r.writes() {
				opt := ""
				if w.optional {
					opt = "?"
				}
				got = append(got, fmt.Sprintf("%s%s=%s", opt, w.file, w.value))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		r    Resources
		want string
	}{
		{Resources{Memory: 1 << 20}, "minimum memory limit allowed is 6MB"},
		{Resources{MemorySwap: 64 << 20}, "always set the memory limit"},
		{Resources{Memory: 64 << 20, MemorySwap: 32 << 20}, "memoryswap limit should be larger"},
		{Resources{Memory: 16 << 20, MemoryReservation: 32 << 20}, "can not be less than memory reservation"},
		{Resources{NanoCPUs: 1e9, CPUQuota: 50000}, "conflicting options"},
		{Resources{NanoCPUs: 1e15}, "range of CPUs is from 0.01"},
		{Resources{CPUPeriod: 10}, "CPU cfs period can not be less than 1ms"},
		{Resources{CPUQuota: 10}, "CPU cfs quota can not be less than 1ms"},
	} {
		err := tc.r.Validate()
		if !errors.Is(err, ErrInvalid) || !contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid saying %q", tc.r, err, tc.want)
		}
	}
}

func TestSharesToWeight(t *testing.T) {
	// The ends and docker's default map onto cgroup v2's ends and default.
	for shares, want := range map[uint64]uint64{0: 0, 2: 1, 1024: 100, 262144: 10000, 1: 1, 300000: 10000} {
		if got := SharesToWeight(shares); got != want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	// More shares is never less weight, and every weight is in range.
	prev := uint64(1)
	for shares := uint64(2); shares <= 262144; shares += 97 {
		w := SharesToWeight(shares)
		if w < prev || w > 10000 {
			t.Fatalf("SharesToWeight(%d) = %d after %d", shares, w, prev)
		}
		prev = w
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
