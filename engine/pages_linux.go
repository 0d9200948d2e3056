package engine

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dropCodePages gives back this process's pages of its own executable's
// code and read-only data: madvise(MADV_DONTNEED) on the mappings of
// /proc/self/exe that are not writable. They are clean copies of the
// file, so nothing is lost: a page that is needed again faults back in
// from the page cache. The Go runtime's start and every package's init
// ran code all over the binary; the monitor's loop needs a small part of
// it, and keeps only that.
func dropCodePages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	type span struct{ start, end uintptr }
	var spans []span
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-0060f000 r-xp 00000000 fe:00 9979325   /path/to/exe
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			spans = append(spans, span{uintptr(start), uintptr(end)})
		}
	}
	for _, s := range spans {
		unix.Syscall(unix.SYS_MADVISE, s.start, s.end-s.start, unix.MADV_DONTNEED)
	}
}
