package nettest

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	before := State{"ip -o link": "1: lo\n2: eth0", "sysctl net.ipv4.ip_forward": "0"}
	after := State{"ip -o link": "1: lo\n3: minidocker0", "sysctl net.ipv4.ip_forward": "1"}
	got := Diff(before, after)
	want := []string{
		"ip -o link: appeared: 3: minidocker0",
		"ip -o link: disappeared: 2: eth0",
		"sysctl net.ipv4.ip_forward: appeared: 1",
		"sysctl net.ipv4.ip_forward: disappeared: 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff =\n%q\nwant\n%q", got, want)
	}
	if d := Diff(before, before); len(d) != 0 {
		t.Errorf("Diff of a state with itself = %q", d)
	}
}
