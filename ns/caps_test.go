package ns

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultCapabilitiesAsDocker(t *testing.T) {
	// What `docker run busybox grep CapBnd /proc/self/status` shows.
	mask, err := capMask(DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%016x", mask); got != "00000000a80425fb" {
		t.Errorf("CapBnd %s, want docker's 00000000a80425fb", got)
	}
}

func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		name        string
		adds, drops []string
		want        []string
		err         string
	}{
		{name: "defaults", want: DefaultCapabilities},
		{name: "add", adds: []string{"sys_admin"}, want: append(append([]string(nil), DefaultCapabilities...), "CAP_SYS_ADMIN")},
		{name: "add one already there", adds: []string{"CAP_CHOWN"}, want: DefaultCapabilities},
		{name: "drop", drops: []string{"net_raw", "Cap_Mknod"}, want: []string{
			"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
			"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
			"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}},
		{name: "drop all add one", adds: []string{"chown"}, drops: []string{"all"}, want: []string{"CAP_CHOWN"}},
		{name: "drop all", drops: []string{"ALL"}, want: []string{}},
		{name: "add all drop one", adds: []string{"ALL"}, drops: []string{"CAP_SYS_ADMIN"}, want: append(append([]string(nil), capNames[:21]...), capNames[22:]...)},
		{name: "unknown add", adds: []string{"bogus"}, err: `invalid --cap-add: unknown capability: "CAP_BOGUS"`},
		{name: "unknown drop", drops: []string{"CAP_"}, err: `invalid --cap-drop: unknown capability: "CAP_"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Capabilities(tc.adds, tc.drops)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}
