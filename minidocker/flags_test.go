package minidocker

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFlagsLikeDocker(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want runOptions
		rest []string
	}{
		{[]string{"-it", "--rootfs", "r", "sh"}, runOptions{tty: true, interactive: true, rootfs: "r"}, []string{"sh"}},
		{[]string{"--rootfs=r", "-eA=1", "-e", "B=2", "--env=C=3", "ls", "-l"}, runOptions{rootfs: "r", env: []string{"A=1", "B=2", "C=3"}}, []string{"ls", "-l"}},
		{[]string{"-tu", "1000:5", "--rootfs", "r", "--", "-x"}, runOptions{tty: true, user: "1000:5", rootfs: "r"}, []string{"-x"}},
		{[]string{"--layer", "a", "--layer=b", "--root", "s", "--storage-driver", "vfs", "sh"}, runOptions{storage: storageOptions{layers: []string{"a", "b"}, root: "s", driver: "vfs"}}, []string{"sh"}},
		{[]string{"-h", "box", "--init", "--rm=false", "-w", "/tmp", "--rootfs", "r", "id"}, runOptions{hostname: "box", init: true, workdir: "/tmp", rootfs: "r"}, []string{"id"}},
		{[]string{"-dit", "--name", "web", "-v", "data:/d", "--volume=/h:/c:ro", "--tmpfs", "/run", "--entrypoint", "", "--rootfs", "r", "x"},
			runOptions{detach: true, interactive: true, tty: true, name: "web", volumes: []string{"data:/d", "/h:/c:ro"}, tmpfs: []string{"/run"}, entrypointSet: true, rootfs: "r"}, []string{"x"}},
		{[]string{"-p", "8080:80", "-P", "--expose=443", "--network", "app", "--network-alias", "www", "--ip", "172.30.0.5", "--add-host", "db:10.0.0.5", "--dns", "10.0.0.53", "--rootfs", "r", "httpd"},
			runOptions{net: networkOptions{publish: []string{"8080:80"}, publishAll: true, expose: []string{"443"}, network: "app", aliases: []string{"www"}, ip: "172.30.0.5", addHosts: []string{"db:10.0.0.5"}, dns: []string{"10.0.0.53"}}, rootfs: "r"}, []string{"httpd"}},
	} {
		var o runOptions
		rest, err := o.flags("run").Parse(tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, o, cmp.AllowUnexported(runOptions{}, storageOptions{}, cgroupOptions{}, remoteFlags{}, networkOptions{})); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", tc.args, diff)
		}
		if diff := cmp.Diff(tc.rest, rest); diff != "" {
			t.Errorf("%q rest: %s", tc.args, diff)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"-z"}, `unknown shorthand flag: 'z' in -z`},
		{[]string{"--rootfs"}, "flag needs an argument: --rootfs"},
		{[]string{"-ie"}, `flag needs an argument: 'e' in -ie`},
		{[]string{"--tty=maybe"}, `invalid argument "maybe" for --tty: want true or false`},
	} {
		var o runOptions
		_, err := o.flags("run").Parse(tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.args, err, tc.want)
		}
	}
}
