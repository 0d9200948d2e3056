// Package cgroup is minidocker's cgroup v2 writer: it creates a container's
// cgroup, writes its limits in the units docker's flags use, freezes, kills
// and removes it, and reads its statistics. It is the part of runc that
// libcontainer/cgroups/fs2 is.
//
// Everything goes through files under the cgroup2 mount, found in
// /proc/self/mountinfo, never assumed at /sys/fs/cgroup: on a hybrid host
// (cgroup v1 hierarchies at /sys/fs/cgroup, cgroup2 beside them) it is
// elsewhere and has few controllers, and Host says why each missing one is
// missing.
package cgroup

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Controllers are the cgroup v2 controllers a container's limits use.
var Controllers = []string{"cpu", "cpuset", "io", "memory", "pids"}

// Host is the cgroup setup of this machine: where cgroup2 is mounted and
// which controllers it can use.
type Host struct {
	Mount     string            // the cgroup2 mount point
	Available []string          // cgroup.controllers at the mount's root
	why       map[string]string // controller -> why cgroup v2 cannot use it
}

// Detect finds the cgroup2 mount in /proc/self/mountinfo and the state of
// every controller from /proc/cgroups.
func Detect() (*Host, error) {
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	procCgroups, _ := os.ReadFile("/proc/cgroups") // optional: gone in some kernels
	return detect(mountinfo, procCgroups, "")
}

// DetectAt is Detect with the cgroup2 mount given: root is a directory that
// has cgroup.controllers (a test's copy of one, or a mount Detect would not
// pick).
func DetectAt(root string) (*Host, error) {
	mountinfo, _ := os.ReadFile("/proc/self/mountinfo")
	procCgroups, _ := os.ReadFile("/proc/cgroups")
	return detect(mountinfo, procCgroups, root)
}

func detect(mountinfo, procCgroups []byte, root string) (*Host, error) {
	mounts := parseMountinfo(mountinfo)
	if root == "" {
		for _, m := range mounts {
			if m.fstype == "cgroup2" {
				root = m.point
				break
			}
		}
		if root == "" {
			return nil, ErrNoCgroup2
		}
	}
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("read cgroup2 controllers: %w", err)
	}
	h := &Host{Mount: root, Available: strings.Fields(string(data)), why: map[string]string{}}
	kernel := parseProcCgroups(procCgroups)
	for _, c := range Controllers {
		if slices.Contains(h.Available, c) {
			continue
		}
		h.why[c] = whyUnavailable(c, mounts, kernel)
	}
	return h, nil
}

// whyUnavailable explains a controller missing from cgroup.controllers. A
// controller lives in one hierarchy at a time: once a cgroup v1 hierarchy
// binds it, cgroup v2 does not have it.
func whyUnavailable(c string, mounts []mount, kernel map[string]procCgroup) string {
	v1 := c
	if c == "io" {
		v1 = "blkio" // the same controller under its v1 name
	}
	for _, m := range mounts {
		if m.fstype == "cgroup" && slices.Contains(strings.Split(m.super, ","), v1) {
			return fmt.Sprintf("%s is bound to a cgroup v1 hierarchy on this host (mounted at %s); boot with systemd.unified_cgroup_hierarchy=1 for cgroup v2", c, m.point)
		}
	}
	k, ok := kernel[v1]
	switch {
	case kernel == nil:
		return fmt.Sprintf("%s is not in the cgroup2 root's cgroup.controllers", c)
	case !ok:
		return fmt.Sprintf("the kernel has no %s controller (not built in)", c)
	case !k.enabled:
		return fmt.Sprintf("%s is disabled on the kernel command line (cgroup_disable=%s)", c, v1)
	case k.hierarchy != 0:
		return fmt.Sprintf("%s is bound to cgroup v1 hierarchy %d on this host", c, k.hierarchy)
	}
	return fmt.Sprintf("%s is not delegated to the cgroup2 mount's root (its parent's cgroup.subtree_control lacks it)", c)
}

// Check returns nil if cgroup v2 can use controller c here, else an
// *UnavailableError that says why.
func (h *Host) Check(c string) error {
	if slices.Contains(h.Available, c) {
		return nil
	}
	why := h.why[c]
	if why == "" {
		why = c + " is not in the cgroup2 root's cgroup.controllers"
	}
	return &UnavailableError{Controller: c, Mount: h.Mount, Why: why}
}

type mount struct {
	point, fstype, super string
}

// parseMountinfo reads the mount point, type and super options of each line
// of /proc/self/mountinfo (proc(5)):
// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue".
func parseMountinfo(data []byte) []mount {
	var ms []mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 {
			continue
		}
		ms = append(ms, mount{point: unescapeOctal(f[4]), fstype: g[0], super: g[2]})
	}
	return ms
}

// unescapeOctal undoes mountinfo's \040-style escapes of space, tab,
// newline and backslash.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type procCgroup struct {
	hierarchy int
	enabled   bool
}

// parseProcCgroups reads /proc/cgroups: "subsys_name hierarchy num_cgroups
// enabled" per controller, hierarchy 0 for cgroup v2 (or unused).
func parseProcCgroups(data []byte) map[string]procCgroup {
	if len(data) == 0 {
		return nil
	}
	out := map[string]procCgroup{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || strings.HasPrefix(f[0], "#") {
			continue
		}
		h, _ := strconv.Atoi(f[1])
		out[f[0]] = procCgroup{hierarchy: h, enabled: f[3] == "1"}
	}
	return out
}
