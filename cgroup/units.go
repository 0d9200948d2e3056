package cgroup

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// sizeRE is docker's size syntax (go-units RAMInBytes): a number, an
// optional space, an optional k/m/g/t/p with optional "i" and "b", any case.
// (Compiled on first use: at init it would cost every minidocker
// process, a container's monitor too, its memory.)
var sizeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$`)
})

// ParseBytes reads a size as docker's --memory does: binary units, so
// "32m", "32M", "32MiB" and "32mb" are all 32×1024×1024 bytes.
func ParseBytes(s string) (int64, error) {
	m := sizeRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid size: '%s'", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size: '%s'", s)
	}
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}[strings.ToLower(m[2])]
	return int64(n * mult), nil
}

// ParseSwap reads --memory-swap: a size, or -1 for unlimited swap.
func ParseSwap(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	return ParseBytes(s)
}

// ParseCPUs reads --cpus ("1.5") as nano-CPUs, exactly, as docker does.
func ParseCPUs(s string) (int64, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("failed to parse %s as a rational number", s)
	}
	nano := r.Mul(r, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, fmt.Errorf("value is too precise")
	}
	if nano.Sign() < 0 {
		return 0, fmt.Errorf("range of CPUs must be positive")
	}
	return nano.Num().Int64(), nil
}

// ParseDeviceRate reads --device-read-bps/--device-write-bps
// ("/dev/sda:1mb"). The device is resolved to its major:minor later, by
// the caller (ResolveDevice), since that needs the host's /dev.
func ParseDeviceRate(s string) (DeviceRate, error) {
	path, rate, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(rate, ":") {
		return DeviceRate{}, fmt.Errorf("bad format: %s (want DEVICE-PATH:RATE, e.g. /dev/sda:1mb)", s)
	}
	if !strings.HasPrefix(path, "/dev/") {
		return DeviceRate{}, fmt.Errorf("bad format for device path: %s (want a path under /dev/)", path)
	}
	n, err := ParseBytes(rate)
	if err != nil || n <= 0 {
		return DeviceRate{}, fmt.Errorf("invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb", s)
	}
	return DeviceRate{Path: path, Rate: uint64(n)}, nil
}

// CheckCpuset checks a cpuset list ("0-2,4") and returns its members.
func CheckCpuset(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, fmt.Errorf("invalid format: %s (want a list like 0-2,4)", s)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}
