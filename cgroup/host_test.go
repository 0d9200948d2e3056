package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The mount table and /proc/cgroups of a hybrid host: cgroup v1
// hierarchies at /sys/fs/cgroup, cgroup2 beside them with only hugetlb.
const hybridMountinfo = `23 1 0:21 / / rw - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const hybridProcCgroups = `#subsys_name	hierarchy	num_cgroups	enabled
cpuset	3	1	1
cpu	1	1	1
blkio	7	1	1
memory	4	44	1
hugetlb	0	1	1
pids	8	1	1
`

func fakeRoot(t *testing.T, controllers string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(controllers+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDetectHybrid(t *testing.T) {
	root := fakeRoot(t, "hugetlb")
	h, err := detect([]byte(hybridMountinfo), []byte(hybridProcCgroups), root)
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[string]string{
		"memory": "memory is bound to a cgroup v1 hierarchy on this host (mounted at /sys/fs/cgroup/memory)",
		"io":     "io is bound to a cgroup v1 hierarchy on this host (mounted at /sys/fs/cgroup/blkio)",
		"pids":   "mounted at /sys/fs/cgroup/pids",
	} {
		err := h.Check(c)
		var ue *UnavailableError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Check(%s) = %v, want an *UnavailableError", c, err)
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), root) {
			t.Errorf("Check(%s) = %q, want it to say %q and name the mount %s", c, err, want, root)
		}
	}
	if err := h.Check("hugetlb"); err != nil {
		t.Errorf("Check(hugetlb) = %v, want nil: it is in cgroup.controllers", err)
	}
}

func TestDetectFindsMount(t *testing.T) {
	root := fakeRoot(t, "cpuset cpu io memory pids")
	info := "30 23 0:26 / " + strings.ReplaceAll(root, " ", `\040`) + " rw - cgroup2 cgroup2 rw,nsdelegate\n"
	h, err := detect([]byte(info), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Mount != root {
		t.Errorf("Mount = %q, want %q", h.Mount, root)
	}
	for _, c := range Controllers {
		if err := h.Check(c); err != nil {
			t.Errorf("Check(%s) on pure v2 = %v", c, err)
		}
	}
	if _, err := detect([]byte(hybridMountinfo[:len(hybridMountinfo)-len("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")]), nil, ""); !errors.Is(err, ErrNoCgroup2) {
		t.Errorf("detect without a cgroup2 mount = %v, want ErrNoCgroup2", err)
	}
}

func TestWhyUnavailable(t *testing.T) {
	for _, tc := range []struct{ procCgroups, ctrl, want string }{
		{"memory 0 1 0\n", "memory", "disabled on the kernel command line (cgroup_disable=memory)"},
		{"cpu 0 1 1\n", "memory", "the kernel has no memory controller"},
		{"blkio 5 1 1\n", "io", "bound to cgroup v1 hierarchy 5"},
		{"pids 0 1 1\n", "pids", "not delegated"},
	} {
		got := whyUnavailable(tc.ctrl, nil, parseProcCgroups([]byte(tc.procCgroups)))
		if !strings.Contains(got, tc.want) {
			t.Errorf("whyUnavailable(%s) with %q = %q, want %q in it", tc.ctrl, tc.procCgroups, got, tc.want)
		}
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/x\134y`: `/x\y`, `/plain`: "/plain", `/end\04`: `/end\04`} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}
