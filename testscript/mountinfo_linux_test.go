package testscript

import (
	"strings"
	"testing"
)

func TestParseMountinfo(t *testing.T) {
	const table = `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
29 23 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
41 36 0:40 / /tmp/with\040space\134 rw - tmpfs none rw
`
	mounts, err := parseMountinfo(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{{point: "/mnt2", fstype: "ext3"}, {point: "/sys/fs/cgroup/unified", fstype: "cgroup2"}, {point: `/tmp/with space\`, fstype: "tmpfs"}}
	if len(mounts) != len(want) {
		t.Fatalf("got %d mounts, want %d", len(mounts), len(want))
	}
	for i, m := range mounts {
		if m.point != want[i].point || m.fstype != want[i].fstype {
			t.Errorf("mount %d: got %q %q, want %q %q", i, m.point, m.fstype, want[i].point, want[i].fstype)
		}
	}
	if _, err := parseMountinfo(strings.NewReader("1 2 3\n")); err == nil {
		t.Error("a short line parsed, want an error")
	}
}
