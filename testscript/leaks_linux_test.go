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
