package minidocker

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minidocker/minidocker/cgroup"
)

func TestCgroupFlags(t *testing.T) {
	var o runOptions
	rest, err := o.flags("run").Parse([]string{"-m", "32m", "--memory-swap=-1", "--memory-reservation", "16M", "--cpus", "1.5",
		"-c", "512", "--cpuset-cpus", "0", "--pids-limit", "10", "--cgroup-parent", "/x", "--rootfs", "r", "true"})
	if err != nil || !cmp.Equal(rest, []string{"true"}) {
		t.Fatalf("Parse = %q, %v", rest, err)
	}
	r, err := o.cgroup.resources()
	if err != nil {
		t.Fatal(err)
	}
	want := &cgroup.Resources{Memory: 32 << 20, MemorySwap: -1, MemoryReservation: 16 << 20, NanoCPUs: 1.5e9,
		CPUShares: 512, CpusetCpus: "0", PidsLimit: 10}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if o.cgroup.parent != "/x" {
		t.Errorf("parent = %q", o.cgroup.parent)
	}
}

func TestCgroupFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", "lots"}, `invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`},
		{[]string{"--cpus", "x"}, `invalid argument "x" for "--cpus" flag`},
		{[]string{"--pids-limit", "1.5"}, `invalid argument "1.5" for "--pids-limit" flag`},
		{[]string{"--device-read-bps", "/dev/sda"}, `invalid argument "/dev/sda" for "--device-read-bps" flag: bad format`},
		{[]string{"-m", "64m", "--memory-reservation", "128m"}, "can not be less than memory reservation"},
	} {
		var o runOptions
		if _, err := o.flags("run").Parse(append(tc.args, "--rootfs", "r", "true")); err != nil {
			t.Fatal(err)
		}
		_, err := o.cgroup.resources()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}
