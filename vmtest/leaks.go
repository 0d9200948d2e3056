package vmtest

import (
	"fmt"
	"slices"
	"strings"
)

// LeakJob lists, one per line, what a test could leave behind in the
// guest: every cgroup ("cgroup DIR"), every mount ("mount POINT"), every
// network link ("link NAME"), every loop device with a file attached
// ("loop DEV FILE") and every user process ("process PID ARGS"), leaving
// out the listing's own shell and its children. Run it before the suites and after them, and
// compare the two with Leaks.
func LeakJob(name string) Job {
	return Job{Name: name, Args: []string{"/bin/sh", "-c", leakScript}}
}

const leakScript = `find /sys/fs/cgroup -mindepth 1 -type d | sed 's/^/cgroup /'
cut -d' ' -f5 /proc/self/mountinfo | sed 's/^/mount /'
ls /sys/class/net | sed 's/^/link /'
for f in /sys/block/loop*/loop/backing_file; do
	d=${f#/sys/block/}
	[ -e "$f" ] && echo "loop ${d%%/*} $(cat "$f")"
done
for p in /proc/[0-9]*; do
	pid=${p#/proc/}
	[ "$pid" = "$$" ] && continue
	ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$p/status" 2>/dev/null)
	[ -z "$ppid" ] || [ "$ppid" = "$$" ] && continue
	cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
	[ -n "$cmd" ] && echo "process $pid $cmd"
done
exit 0`

// KeptParent is the one thing the suites may add: the parent of every
// container's cgroup, which stays, as docker's /docker does.
const KeptParent = "cgroup /sys/fs/cgroup/minidocker"

// Leaks compares LeakJob's output before and after the suites: what is
// new (but KeptParent) or gone is a leak, or something a test removed
// that it had not made. A listing without the root mount or init is an
// error too: the check must have seen the machine.
func Leaks(before, after []string) []string {
	var out []string
	for i, l := range [][]string{before, after} {
		name := []string{"before", "after"}[i]
		if !slices.Contains(l, "mount /") || !slices.ContainsFunc(l, func(s string) bool { return strings.HasPrefix(s, "process 1 ") }) {
			out = append(out, fmt.Sprintf("the listing %s the suites shows no root mount or no init: %q", name, l))
		}
	}
	for _, l := range after {
		if !slices.Contains(before, l) && l != KeptParent {
			out = append(out, "left behind: "+l)
		}
	}
	for _, l := range before {
		if !slices.Contains(after, l) {
			out = append(out, "gone after the suites: "+l)
		}
	}
	return out
}
