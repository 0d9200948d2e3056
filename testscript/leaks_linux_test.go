package testscript

import "testing"

func TestMentions(t *testing.T) {
	const work = "/tmp/go-test-script1/script-a"
	for arg, want := range map[string]bool{
		work:                   true,
		work + "/rootfs":       true,
		"--root=" + work:       true,
		work + " x":            true,
		work + "b":             false,
		work + "#1":            false,
		"/tmp/go-test-script1": false,
	} {
		if got := mentions(arg, work); got != want {
			t.Errorf("mentions(%q) = %v, want %v", arg, got, want)
		}
	}
}

func TestOtherWork(t *testing.T) {
	for p, want := range map[string]bool{
		"/tmp/minidocker-scripts123/script-mounts/rootfs":   true,
		"/tmp/go-test-script9/script-a":                     true,
		"/tmp/TestOverlayMount123456/001/merged":            true,
		"/tmp/BenchmarkMount99/002":                         true,
		"/tmp/minidocker-bench-123-456":                     true,
		"/tmp/minidocker-bench-pull-9/docker/data/overlay2": true,
		"/tmp/TestOverlay/merged":                           false,
		"/tmp/minidocker-scripts123":                        false,
		"/sys/fs/cgroup/unified":                            false,
	} {
		if got := otherWork.MatchString(p); got != want {
			t.Errorf("otherWork.MatchString(%q) = %v, want %v", p, got, want)
		}
	}
}
