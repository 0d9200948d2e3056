package testscript

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	ts "github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// watchLeaks makes a transcript fail if, at its end, the host's mount
// table differs from the one at its start, or a process it started still
// runs. The processes are killed and the mounts under $WORK detached
// first, so the machine stays clean and $WORK can be removed: a leaked
// bind mount of / under $WORK would have the removal recurse into the
// host's files.
func watchLeaks(e *ts.Env) error {
	before, err := readMountinfo()
	if err != nil {
		return err
	}
	work := e.WorkDir
	e.Defer(func() {
		leaks := killStrays(work)
		leaks = append(leaks, cgroupLeaks(work)...)
		leaks = append(leaks, mountChanges(before, work)...)
		if len(leaks) > 0 {
			e.T().Fatal("leak check: the transcript left the host changed:\n\t" + strings.Join(leaks, "\n\t"))
		}
	})
	return nil
}

// killStrays kills and lists the processes still running in, on or about
// work: their root or cwd is inside it, or their command line names it;
// and their descendants, which may have none of that.
func killStrays(work string) []string {
	entries, _ := os.ReadDir("/proc")
	roots := rootIDs(work)
	self := os.Getpid()
	type proc struct {
		pid, ppid int
		args      []string
		stray     bool
	}
	var procs []*proc
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == self || pid == 1 {
			continue
		}
		state, ppid, ok := procStat(pid)
		if !ok || state == 'Z' || state == 'X' {
			continue
		}
		dir := "/proc/" + ent.Name()
		root, _ := os.Readlink(dir + "/root")
		cwd, _ := os.Readlink(dir + "/cwd")
		cmdline, _ := os.ReadFile(dir + "/cmdline")
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		rootID, _ := statID(dir + "/root")
		stray := within(root, work) || within(cwd, work) || roots[rootID] ||
			slices.ContainsFunc(args, func(a string) bool { return mentions(a, work) })
		procs = append(procs, &proc{pid, ppid, args, stray})
	}
	for changed := true; changed; {
		changed = false
		strays := make(map[int]bool)
		for _, p := range procs {
			strays[p.pid] = p.stray
		}
		for _, p := range procs {
			if !p.stray && strays[p.ppid] {
				p.stray, changed = true, true
			}
		}
	}
	var leaks []string
	var pids []int
	for _, p := range procs {
		if !p.stray {
			continue
		}
		syscall.Kill(p.pid, syscall.SIGKILL)
		pids = append(pids, p.pid)
		leaks = append(leaks, fmt.Sprintf("process %d still running, killed: %s", p.pid, strings.Join(p.args, " ")))
	}
	// Wait a little for them to go: their mounts and files go with them.
	for deadline := time.Now().Add(5 * time.Second); len(pids) > 0 && time.Now().Before(deadline); {
		pids = slices.DeleteFunc(pids, gone)
		if len(pids) > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return leaks
}

// procStat returns a process's state letter and parent from
// /proc/PID/stat: "PID (COMM) STATE PPID ...", where COMM may itself
// hold ") ".
func procStat(pid int) (state byte, ppid int, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(stat)
	i := strings.LastIndex(s, ") ")
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(s[i+2:])
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	return fields[0][0], ppid, err == nil
}

// gone reports whether pid has exited: no longer there, or a zombie.
func gone(pid int) bool {
	state, _, ok := procStat(pid)
	return !ok || state == 'Z' || state == 'X'
}

// fileID is a file's identity: its device and inode numbers.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileID{}, err
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, nil
}

// rootIDs returns the identities of the directories under work that a
// container could have as its root: those on work's own file system, and
// the roots of mounts on paths under work. After pivot_root in a mount
// namespace of its own, readlink /proc/PID/root says just "/", so such a
// root is known by its identity. Other file systems are not walked, and
// the host's / never counts: a bind mount of / under work must not make
// every process on the host a stray.
func rootIDs(work string) map[fileID]bool {
	ids := make(map[fileID]bool)
	workID, err := statID(work)
	if err != nil {
		return ids
	}
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		id, err := statID(p)
		if err != nil {
			return nil
		}
		ids[id] = true
		if id.dev != workID.dev {
			return fs.SkipDir
		}
		return nil
	})
	if hostRoot, err := statID("/"); err == nil {
		delete(ids, hostRoot)
	}
	return ids
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// mentions reports whether arg names work or a path below it, and not
// merely a longer name that starts the same ("script-a" in "script-ab").
func mentions(arg, work string) bool {
	for i := 0; ; {
		j := strings.Index(arg[i:], work)
		if j < 0 {
			return false
		}
		end := i + j + len(work)
		if end == len(arg) || !isNameByte(arg[end]) {
			return true
		}
		i = end
	}
}

func isNameByte(b byte) bool {
	return b == '-' || b == '_' || b == '.' || b == '#' ||
		'0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// otherWork matches a path in another transcript's work directory, in
// this test binary or another one running beside it, or in a Go test's
// t.TempDir (/tmp/TestName123/001): go test ./... runs packages side by
// side, and the unionfs tests mount overlays there; or in the scratch
// directories of `go run ./bench` (/tmp/minidocker-bench-*), whose
// tmpfs, containerd and dockerd mount there while tests run.
var otherWork = regexp.MustCompile(`/((go-test-script|` + workRootPrefix + `)[^/]*/script-[^/]+|(Test|Benchmark|Fuzz)[^/]*/[0-9]{3}|minidocker-bench-[^/]+)(/|$)`)

// mountChanges lists the mounts that appeared or disappeared since
// before, leaving out those of other transcripts running beside this one.
// Mounts that appeared in work are detached.
func mountChanges(before []mount, work string) []string {
	after, err := readMountinfo()
	if err != nil {
		return []string{err.Error()}
	}
	ours := func(m mount) bool { return within(m.point, work) || !otherWork.MatchString(m.point) }
	was := make(map[string]bool, len(before))
	for _, m := range before {
		was[m.line] = true
	}
	is := make(map[string]bool, len(after))
	var leaks []string
	var detach []string
	for _, m := range after {
		is[m.line] = true
		if !was[m.line] && ours(m) {
			leaks = append(leaks, "mount appeared: "+m.line)
			if within(m.point, work) {
				detach = append(detach, m.point)
			}
		}
	}
	for _, m := range before {
		if !is[m.line] && ours(m) {
			leaks = append(leaks, "mount disappeared: "+m.line)
		}
	}
	// Deepest first, so each unmount finds its mount point reachable.
	slices.SortFunc(detach, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, p := range detach {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			leaks = append(leaks, fmt.Sprintf("detach %s: %v", filepath.Clean(p), err))
		}
	}
	return leaks
}
