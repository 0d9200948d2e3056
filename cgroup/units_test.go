package cgroup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"32m": 32 << 20, "32M": 32 << 20, "32MiB": 32 << 20, "32mb": 32 << 20, "32 MB": 32 << 20,
		"1g": 1 << 30, "1.5g": 3 << 29, "100": 100, "4k": 4096, "2b": 2,
	} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "32x", "-1", "m", "1.2.3m", "32  m"} {
		if got, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", in, got)
		}
	}
	if got, err := ParseSwap("-1"); err != nil || got != -1 {
		t.Errorf("ParseSwap(-1) = %d, %v; want -1", got, err)
	}
}

func TestParseCPUs(t *testing.T) {
	for in, want := range map[string]int64{"1": 1e9, "0.5": 5e8, "1.25": 1.25e9, "0.01": 1e7} {
		if got, err := ParseCPUs(in); err != nil || got != want {
			t.Errorf("ParseCPUs(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "0.0000000001", "-1"} {
		if _, err := ParseCPUs(in); err == nil {
			t.Errorf("ParseCPUs(%q): want an error", in)
		}
	}
}

func TestParseDeviceRate(t *testing.T) {
	got, err := ParseDeviceRate("/dev/sda:1mb")
	if err != nil || got != (DeviceRate{Path: "/dev/sda", Rate: 1 << 20}) {
		t.Errorf("ParseDeviceRate(/dev/sda:1mb) = %+v, %v", got, err)
	}
	for _, in := range []string{"/dev/sda", "sda:1mb", "/dev/sda:0", "/dev/sda:fast", "/dev/sda:1:2"} {
		if _, err := ParseDeviceRate(in); err == nil {
			t.Errorf("ParseDeviceRate(%q): want an error", in)
		}
	}
}

func TestCheckCpuset(t *testing.T) {
	got, err := CheckCpuset("0-2,4")
	if err != nil || !cmp.Equal(got, []int{0, 1, 2, 4}) {
		t.Errorf("CheckCpuset(0-2,4) = %v, %v", got, err)
	}
	for _, in := range []string{"", "a", "2-1", "0,,1", "-1"} {
		if _, err := CheckCpuset(in); err == nil {
			t.Errorf("CheckCpuset(%q): want an error", in)
		}
	}
}
