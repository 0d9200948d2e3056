package testscript

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

var containerID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// cgroupLeaks lists, kills and removes the cgroups still there of the
// containers in any engine store under work ($MINIDOCKER_ROOT, or a
// --root in it): a container's cgroup is /minidocker/ID at the root of
// the cgroup2 mount, and must be gone once the transcript is over.
func cgroupLeaks(work string) []string {
	mnt := cgroup2Mount()
	if mnt == "" {
		return nil
	}
	var dirs []string
	for _, pat := range []string{"*/containers/*", "*/*/containers/*", ".*/containers/*"} {
		m, _ := filepath.Glob(filepath.Join(work, pat))
		dirs = append(dirs, m...)
	}
	seen := map[string]bool{}
	var leaks []string
	for _, d := range dirs {
		id := strings.TrimPrefix(filepath.Base(d), ".rm-")
		if !containerID.MatchString(id) || seen[id] {
			continue
		}
		seen[id] = true
		cg := filepath.Join(mnt, "minidocker", id)
		if _, err := os.Stat(cg); err != nil {
			continue
		}
		leaks = append(leaks, "cgroup still there, removed: "+cg)
		os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0)
		for i := 0; i < 100; i++ {
			if os.Remove(cg) == nil || os.IsNotExist(os.Remove(cg)) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return leaks
}

// cgroup2Mount is where the cgroup2 file system is mounted, "" if not.
func cgroup2Mount() string {
	mounts, err := readMountinfo()
	if err != nil {
		return ""
	}
	for _, m := range mounts {
		if m.fstype == "cgroup2" {
			return m.point
		}
	}
	return ""
}
